"""JourneyService request validation: every bad field is named with its fix; good requests pass unchanged."""

from __future__ import annotations

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from journeymine.v1 import interaction_pb2 as ix_pb
from journeymine.v1 import journey_service_pb2 as jr_pb
from models.errors import InvalidInputError
from service.config import LimitsConfig
from service.rpc.journeys.validation import (
    validate_friction,
    validate_get_journey,
    validate_get_score,
    validate_list_alerts,
    validate_record,
    validate_watch_alerts,
)

LIMITS = LimitsConfig(max_touchpoints_per_request=3, max_id_chars=16, max_attributes=2)


def _tp(**fields) -> jr_pb.Touchpoint:
    base = {"id": "t1", "customer_id": "c1", "channel": ix_pb.CHANNEL_CALL, "occurred_at": Timestamp(seconds=1)}
    return jr_pb.Touchpoint(**{**base, **fields})


def _fields(call) -> dict[str, str]:
    with pytest.raises(InvalidInputError) as err:
        call()
    return {v.field: v.description for v in err.value.violations}


def test_a_good_batch_passes():
    request = jr_pb.RecordTouchpointsRequest(touchpoints=[_tp(), _tp(id="t2", outcome=jr_pb.OUTCOME_RESOLVED)])
    assert validate_record(request, LIMITS) is request


@pytest.mark.parametrize(
    ("touchpoint", "field", "fix"),
    [
        (_tp(id=" "), "touchpoints[0].id", "idempotency key"),
        (_tp(id="x" * 17), "touchpoints[0].id", "at most 16"),
        (_tp(customer_id=""), "touchpoints[0].customer_id", "whose touchpoint"),
        (_tp(channel=ix_pb.CHANNEL_UNSPECIFIED), "touchpoints[0].channel", "CHANNEL_CALL"),
        (_tp(channel=99), "touchpoints[0].channel", "not a Channel value"),
        (jr_pb.Touchpoint(id="t", customer_id="c", channel=1), "touchpoints[0].occurred_at", "is not set"),
        (_tp(outcome=42), "touchpoints[0].outcome", "not a Outcome value"),
        (
            _tp(attributes=jr_pb.TouchpointAttributes(hold_seconds=-1)),
            "touchpoints[0].attributes.hold_seconds",
            "0 or more",
        ),
        (_tp(attributes=jr_pb.TouchpointAttributes(rating=3)), "touchpoints[0].attributes.rating", "all three or none"),
        (
            _tp(attributes=jr_pb.TouchpointAttributes(rating=9, rating_min=1, rating_max=5)),
            "touchpoints[0].attributes.rating",
            "outside its scale",
        ),
        (
            _tp(attributes=jr_pb.TouchpointAttributes(rating=3, rating_min=5, rating_max=1)),
            "touchpoints[0].attributes.rating_max",
            "above rating_min",
        ),
        (
            _tp(attributes=jr_pb.TouchpointAttributes(extra={"a": "1", "b": "2", "c": "3"})),
            "touchpoints[0].attributes.extra",
            "at most 2",
        ),
        (
            _tp(interaction=ix_pb.Interaction(id="t1", customer_id="someone-else", text="hi")),
            "touchpoints[0].interaction.customer_id",
            "make them equal",
        ),
        (_tp(interaction=ix_pb.Interaction(id="t1", text=" ")), "touchpoints[0].interaction.text", "empty"),
    ],
)
def test_each_bad_field_is_named_with_its_fix(touchpoint, field, fix):
    fields = _fields(lambda: validate_record(jr_pb.RecordTouchpointsRequest(touchpoints=[touchpoint]), LIMITS))
    assert field in fields and fix in fields[field]


def test_batch_size_limits():
    assert "touchpoints" in _fields(lambda: validate_record(jr_pb.RecordTouchpointsRequest(), LIMITS))
    many = jr_pb.RecordTouchpointsRequest(touchpoints=[_tp(id=f"t{i}") for i in range(4)])
    assert "max_touchpoints_per_request" in _fields(lambda: validate_record(many, LIMITS))["touchpoints"]


def test_read_requests():
    assert "customer_id" in _fields(lambda: validate_get_journey(jr_pb.GetJourneyRequest(), LIMITS))
    assert "customer_id" in _fields(lambda: validate_get_score(jr_pb.GetCustomerScoreRequest(), LIMITS))
    bad_time = jr_pb.GetCustomerScoreRequest(customer_id="c", as_of=Timestamp(seconds=10**12))
    assert "as_of" in _fields(lambda: validate_get_score(bad_time, LIMITS))
    ok = jr_pb.GetJourneyRequest(customer_id="c", start=Timestamp(seconds=1), end=Timestamp(seconds=2))
    assert validate_get_journey(ok, LIMITS) is ok


def test_alert_and_friction_requests():
    fields = _fields(lambda: validate_list_alerts(jr_pb.ListAlertsRequest(after_id=-1, rules=[77]), LIMITS))
    assert {"after_id", "rules[0]"} <= set(fields)
    assert "after_id" in _fields(lambda: validate_watch_alerts(jr_pb.WatchAlertsRequest(after_id=-5), LIMITS))
    assert "top" in _fields(lambda: validate_friction(jr_pb.AnalyzeFrictionRequest(top=1000), LIMITS))
    watch = jr_pb.WatchAlertsRequest(rules=[jr_pb.ALERT_RULE_SCORE_DROP], after_id=0)
    assert validate_watch_alerts(watch, LIMITS) is watch
