"""A synthetic month recorded through JourneyService: do the alerts and friction factors say what happened?

    python -m eval.bench.month [--customers 240] [--seed 21] [--no-journeys] [--json]

Issue 21's month, on a real server (port 0, the shipped models, SQLite in a temp dir):

- half the customers have a double charge nobody fixes: a chat (unresolved), a call one to two days
  later transferred after a 7-minute hold, and a quarter of them abandon a third call after another
  long hold (a structured touchpoint, no transcript);
- the other half ask on chat when their delivery arrives, are answered (resolved), and rate 9 of 10.

Each customer's contacts are one journey (``billing-N`` stage ``billing``, ``delivery-N`` stage
``delivery``). Touchpoints are recorded one RecordTouchpoints call per day of the month, in time order,
as a CRM would send them. It prints the touchpoints stored, the time taken, the alerts by rule (and
for which group of customers), each group's mean score at the month's end, and the top friction
factors (AnalyzeFriction over the month).

``--no-journeys`` records the same contacts without journey ids and stages, as a CRM that has none would:
repeat contacts must then be recognised from what the customer said (intent, category, topic, embedding).

Figures, not assertions: a person would expect a repeat-contact alert for every billing customer's call
and abandoned call, no alert for a delivery customer, and billing factors above any channel.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from journeymine.v1 import interaction_pb2 as ix_pb
from journeymine.v1 import journey_service_pb2 as jr_pb
from journeymine.v1 import journey_service_pb2_grpc as jr_grpc

CUSTOMER = ix_pb.SPEAKER_ROLE_CUSTOMER
AGENT = ix_pb.SPEAKER_ROLE_AGENT

BILLING_OPENINGS = (
    "I was charged twice for my subscription this month, please refund the duplicate payment.",
    "There are two identical charges on my card for the same order. Why?",
    "My card was debited twice for one purchase and I need one of them reversed.",
    "You took the payment twice this month. Please fix it.",
    "I see a double charge on my bank statement for my last bill.",
)
BILLING_AGENT = (
    "I've raised it with our billing team, they will get back to you.",
    "I can't reverse that from here, I've passed it on to billing.",
)
BILLING_CLOSINGS = ("Ok, I hope so.", "Fine.", "Please make sure someone calls me.")
BILLING_CALLS = (
    "I'm calling again about the double charge, nobody got back to me.",
    "Still no refund for the duplicate payment. This is the second time I contact you.",
    "I chatted with you two days ago about being charged twice and nothing has happened.",
)
DELIVERY_OPENINGS = (
    "Hi, when will my parcel arrive? I ordered it on Monday.",
    "Hello, can you tell me when my order will be delivered?",
    "Where is my package? The tracking has not changed since yesterday.",
)
DELIVERY_AGENT = ("It is out for delivery and arrives tomorrow.", "It will be delivered on Thursday before noon.")
DELIVERY_CLOSINGS = ("Great, thanks!", "Perfect, thank you.", "Thanks for the quick answer.")
SURVEY_ANSWERS = ("Quick and helpful.", "Very good service, thank you.", "Fast answer, all good.")

RULES = {v.number: v.name.removeprefix("ALERT_RULE_").lower() for v in jr_pb.AlertRule.DESCRIPTOR.values}


def _ts(at: datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(at)
    return ts


def _chat(tp_id: str, customer: str, at: datetime, turns: list[tuple[int, str]], **fields: Any) -> jr_pb.Touchpoint:
    transcript = ix_pb.Transcript(turns=[ix_pb.Turn(role=r, text=t) for r, t in turns])
    return jr_pb.Touchpoint(
        id=tp_id,
        customer_id=customer,
        occurred_at=_ts(at),
        interaction=ix_pb.Interaction(id=tp_id, transcript=transcript),
        **fields,
    )


# (openings, agent answers, closings) of a customer's first chat
BILLING = (BILLING_OPENINGS, BILLING_AGENT, BILLING_CLOSINGS)
DELIVERY = (DELIVERY_OPENINGS, DELIVERY_AGENT, DELIVERY_CLOSINGS)


def _first_chat(
    rng: random.Random,
    customer: str,
    at: datetime,
    texts: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]],
    outcome: int,
    journey: dict[str, str],
) -> jr_pb.Touchpoint:
    """A chat of three turns (customer, agent, customer) drawn from ``texts``, ending ``outcome``."""
    openings, answers, closings = texts
    turns = [(CUSTOMER, rng.choice(openings)), (AGENT, rng.choice(answers)), (CUSTOMER, rng.choice(closings))]
    return _chat(f"{customer}-chat", customer, at, turns, channel=ix_pb.CHANNEL_CHAT, outcome=outcome, **journey)


def month(
    customers: int, seed: int, start: datetime, *, journeys: bool = True
) -> list[tuple[datetime, jr_pb.Touchpoint]]:
    """Every touchpoint of the month with its time (unsorted); ``journeys`` False leaves journey and stage empty."""
    rng = random.Random(seed)
    out: list[tuple[datetime, jr_pb.Touchpoint]] = []
    half = customers // 2
    for i in range(half):
        customer = f"billing-{i}"
        journey = {"journey_id": customer, "stage": "billing"} if journeys else {}
        chat_at = start + timedelta(days=rng.uniform(0, 25))
        out.append((chat_at, _first_chat(rng, customer, chat_at, BILLING, jr_pb.OUTCOME_UNRESOLVED, journey)))
        call_at = chat_at + timedelta(days=rng.uniform(1, 2))
        out.append(
            (
                call_at,
                _chat(
                    f"{customer}-call",
                    customer,
                    call_at,
                    [(CUSTOMER, rng.choice(BILLING_CALLS)), (AGENT, "Let me transfer you to the billing team.")],
                    channel=ix_pb.CHANNEL_CALL,
                    outcome=jr_pb.OUTCOME_TRANSFERRED,
                    attributes=jr_pb.TouchpointAttributes(hold_seconds=420, handle_seconds=300),
                    **journey,
                ),
            )
        )
        if i % 4 == 0:  # a quarter abandon a third call on hold
            again = call_at + timedelta(days=rng.uniform(0.5, 2))
            tp = jr_pb.Touchpoint(
                id=f"{customer}-abandoned",
                customer_id=customer,
                channel=ix_pb.CHANNEL_CALL,
                occurred_at=_ts(again),
                outcome=jr_pb.OUTCOME_ABANDONED,
                attributes=jr_pb.TouchpointAttributes(hold_seconds=rng.uniform(480, 900)),
                **journey,
            )
            out.append((again, tp))
    for i in range(customers - half):
        customer = f"delivery-{i}"
        journey = {"journey_id": customer, "stage": "delivery"} if journeys else {}
        chat_at = start + timedelta(days=rng.uniform(0, 27))
        out.append((chat_at, _first_chat(rng, customer, chat_at, DELIVERY, jr_pb.OUTCOME_RESOLVED, journey)))
        survey_at = chat_at + timedelta(hours=rng.uniform(1, 24))
        response = ix_pb.SurveyResponse(
            question="How likely are you to recommend us?",
            answer=rng.choice(SURVEY_ANSWERS),
            rating=9,
            scale=ix_pb.RatingScale(kind="NPS", min=0, max=10),
        )
        out.append(
            (
                survey_at,
                jr_pb.Touchpoint(
                    id=f"{customer}-survey",
                    customer_id=customer,
                    channel=ix_pb.CHANNEL_SURVEY,
                    occurred_at=_ts(survey_at),
                    interaction=ix_pb.Interaction(id=f"{customer}-survey", survey=ix_pb.Survey(responses=[response])),
                    **journey,
                ),
            )
        )
    return out


def run(customers: int, seed: int, *, journeys: bool = True) -> dict[str, Any]:
    from service.config import ServerConfig, Settings, build_configured_enricher
    from service.server import build_server

    end = datetime.now(UTC).replace(microsecond=0)
    start = end - timedelta(days=30)
    touchpoints = sorted(month(customers, seed, start, journeys=journeys), key=lambda x: (x[0], x[1].id))
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(server=ServerConfig(host="127.0.0.1", port=0, grace_seconds=0), data_dir=Path(data_dir))
        loading = time.perf_counter()
        enricher = build_configured_enricher(settings)
        server, port = build_server(settings, enricher)
        server.start()
        load_s = time.perf_counter() - loading
        try:
            with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
                stub = jr_grpc.JourneyServiceStub(channel)
                return _drive(stub, touchpoints, start, end, load_s)
        finally:
            server.stop(None).wait()


def _drive(
    stub: jr_grpc.JourneyServiceStub,
    touchpoints: list[tuple[datetime, jr_pb.Touchpoint]],
    start: datetime,
    end: datetime,
    load_s: float,
) -> dict[str, Any]:
    days: dict[int, list[jr_pb.Touchpoint]] = {}
    for at, tp in touchpoints:
        days.setdefault((at - start).days, []).append(tp)
    stored = 0
    began = time.perf_counter()
    for day in sorted(days):
        stored += stub.RecordTouchpoints(jr_pb.RecordTouchpointsRequest(touchpoints=days[day])).stored
    record_s = time.perf_counter() - began

    alerts: list[jr_pb.Alert] = []
    after = 0
    while True:
        page = stub.ListAlerts(jr_pb.ListAlertsRequest(after_id=after, limit=500)).alerts
        alerts.extend(page)
        if len(page) < 500:
            break
        after = page[-1].id
    by_rule: Counter[str] = Counter()
    customers_by_rule: dict[str, set[str]] = {}
    matches: Counter[str] = Counter()
    for a in alerts:
        group = a.customer_id.split("-")[0]
        rule = RULES[a.rule]
        by_rule[f"{rule} ({group})"] += 1
        customers_by_rule.setdefault(f"{rule} ({group})", set()).add(a.customer_id)
        if rule == "repeat_unresolved":
            matches[a.details["match"]] += 1

    customers = sorted({tp.customer_id for _, tp in touchpoints})
    scores: dict[str, list[float]] = {}
    sentiment: dict[str, list[float]] = {}
    for customer in customers:
        group = customer.split("-")[0]
        response = stub.GetCustomerScore(jr_pb.GetCustomerScoreRequest(customer_id=customer))
        scores.setdefault(group, []).append(response.score)
        for driver in response.drivers:
            if driver.dimension == "component" and driver.key == "sentiment":
                sentiment.setdefault(group, []).append(driver.points)

    friction = stub.AnalyzeFriction(jr_pb.AnalyzeFrictionRequest(start=_ts(start), end=_ts(end), top=8))
    return {
        "touchpoints_sent": len(touchpoints),
        "touchpoints_stored": stored,
        "record_calls": len(days),
        "record_s": round(record_s, 2),
        "model_load_s": round(load_s, 2),
        "alerts_total": len(alerts),
        "alerts_by_rule": dict(sorted(by_rule.items())),
        "customers_by_rule": {k: len(v) for k, v in sorted(customers_by_rule.items())},
        "repeat_matches": dict(matches),
        "mean_score": {g: round(statistics.fmean(v), 1) for g, v in sorted(scores.items())},
        "score_range": {g: [round(min(v), 1), round(max(v), 1)] for g, v in sorted(scores.items())},
        "mean_sentiment_points": {g: round(statistics.fmean(v), 1) for g, v in sorted(sentiment.items())},
        "friction": {
            "customers": friction.customers,
            "touchpoints": friction.touchpoints,
            "tests": friction.tests,
            "events": dict(friction.events),
            "factors": [
                {
                    "dimension": f.dimension,
                    "key": f.key,
                    "effect": f.effect,
                    "customers": f.customers,
                    "event_rate": round(f.event_rate, 3),
                    "baseline_rate": round(f.baseline_rate, 3),
                    "impact": round(f.impact, 1),
                    "p_value": float(f"{f.p_value:.2g}"),
                    "significant": f.significant,
                }
                for f in friction.factors
            ],
        },
    }


def print_text(report: dict[str, Any]) -> None:
    print(
        f"touchpoints: {report['touchpoints_stored']} stored of {report['touchpoints_sent']} sent in "
        f"{report['record_calls']} RecordTouchpoints calls, {report['record_s']:.1f} s "
        f"(models loaded in {report['model_load_s']:.1f} s)"
    )
    print(f"alerts: {report['alerts_total']}")
    for key, n in report["alerts_by_rule"].items():
        print(f"  {key:40s} {n:4d} alerts, {report['customers_by_rule'][key]:4d} customers")
    print(f"  repeat_unresolved matched on: {report['repeat_matches']}")
    print(f"mean score at the month's end: {report['mean_score']}  ranges: {report['score_range']}")
    print(f"mean sentiment component (points): {report['mean_sentiment_points']}")
    f = report["friction"]
    print(
        f"friction: {f['customers']} customers, {f['touchpoints']} touchpoints, {f['tests']} tests, "
        f"events {f['events']}"
    )
    for x in f["factors"]:
        print(
            f"  {x['dimension']:9s} {x['key'][:40]:40s} {x['effect']:15s} customers {x['customers']:4d} "
            f"rate {x['event_rate']:.2f} vs {x['baseline_rate']:.2f} impact {x['impact']:8.1f} p {x['p_value']:.2g}"
            f"{' *' if x['significant'] else ''}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=240)
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--no-journeys", action="store_true", help="record without journey ids and stages")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    report = run(args.customers, args.seed, journeys=not args.no_journeys)
    if args.json:
        json.dump(report, sys.stdout, indent=2)
        print()
    else:
        print_text(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
