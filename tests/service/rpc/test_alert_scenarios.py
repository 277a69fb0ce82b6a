"""Scripted journeys through JourneyService with the shipped models: exactly which alerts each one raises.

Issue 21: the angry repeat caller raised nothing, because the churn rule read only the document
intent (which abstains on a call that mixes a double charge with "I want to cancel my account") and
repeat contacts were keyed on equal intents only. Each journey is recorded one touchpoint per call, as
a client would, on a server with its own store (the session server's store holds other tests' data,
which would feed emerging-topic and score rules).

The assertions hold for the default customer_service v3 head (the cancel sentence is ``cancel_account``, category
``leaving``, in ``churn_categories``) and for a pinned v2 head (``delete_account``, in ``churn_intents``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from journeymine.v1 import interaction_pb2 as ix_pb
from journeymine.v1 import journey_service_pb2 as jr_pb
from journeymine.v1 import journey_service_pb2_grpc as jr_grpc
from pipelines.enrichment.enricher import Enricher
from service.config import ServerConfig, Settings

pytestmark = pytest.mark.slow

CUSTOMER = ix_pb.SPEAKER_ROLE_CUSTOMER
AGENT = ix_pb.SPEAKER_ROLE_AGENT
RULES = {
    jr_pb.ALERT_RULE_SCORE_DROP: "score_drop",
    jr_pb.ALERT_RULE_CHURN_RISK_INTENT: "churn_risk_intent",
    jr_pb.ALERT_RULE_SENTIMENT_SHIFT: "sentiment_shift",
    jr_pb.ALERT_RULE_REPEAT_UNRESOLVED: "repeat_unresolved",
    jr_pb.ALERT_RULE_EMERGING_TOPIC: "emerging_topic",
}
# Three days ago: recent enough that the scores as of now still weigh every contact.
START = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
_ids = itertools.count()
# Labels of the shipped heads that mean "close my account" (churn_intents has them all).
CANCEL_LABELS = {"delete_account", "closeaccount", "terminate_account"}


@pytest.fixture(scope="module")
def journeys_stub(enricher: Enricher, tmp_path_factory: pytest.TempPathFactory) -> Iterator[jr_grpc.JourneyServiceStub]:
    from service.server import build_server

    settings = Settings(
        server=ServerConfig(host="127.0.0.1", port=0, max_workers=8, grace_seconds=0),
        data_dir=tmp_path_factory.mktemp("scenario-data"),
    )
    server, port = build_server(settings, enricher)
    server.start()
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        grpc.channel_ready_future(channel).result(timeout=30)
        yield jr_grpc.JourneyServiceStub(channel)
    server.stop(None).wait()


def _at(days: float) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(START + timedelta(days=days))
    return ts


def _transcript(channel: int, customer: str, days: float, *turns: tuple[int, str], **fields) -> jr_pb.Touchpoint:
    tp_id = f"{customer}-{next(_ids)}"
    transcript = ix_pb.Transcript(turns=[ix_pb.Turn(role=role, text=text) for role, text in turns])
    return jr_pb.Touchpoint(
        id=tp_id,
        customer_id=customer,
        channel=channel,
        occurred_at=_at(days),
        interaction=ix_pb.Interaction(id=tp_id, transcript=transcript),
        **fields,
    )


def _survey(customer: str, days: float, rating: float, answer: str, **fields) -> jr_pb.Touchpoint:
    tp_id = f"{customer}-{next(_ids)}"
    response = ix_pb.SurveyResponse(
        question="How likely are you to recommend us?",
        answer=answer,
        rating=rating,
        scale=ix_pb.RatingScale(kind="NPS", min=0, max=10),
    )
    return jr_pb.Touchpoint(
        id=tp_id,
        customer_id=customer,
        channel=ix_pb.CHANNEL_SURVEY,
        occurred_at=_at(days),
        interaction=ix_pb.Interaction(id=tp_id, survey=ix_pb.Survey(responses=[response])),
        **fields,
    )


def _record(stub: jr_grpc.JourneyServiceStub, touchpoints: list[jr_pb.Touchpoint]) -> list[jr_pb.RecordResult]:
    """One RecordTouchpoints call per touchpoint, in time order (a client recording contacts as they end)."""
    results = []
    for tp in touchpoints:
        response = stub.RecordTouchpoints(jr_pb.RecordTouchpointsRequest(touchpoints=[tp]))
        assert response.stored == 1
        results.extend(response.results)
    return results


def _alerts(stub: jr_grpc.JourneyServiceStub, customer: str) -> list[jr_pb.Alert]:
    return list(stub.ListAlerts(jr_pb.ListAlertsRequest(customer_id=customer)).alerts)


def _angry_repeat_caller(customer: str) -> list[jr_pb.Touchpoint]:
    billing = {"journey_id": "j1", "stage": "billing", "outcome": jr_pb.OUTCOME_UNRESOLVED}
    return [
        _transcript(
            ix_pb.CHANNEL_CHAT,
            customer,
            0,
            (CUSTOMER, "My card ending 4242 was charged twice, email me at x@y.com. This is ridiculous."),
            **billing,
        ),
        _transcript(
            ix_pb.CHANNEL_CALL,
            customer,
            1,
            (CUSTOMER, "Second time calling about the double charge, still not fixed. I want to cancel my account."),
            (AGENT, "Sorry, I cannot see the refund yet."),
            **billing,
        ),
        _survey(customer, 2, 1, "Terrible service, nobody fixes anything.", **billing),
    ]


def test_the_angry_repeat_caller_raises_churn_risk_from_the_turn_and_a_repeat_on_journey_and_stage(journeys_stub):
    customer = "angry-caller"
    touchpoints = _angry_repeat_caller(customer)
    results = _record(journeys_stub, touchpoints)
    chat, call, survey = (tp.id for tp in touchpoints)

    # The cancel sentence is read on its own: with the v2 head the call's document intent and its one customer
    # turn abstain (as in the issue), and only the sentence carries "I want to cancel my account".
    leaving = [c for c in results[1].signals.customer_intents if c.index == 0 and c.sentence in (-1, 1)]
    assert leaving and all(c.label in CANCEL_LABELS or c.category == "leaving" for c in leaving)

    alerts = _alerts(journeys_stub, customer)
    # Exactly these rules: churn risk from the call's turn, and the call as a repeat of the unresolved chat. The
    # survey is asked for, not a contact the customer sought, so it repeats nothing; the score falls with each
    # contact but by less than score_drop's 15 points (a first contact has no "before"); no sentiment shift
    # within a contact (one customer turn each); too few contacts for an emerging topic.
    assert {RULES[a.rule] for a in alerts} == {"churn_risk_intent", "repeat_unresolved"}
    repeats = [a for a in alerts if a.rule == jr_pb.ALERT_RULE_REPEAT_UNRESOLVED]
    assert [tuple(a.touchpoint_ids) for a in repeats] == [(chat, call)]
    assert repeats[0].details["match"] == "journey_stage"
    assert (repeats[0].details["journey"], repeats[0].details["stage"]) == ("j1", "billing")
    assert "same journey 'j1' and stage 'billing'" in repeats[0].message
    churn = {a.touchpoint_ids[0]: a for a in alerts if a.rule == jr_pb.ALERT_RULE_CHURN_RISK_INTENT}
    # The call's alert names its piece: turn 0, the cancel sentence (or the whole turn, for a head that reads the
    # turn as leaving). A head may also read the chat's "This is ridiculous." as a complaint (in churn_intents);
    # the v2 head does not.
    assert set(churn) in ({call}, {chat, call})
    details = churn[call].details
    assert (details["part"], details["index"], details["sentence"]) in {("turn", "0", "1"), ("turn", "0", "-1")}
    assert details["intent"] in CANCEL_LABELS or details["category"] == "leaving"
    assert f"customer turn 0{', sentence 1' if details['sentence'] == '1' else ''} on call" in churn[call].message
    assert survey not in {tp_id for a in alerts for tp_id in a.touchpoint_ids}

    # The score reads the three contacts as a bad experience.
    score = journeys_stub.GetCustomerScore(jr_pb.GetCustomerScoreRequest(customer_id=customer))
    assert score.score < 40


def test_a_satisfied_buyer_raises_nothing(journeys_stub):
    customer = "satisfied-buyer"
    delivery = {"journey_id": "j2", "stage": "delivery"}
    _record(
        journeys_stub,
        [
            _transcript(
                ix_pb.CHANNEL_CHAT,
                customer,
                0,
                (CUSTOMER, "Hi, when will my parcel arrive? I ordered it on Monday."),
                (AGENT, "It is out for delivery and arrives tomorrow."),
                (CUSTOMER, "Great, thanks!"),
                outcome=jr_pb.OUTCOME_RESOLVED,
                **delivery,
            ),
            _survey(customer, 1, 9, "Quick and helpful, thank you.", **delivery),
        ],
    )
    assert _alerts(journeys_stub, customer) == []
    score = journeys_stub.GetCustomerScore(jr_pb.GetCustomerScoreRequest(customer_id=customer))
    assert score.score > 60


def test_a_quiet_customer_who_cancels_raises_churn_risk_only(journeys_stub):
    customer = "quiet-canceller"
    touchpoints = [
        _transcript(
            ix_pb.CHANNEL_CHAT,
            customer,
            0,
            (CUSTOMER, "Hi, what is my current balance?"),
            (AGENT, "It is 120 pounds."),
            (CUSTOMER, "Okay."),
            outcome=jr_pb.OUTCOME_RESOLVED,
            journey_id="j3",
            stage="account",
        ),
        _transcript(
            ix_pb.CHANNEL_CALL,
            customer,
            1,
            (CUSTOMER, "Yes, please go ahead with it."),
            (AGENT, "Done, that is processed now."),
            (CUSTOMER, "Okay, bye."),
            outcome=jr_pb.OUTCOME_CANCELLATION,
            journey_id="j3",
            stage="account",
        ),
    ]
    _record(journeys_stub, touchpoints)
    alerts = _alerts(journeys_stub, customer)
    assert [(RULES[a.rule], tuple(a.touchpoint_ids)) for a in alerts] == [("churn_risk_intent", (touchpoints[1].id,))]
    # Nothing the customer said signals leaving: the outcome does.
    assert alerts[0].details["match"] == "outcome"
