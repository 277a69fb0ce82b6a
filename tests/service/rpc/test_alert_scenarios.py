"""Scripted journeys through JourneyService with the shipped models: exactly which alerts each one raises.

Issue 21: the angry repeat caller raised nothing, because the churn rule read only the document
intent (which abstains on a call that mixes a double charge with "I want to cancel my account") and
repeat contacts were keyed on equal intents only. Each journey is recorded one touchpoint per call, as
a client would, on a server with its own store (the session server's store holds other tests' data,
which would feed emerging-topic and score rules).

The assertions hold for the v2 customer_service head (the cancel sentence is ``delete_account``, in
``churn_intents``) and for a taxonomy with categories (its ``leaving`` category is in ``churn_categories``).
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

    # The call's document intent abstains, as in the issue; its second sentence is read on its own.
    call_signals = results[1].signals
    assert call_signals.intent == ""
    leaving = [c for c in call_signals.customer_intents if c.index == 0 and c.sentence == 1]
    assert len(leaving) == 1 and (leaving[0].label in {"delete_account", "closeaccount"} or leaving[0].category)

    alerts = _alerts(journeys_stub, customer)
    by_rule = {(RULES[a.rule], tuple(a.touchpoint_ids)) for a in alerts}
    # Exactly these: churn risk from the call's turn, and the call as a repeat of the unresolved chat. The survey
    # is asked for, not a contact the customer sought, so it repeats nothing; the score falls with each contact
    # but by less than score_drop's 15 points (a first contact has no "before"); no turn-to-turn sentiment shift
    # (one customer turn per contact).
    assert by_rule == {("churn_risk_intent", (call,)), ("repeat_unresolved", (chat, call))}
    churn = next(a for a in alerts if a.rule == jr_pb.ALERT_RULE_CHURN_RISK_INTENT)
    assert churn.details["part"] == "turn" and churn.details["index"] == "0" and churn.details["sentence"] == "1"
    assert churn.details["match"] in {"intent", "category"} and "customer turn 0, sentence 1" in churn.message
    repeat = next(a for a in alerts if a.rule == jr_pb.ALERT_RULE_REPEAT_UNRESOLVED)
    assert repeat.details["match"] == "journey_stage"
    assert (repeat.details["journey"], repeat.details["stage"]) == ("j1", "billing")
    assert "same journey 'j1' and stage 'billing'" in repeat.message
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
