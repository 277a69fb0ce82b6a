"""JourneyService over a real server and channel: record, journey map, score, alerts, friction, errors."""

from __future__ import annotations

import itertools
import threading

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from journeymine.v1 import interaction_pb2 as ix_pb
from journeymine.v1 import journey_service_pb2 as jr_pb
from journeymine.v1 import journey_service_pb2_grpc as jr_grpc
from tests.service.helpers import expect_error

pytestmark = pytest.mark.slow

_ids = itertools.count()


def _unique(prefix: str) -> str:
    return f"{prefix}-{next(_ids)}"


def _ts(seconds: int) -> Timestamp:
    return Timestamp(seconds=1_795_000_000 + seconds)


def _chat(tp_id: str, customer: str, *turns: tuple[int, str], at: int = 0, **fields) -> jr_pb.Touchpoint:
    transcript = ix_pb.Transcript(turns=[ix_pb.Turn(role=role, text=text) for role, text in turns])
    return jr_pb.Touchpoint(
        id=tp_id,
        customer_id=customer,
        channel=ix_pb.CHANNEL_CHAT,
        occurred_at=_ts(at),
        interaction=ix_pb.Interaction(id=tp_id, transcript=transcript),
        **fields,
    )


CUSTOMER = ix_pb.SPEAKER_ROLE_CUSTOMER
AGENT = ix_pb.SPEAKER_ROLE_AGENT


@pytest.fixture(scope="module")
def stub(channel: grpc.Channel) -> jr_grpc.JourneyServiceStub:
    return jr_grpc.JourneyServiceStub(channel)


def test_record_redacts_enriches_and_the_journey_map_shows_it(stub):
    customer = _unique("cust")
    raw = "Hi, this is Maria Gonzalez, my email is maria.g@example.com and I was charged twice, this is awful."
    tp = _chat(_unique("chat"), customer, (CUSTOMER, raw), (AGENT, "Sorry to hear that, let me check."))
    reply = stub.RecordTouchpoints(jr_pb.RecordTouchpointsRequest(touchpoints=[tp]))
    assert reply.stored == 1 and reply.duplicates == 0
    result = reply.results[0]
    assert result.status == jr_pb.RECORD_STATUS_STORED
    assert {r.kind for r in result.redactions} >= {"EMAIL", "PERSON"}
    assert result.signals.sentiment < 0 and result.signals.models
    journey = stub.GetJourney(jr_pb.GetJourneyRequest(customer_id=customer))
    stored = journey.touchpoints[0]
    text = stored.parts[0].text
    assert "maria.g@example.com" not in text and "Gonzalez" not in text
    assert "[EMAIL]" in text and "[PERSON]" in text
    assert stored.parts[0].role == CUSTOMER and stored.parts[1].role == AGENT


def test_a_retried_batch_stores_nothing_twice(stub):
    customer = _unique("cust")
    batch = jr_pb.RecordTouchpointsRequest(
        touchpoints=[_chat(_unique("t"), customer, (CUSTOMER, "Thanks, that fixed it."), at=i * 60) for i in range(3)]
    )
    # A dropped connection: the client gives up before the reply; the server may or may not have stored it.
    try:
        stub.RecordTouchpoints(batch, timeout=0.001)
    except grpc.RpcError as err:
        assert err.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    retry = stub.RecordTouchpoints(batch)
    assert retry.stored + retry.duplicates == 3
    again = stub.RecordTouchpoints(batch)
    assert again.stored == 0 and again.duplicates == 3
    journey = stub.GetJourney(jr_pb.GetJourneyRequest(customer_id=customer))
    assert sorted(t.id for t in journey.touchpoints) == sorted(t.id for t in batch.touchpoints)


def test_score_with_drivers_summing_to_the_deviation(stub):
    customer = _unique("cust")
    stub.RecordTouchpoints(
        jr_pb.RecordTouchpointsRequest(
            touchpoints=[
                _chat(_unique("t"), customer, (CUSTOMER, "My card was declined again, this is ridiculous."), at=0),
                jr_pb.Touchpoint(
                    id=_unique("ivr"),
                    customer_id=customer,
                    channel=ix_pb.CHANNEL_IVR,
                    occurred_at=_ts(3600),
                    outcome=jr_pb.OUTCOME_ABANDONED,
                    attributes=jr_pb.TouchpointAttributes(ivr_path=["cards", "declined"], hold_seconds=640),
                ),
            ]
        )
    )
    score = stub.GetCustomerScore(jr_pb.GetCustomerScoreRequest(customer_id=customer, as_of=_ts(7200)))
    assert 0 <= score.low <= score.score <= score.high <= 100 and score.score < 50
    assert score.touchpoint_count == 2 and score.trend
    for dimension in ("component", "touchpoint", "intent", "topic", "reason"):
        total = sum(d.points for d in score.drivers if d.dimension == dimension)
        assert total == pytest.approx(score.score - 50, abs=1e-6)


def test_unknown_customer_is_not_found_naming_the_field(stub):
    _, fields = expect_error(
        lambda: stub.GetCustomerScore(jr_pb.GetCustomerScoreRequest(customer_id="nobody-ever")),
        grpc.StatusCode.NOT_FOUND,
    )
    assert "customer_id" in fields and "RecordTouchpoints" in fields["customer_id"]


def test_bad_touchpoints_are_rejected_whole_with_every_field_named(stub):
    good = _chat(_unique("t"), "c-bad", (CUSTOMER, "hello"))
    bad = jr_pb.Touchpoint(id="", customer_id="c-bad", attributes=jr_pb.TouchpointAttributes(rating=3))
    _, fields = expect_error(
        lambda: stub.RecordTouchpoints(jr_pb.RecordTouchpointsRequest(touchpoints=[good, bad])),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert {"touchpoints[1].id", "touchpoints[1].channel", "touchpoints[1].occurred_at"} <= set(fields)
    assert "touchpoints[1].attributes.rating" in fields
    # nothing of the rejected batch was stored
    expect_error(
        lambda: stub.GetCustomerScore(jr_pb.GetCustomerScoreRequest(customer_id="c-bad")), grpc.StatusCode.NOT_FOUND
    )
    _, fields = expect_error(
        lambda: stub.RecordTouchpoints(jr_pb.RecordTouchpointsRequest()), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert "touchpoints" in fields


def test_range_and_paging_arguments_are_checked(stub):
    _, fields = expect_error(
        lambda: stub.GetJourney(jr_pb.GetJourneyRequest(customer_id="c", start=_ts(10), end=_ts(5))),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert "end" in fields
    _, fields = expect_error(
        lambda: stub.ListAlerts(jr_pb.ListAlertsRequest(limit=5000, rules=[jr_pb.ALERT_RULE_UNSPECIFIED])),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert {"limit", "rules[0]"} <= set(fields)


def test_watch_alerts_streams_an_alert_raised_by_a_record_call(stub):
    customer = _unique("churn")
    received: list[jr_pb.Alert] = []
    stream = stub.WatchAlerts(jr_pb.WatchAlertsRequest(customer_id=customer), timeout=60)
    ready = threading.Event()

    def consume() -> None:
        ready.set()
        try:
            for alert in stream:
                received.append(alert)
                stream.cancel()
        except grpc.RpcError:
            pass

    worker = threading.Thread(target=consume)
    worker.start()
    ready.wait(5)
    tp = jr_pb.Touchpoint(
        id=_unique("cancel"),
        customer_id=customer,
        channel=ix_pb.CHANNEL_CALL,
        occurred_at=_ts(0),
        outcome=jr_pb.OUTCOME_CANCELLATION,
    )
    reply = stub.RecordTouchpoints(jr_pb.RecordTouchpointsRequest(touchpoints=[tp]))
    assert [a.rule for a in reply.alerts] == [jr_pb.ALERT_RULE_CHURN_RISK_INTENT]
    worker.join(30)
    assert received and received[0].customer_id == customer and received[0].id == reply.alerts[0].id
    listed = stub.ListAlerts(jr_pb.ListAlertsRequest(customer_id=customer))
    assert [a.id for a in listed.alerts] == [reply.alerts[0].id]
    assert stub.ListAlerts(jr_pb.ListAlertsRequest(customer_id=customer, after_id=listed.alerts[0].id)).alerts == []


def test_analyze_friction_answers_over_the_store(stub):
    reply = stub.AnalyzeFriction(jr_pb.AnalyzeFrictionRequest(top=5))
    assert reply.customers >= 1 and reply.touchpoints >= 1
    assert set(reply.events) == {"score_drop", "repeat_contact", "abandonment"}
    assert len(reply.factors) <= 5
