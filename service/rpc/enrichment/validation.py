"""Validation of the EnrichmentService's requests against the contract and ``LimitsConfig``, before any conversion.

How violations are collected and reported: ``service.rpc.fields``; the Interaction and
EnrichOptions checks shared with other services: ``service.rpc.messages``.
"""

from __future__ import annotations

from journeymine.v1 import enrichment_service_pb2 as svc_pb
from journeymine.v1 import interaction_pb2 as ix_pb
from service.config import LimitsConfig
from service.rpc.fields import Violations, check_decoded, validate_enum, validate_language, validate_short
from service.rpc.handlers import UndecodableRequest
from service.rpc.messages import validate_interaction, validate_options, validate_turn


def validate_enrich_request(
    request: svc_pb.EnrichRequest | UndecodableRequest, limits: LimitsConfig
) -> svc_pb.EnrichRequest:
    """The request, checked; InvalidInputError lists every violation."""
    request = check_decoded(request)
    v = Violations()
    n = len(request.interactions)
    cap = limits.max_interactions_per_request
    if n == 0:
        v.add("interactions", f"is empty; send between 1 and {cap} interactions")
    elif n > cap:
        v.add("interactions", f"has {n} interactions; send at most {cap} per request (split the batch)")
    for i, interaction in enumerate(request.interactions):
        validate_interaction(v, f"interactions[{i}]", interaction, limits)
    if request.HasField("options"):
        validate_options(v, "options", request.options, limits)
    v.raise_if_any()
    return request


def validate_get_models_request(request: svc_pb.GetModelsRequest | UndecodableRequest) -> svc_pb.GetModelsRequest:
    """The request, checked: it has no fields, so only its bytes can be wrong."""
    return check_decoded(request)


def validate_stream_message(
    message: svc_pb.EnrichStreamRequest | UndecodableRequest,
    *,
    index: int,
    started: bool,
    turn_count: int,
    limits: LimitsConfig,
) -> svc_pb.EnrichStreamRequest:
    """Message number ``index`` of an EnrichStream, checked against the stream's order and the limits.

    Args:
        index: position of the message in the stream, from 0.
        started: whether a StreamStart was already accepted.
        turn_count: turns accepted so far.
    """
    message = check_decoded(message, field=f"request (message {index})")
    v = Violations()
    event = message.WhichOneof("event")
    where = f"message {index}"
    if event is None:
        v.add("event", f"{where} is empty; send a StreamStart first, then one Turn per message")
    elif event == "start":
        if started:
            v.add("start", f"{where} is a second StreamStart; the stream already started, send only turns now")
        else:
            _stream_start(v, "start", message.start, limits)
    elif not started:
        v.add("start", f"{where} is a turn, but the stream has not started; send a StreamStart first")
    elif turn_count >= limits.max_stream_turns:
        v.add(
            "turn",
            f"{where} would be turn {turn_count + 1}; a stream takes at most {limits.max_stream_turns} turns "
            "(max_stream_turns); start a new stream",
        )
    else:
        validate_turn(v, "turn", message.turn, limits, prefix=f"{where} (turn {turn_count}): ")
    v.raise_if_any()
    return message


def _stream_start(v: Violations, path: str, msg: svc_pb.StreamStart, limits: LimitsConfig) -> None:
    validate_short(v, f"{path}.interaction_id", msg.interaction_id, limits)
    validate_short(v, f"{path}.customer_id", msg.customer_id, limits)
    validate_short(v, f"{path}.journey_id", msg.journey_id, limits)
    validate_enum(v, f"{path}.channel", msg.channel, ix_pb.Channel)
    validate_language(v, f"{path}.language", msg.language)
    if msg.HasField("options"):
        validate_options(v, f"{path}.options", msg.options, limits)
