"""Validation of JourneyService requests; every violation names the field path and the fix.

Like ``service.rpc.enrichment.validation``, descriptions name bad numbers and names, never the caller's text.
A batch with any bad touchpoint is rejected whole (INVALID_ARGUMENT listing each one), so a
caller fixes and resends the same batch; nothing of it is stored.
"""

from __future__ import annotations

import math

from journeymine.v1 import interaction_pb2 as ix_pb
from journeymine.v1 import journey_service_pb2 as jr_pb
from service.config import LimitsConfig
from service.rpc.fields import Violations, check_decoded, validate_enum, validate_short, validate_timestamp
from service.rpc.handlers import UndecodableRequest
from service.rpc.messages import validate_interaction, validate_options

MAX_IVR_STEPS = 64
MAX_ALERTS_PAGE = 1000
MAX_FRICTION_TOP = 200


def validate_record(
    request: jr_pb.RecordTouchpointsRequest | UndecodableRequest, limits: LimitsConfig
) -> jr_pb.RecordTouchpointsRequest:
    """The batch, checked: every touchpoint's ids, channel, time, outcome, attributes and interaction."""
    request = check_decoded(request)
    v = Violations()
    n, cap = len(request.touchpoints), limits.max_touchpoints_per_request
    if n == 0:
        v.add("touchpoints", f"is empty; send between 1 and {cap} touchpoints")
    elif n > cap:
        v.add("touchpoints", f"has {n} touchpoints; send at most {cap} per call (max_touchpoints_per_request)")
    for i, tp in enumerate(request.touchpoints):
        _touchpoint(v, f"touchpoints[{i}]", tp, limits)
    if request.HasField("options"):
        validate_options(v, "options", request.options, limits)
    v.raise_if_any()
    return request


def _touchpoint(v: Violations, path: str, tp: jr_pb.Touchpoint, limits: LimitsConfig) -> None:
    _required_id(v, f"{path}.id", tp.id, limits, "the touchpoint's unique id (the idempotency key)")
    _required_id(v, f"{path}.customer_id", tp.customer_id, limits, "whose touchpoint this is")
    validate_short(v, f"{path}.journey_id", tp.journey_id, limits)
    validate_short(v, f"{path}.stage", tp.stage, limits)
    if tp.channel == ix_pb.CHANNEL_UNSPECIFIED:
        v.add(f"{path}.channel", "is CHANNEL_UNSPECIFIED; set the channel (CHANNEL_CALL, CHANNEL_CHAT, ...)")
    else:
        validate_enum(v, f"{path}.channel", tp.channel, ix_pb.Channel)
    if not tp.HasField("occurred_at"):
        v.add(f"{path}.occurred_at", "is not set; every touchpoint is placed on the journey by when it happened")
    else:
        validate_timestamp(v, f"{path}.occurred_at", tp.occurred_at)
    validate_enum(v, f"{path}.outcome", tp.outcome, jr_pb.Outcome)
    _attributes(v, f"{path}.attributes", tp.attributes, limits)
    if tp.HasField("interaction"):
        ipath = f"{path}.interaction"
        validate_interaction(v, ipath, tp.interaction, limits)
        if tp.interaction.customer_id and tp.interaction.customer_id != tp.customer_id:
            v.add(
                f"{ipath}.customer_id", "differs from the touchpoint's customer_id; leave it empty or make them equal"
            )
    both = tp.HasField("signals") and tp.HasField("interaction")
    if both and tp.signals.interaction_id and tp.interaction.id and tp.signals.interaction_id != tp.interaction.id:
        v.add(
            f"{path}.signals.interaction_id",
            "differs from interaction.id; send the signals Enrich returned for this interaction",
        )


def _required_id(v: Violations, path: str, value: str, limits: LimitsConfig, what: str) -> None:
    if not value.strip():
        v.add(path, f"is empty; set {what}")
    validate_short(v, path, value, limits)


def _attributes(v: Violations, path: str, a: jr_pb.TouchpointAttributes, limits: LimitsConfig) -> None:
    if len(a.ivr_path) > MAX_IVR_STEPS:
        v.add(f"{path}.ivr_path", f"has {len(a.ivr_path)} steps; send at most {MAX_IVR_STEPS}")
    for i, step in enumerate(a.ivr_path):
        validate_short(v, f"{path}.ivr_path[{i}]", step, limits)
    validate_short(v, f"{path}.page", a.page, limits)
    for name in ("hold_seconds", "handle_seconds"):
        if a.HasField(name):
            value = getattr(a, name)
            if not math.isfinite(value) or value < 0:
                v.add(f"{path}.{name}", f"is {value}; send a duration in seconds, 0 or more")
    rated = [a.HasField(n) for n in ("rating", "rating_min", "rating_max")]
    if any(rated) and not all(rated):
        v.add(f"{path}.rating", "rating, rating_min and rating_max go together; set all three or none")
    elif all(rated):
        values = (a.rating, a.rating_min, a.rating_max)
        if not all(math.isfinite(x) for x in values):
            v.add(f"{path}.rating", "rating, rating_min and rating_max must be finite numbers")
        elif a.rating_min >= a.rating_max:
            v.add(f"{path}.rating_max", f"({a.rating_max:g}) must be above rating_min ({a.rating_min:g})")
        elif not a.rating_min <= a.rating <= a.rating_max:
            v.add(f"{path}.rating", f"({a.rating:g}) is outside its scale [{a.rating_min:g}, {a.rating_max:g}]")
    if len(a.extra) > limits.max_attributes:
        v.add(f"{path}.extra", f"has {len(a.extra)} entries; send at most {limits.max_attributes} (max_attributes)")
    for key, value in a.extra.items():
        validate_short(v, f"{path}.extra[{key[: limits.max_id_chars]!r}]", key, limits)
        validate_short(v, f"{path}.extra[{key[: limits.max_id_chars]!r}]", value, limits)


def _range(v: Violations, msg: object, limits: LimitsConfig) -> None:
    has = {n: msg.HasField(n) for n in ("start", "end")}  # type: ignore[attr-defined]
    for name, present in has.items():
        if present:
            validate_timestamp(v, name, getattr(msg, name))
    start, end = (getattr(msg, n) for n in ("start", "end"))
    # Compared as (seconds, nanos): ToNanoseconds() raises on a timestamp outside the valid range.
    if all(has.values()) and (start.seconds, start.nanos) >= (end.seconds, end.nanos):
        v.add("end", "is not after start; the range is [start, end): send an end later than start")


def validate_get_journey(
    request: jr_pb.GetJourneyRequest | UndecodableRequest, limits: LimitsConfig
) -> jr_pb.GetJourneyRequest:
    request = check_decoded(request)
    v = Violations()
    _required_id(v, "customer_id", request.customer_id, limits, "the customer whose journey to return")
    validate_short(v, "journey_id", request.journey_id, limits)
    _range(v, request, limits)
    v.raise_if_any()
    return request


def validate_get_score(
    request: jr_pb.GetCustomerScoreRequest | UndecodableRequest, limits: LimitsConfig
) -> jr_pb.GetCustomerScoreRequest:
    request = check_decoded(request)
    v = Violations()
    _required_id(v, "customer_id", request.customer_id, limits, "the customer to score")
    validate_short(v, "journey_id", request.journey_id, limits)
    if request.HasField("as_of"):
        validate_timestamp(v, "as_of", request.as_of)
    v.raise_if_any()
    return request


def _rules(v: Violations, rules: object) -> None:
    for i, rule in enumerate(rules):  # type: ignore[attr-defined]
        if rule == jr_pb.ALERT_RULE_UNSPECIFIED:
            v.add(f"rules[{i}]", "is ALERT_RULE_UNSPECIFIED; name a rule, or send no rules for all of them")
        else:
            validate_enum(v, f"rules[{i}]", rule, jr_pb.AlertRule)


def validate_list_alerts(
    request: jr_pb.ListAlertsRequest | UndecodableRequest, limits: LimitsConfig
) -> jr_pb.ListAlertsRequest:
    request = check_decoded(request)
    v = Violations()
    validate_short(v, "customer_id", request.customer_id, limits)
    _rules(v, request.rules)
    if request.after_id < 0:
        v.add("after_id", f"is {request.after_id}; send 0 or the last alert id of the previous page")
    if not 0 <= request.limit <= MAX_ALERTS_PAGE:
        v.add("limit", f"is {request.limit}; send 0 (100) or up to {MAX_ALERTS_PAGE}")
    _range(v, request, limits)
    v.raise_if_any()
    return request


def validate_watch_alerts(
    request: jr_pb.WatchAlertsRequest | UndecodableRequest, limits: LimitsConfig
) -> jr_pb.WatchAlertsRequest:
    request = check_decoded(request)
    v = Violations()
    validate_short(v, "customer_id", request.customer_id, limits)
    _rules(v, request.rules)
    if request.HasField("after_id") and request.after_id < 0:
        v.add("after_id", f"is {request.after_id}; send the last alert id you received, or leave it unset")
    v.raise_if_any()
    return request


def validate_friction(
    request: jr_pb.AnalyzeFrictionRequest | UndecodableRequest, limits: LimitsConfig
) -> jr_pb.AnalyzeFrictionRequest:
    request = check_decoded(request)
    v = Violations()
    if not 0 <= request.top <= MAX_FRICTION_TOP:
        v.add("top", f"is {request.top}; send 0 (20) or up to {MAX_FRICTION_TOP}")
    _range(v, request, limits)
    v.raise_if_any()
    return request
