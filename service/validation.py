"""Request validation against the contract and ``LimitsConfig``, before any conversion.

Every check adds a ``FieldViolation`` with a dotted path into the request
(``interactions[3].transcript.turns[0].text``) and a message that fixes the
call; all violations are collected, then raised together as one
``InvalidInputError`` (INVALID_ARGUMENT). Descriptions name bad numbers, enum
values and lengths, never the caller's text.

Invalid UTF-8 (a lone surrogate) cannot reach a Python str inside a message:
protobuf rejects it while parsing, and ``service.handlers`` hands us an
``UndecodableRequest`` for it instead.
"""

from __future__ import annotations

import math
import re
from typing import TypeVar

from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from journeymine.v1 import enrichment_service_pb2 as svc_pb
from journeymine.v1 import interaction_pb2 as ix_pb
from journeymine.v1 import signals_pb2 as sig_pb
from models.errors import FieldViolation, InvalidInputError
from service.config import LimitsConfig
from service.handlers import UndecodableRequest

# Status details travel in a trailer, and gRPC clients drop trailers over ~8 KiB by default;
# past this many violations the rest are summarised in one final entry.
MAX_REPORTED_VIOLATIONS = 20
# BCP-47: a 2-3 letter primary subtag, then optional subtags ("en", "de-DE", "zh-Hant-TW").
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$")
_MAX_LANGUAGE_CHARS = 35
# google.protobuf.Timestamp's documented range: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z.
_MIN_TIMESTAMP_SECONDS = -62_135_596_800
_MAX_TIMESTAMP_SECONDS = 253_402_300_799
M = TypeVar("M", bound=Message)
_CONTENT_KINDS = ", ".join(f.name for f in ix_pb.Interaction.DESCRIPTOR.oneofs_by_name["content"].fields)


class Violations:
    """Collects field violations; ``raise_if_any`` raises them as one InvalidInputError."""

    def __init__(self) -> None:
        self.items: list[FieldViolation] = []

    def add(self, field: str, description: str) -> None:
        self.items.append(FieldViolation(field, description))

    def raise_if_any(self) -> None:
        if not self.items:
            return
        shown = self.items[:MAX_REPORTED_VIOLATIONS]
        hidden = len(self.items) - len(shown)
        if hidden:
            shown.append(FieldViolation("request", f"{hidden} more violations not shown; fix the ones above and retry"))
        raise InvalidInputError(shown)


# --- requests -------------------------------------------------------------------------------------


def check_decoded(request: M | UndecodableRequest, field: str = "request") -> M:
    """The parsed request; INVALID_ARGUMENT when its bytes could not be parsed as their message type."""
    if isinstance(request, UndecodableRequest):
        hint = " (strings must be UTF-8; lone surrogates are not valid)" if "UTF-8" in request.error else ""
        raise InvalidInputError.single(field, f"not a valid {request.message_type}: {request.error}{hint}")
    return request


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
        _interaction(v, f"interactions[{i}]", interaction, limits)
    if request.HasField("options"):
        _options(v, "options", request.options, limits)
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
        _turn(v, "turn", message.turn, limits, prefix=f"{where} (turn {turn_count}): ")
    v.raise_if_any()
    return message


# --- parts --------------------------------------------------------------------------------------


def validate_interaction(v: Violations, path: str, msg: ix_pb.Interaction, limits: LimitsConfig) -> None:
    """Add the violations of one interaction at ``path`` (for requests of other services that carry them)."""
    _interaction(v, path, msg, limits)


def validate_short(v: Violations, path: str, value: str, limits: LimitsConfig) -> None:
    """Add a violation when an id-like string at ``path`` is longer than ``max_id_chars``."""
    _short(v, path, value, limits)


def validate_options(v: Violations, path: str, msg: svc_pb.EnrichOptions, limits: LimitsConfig) -> None:
    """Add the violations of EnrichOptions at ``path``."""
    _options(v, path, msg, limits)


def validate_enum(v: Violations, path: str, value: int, enum: EnumTypeWrapper) -> None:
    """Add a violation when ``value`` is not a number ``enum`` defines."""
    _enum(v, path, value, enum)


def validate_timestamp(v: Violations, path: str, ts: Timestamp) -> None:
    """Add a violation when ``ts`` is outside Timestamp's documented range."""
    _timestamp(v, path, ts)


def _interaction(v: Violations, path: str, msg: ix_pb.Interaction, limits: LimitsConfig) -> None:
    _short(v, f"{path}.id", msg.id, limits)
    _short(v, f"{path}.customer_id", msg.customer_id, limits)
    _short(v, f"{path}.journey_id", msg.journey_id, limits)
    _enum(v, f"{path}.channel", msg.channel, ix_pb.Channel)
    _language(v, f"{path}.language", msg.language)
    if msg.HasField("occurred_at"):
        _timestamp(v, f"{path}.occurred_at", msg.occurred_at)
    if len(msg.attributes) > limits.max_attributes:
        v.add(
            f"{path}.attributes",
            f"has {len(msg.attributes)} entries; send at most {limits.max_attributes} (max_attributes)",
        )
    for key, value in msg.attributes.items():
        if len(key) > limits.max_id_chars:
            v.add(f"{path}.attributes", f"a key has {len(key)} characters; keys may have at most {limits.max_id_chars}")
        if len(value) > limits.max_chars_per_text:
            v.add(
                f"{path}.attributes[{key[:64]!r}]",
                f"has {len(value)} characters; values may have at most {limits.max_chars_per_text}",
            )
    kind = msg.WhichOneof("content")
    if kind is None:
        v.add(f"{path}.content", f"is not set; set exactly one of: {_CONTENT_KINDS}")
    elif kind == "transcript":
        _transcript(v, f"{path}.transcript", msg.transcript, limits)
    elif kind == "email":
        _email(v, f"{path}.email", msg.email, limits)
    elif kind == "survey":
        _survey(v, f"{path}.survey", msg.survey, limits)
    elif kind == "social":
        _social(v, f"{path}.social", msg.social, limits)
    else:
        _text(v, f"{path}.text", msg.text, limits, required=True)


def _transcript(v: Violations, path: str, msg: ix_pb.Transcript, limits: LimitsConfig) -> None:
    n, cap = len(msg.turns), limits.max_turns_per_transcript
    if n == 0:
        v.add(f"{path}.turns", "is empty; send at least one turn with text")
    elif n > cap:
        v.add(f"{path}.turns", f"has {n} turns; send at most {cap} (max_turns_per_transcript)")
    for j, turn in enumerate(msg.turns):
        _turn(v, f"{path}.turns[{j}]", turn, limits)


def _turn(v: Violations, path: str, msg: ix_pb.Turn, limits: LimitsConfig, *, prefix: str = "") -> None:
    roles = _specified_names(ix_pb.SpeakerRole)
    if msg.role == ix_pb.SPEAKER_ROLE_UNSPECIFIED:
        v.add(f"{path}.role", f"{prefix}is SPEAKER_ROLE_UNSPECIFIED; set who spoke the turn: one of {roles}")
    else:
        _enum(v, f"{path}.role", msg.role, ix_pb.SpeakerRole, prefix=prefix)
    _short(v, f"{path}.speaker_id", msg.speaker_id, limits, prefix=prefix)
    _text(v, f"{path}.text", msg.text, limits, required=True, prefix=prefix)
    start = msg.start_ms if msg.HasField("start_ms") else None
    end = msg.end_ms if msg.HasField("end_ms") else None
    if start is not None and start < 0:
        v.add(f"{path}.start_ms", f"{prefix}is negative ({start}); offsets are milliseconds from the start, >= 0")
    if end is not None and end < 0:
        v.add(f"{path}.end_ms", f"{prefix}is negative ({end}); offsets are milliseconds from the start, >= 0")
    if start is not None and end is not None and end < start:
        v.add(f"{path}.end_ms", f"{prefix}end_ms ({end}) is before start_ms ({start}); send end_ms >= start_ms")


def _email(v: Violations, path: str, msg: ix_pb.Email, limits: LimitsConfig) -> None:
    if not msg.subject.strip() and not msg.body.strip():
        v.add(path, "subject and body are both empty or whitespace; send a subject, a body or both")
    _text(v, f"{path}.subject", msg.subject, limits, required=False)
    _text(v, f"{path}.body", msg.body, limits, required=False)


def _survey(v: Violations, path: str, msg: ix_pb.Survey, limits: LimitsConfig) -> None:
    n, cap = len(msg.responses), limits.max_survey_responses
    if n == 0:
        v.add(f"{path}.responses", "is empty; send at least one response with an answer or a rating")
    elif n > cap:
        v.add(f"{path}.responses", f"has {n} responses; send at most {cap} (max_survey_responses)")
    elif not any(r.answer.strip() or r.HasField("rating") for r in msg.responses):
        v.add(f"{path}.responses", "no response has a non-empty answer or a rating; send at least one")
    for j, response in enumerate(msg.responses):
        _survey_response(v, f"{path}.responses[{j}]", response, limits)


def _survey_response(v: Violations, path: str, msg: ix_pb.SurveyResponse, limits: LimitsConfig) -> None:
    _text(v, f"{path}.question", msg.question, limits, required=False)
    _text(v, f"{path}.answer", msg.answer, limits, required=False)
    scale_ok = True
    if msg.HasField("scale"):
        scale = msg.scale
        _short(v, f"{path}.scale.kind", scale.kind, limits)
        if not (math.isfinite(scale.min) and math.isfinite(scale.max)):
            v.add(f"{path}.scale", f"min ({scale.min}) and max ({scale.max}) must be finite numbers")
            scale_ok = False
        elif scale.min >= scale.max:
            v.add(
                f"{path}.scale",
                f"min ({scale.min:g}) must be below max ({scale.max:g}); e.g. NPS is 0-10, CSAT 1-5",
            )
            scale_ok = False
    if msg.HasField("rating"):
        rating = msg.rating
        if not math.isfinite(rating):
            v.add(f"{path}.rating", f"is {rating}; send a finite number")
        elif msg.HasField("scale") and scale_ok and not msg.scale.min <= rating <= msg.scale.max:
            v.add(
                f"{path}.rating",
                f"{rating:g} is outside its scale [{msg.scale.min:g}, {msg.scale.max:g}]; "
                "send a rating within the scale or fix the scale",
            )


def _social(v: Violations, path: str, msg: ix_pb.SocialPost, limits: LimitsConfig) -> None:
    _text(v, f"{path}.text", msg.text, limits, required=True)
    _short(v, f"{path}.platform", msg.platform, limits)
    _short(v, f"{path}.author_handle", msg.author_handle, limits)
    _short(v, f"{path}.in_reply_to", msg.in_reply_to, limits)


# More ids than there are model kinds in one result is a mistake, not a pin.
MAX_PINNED_MODELS = 16


def _options(v: Violations, path: str, msg: svc_pb.EnrichOptions, limits: LimitsConfig) -> None:
    valid = _specified_names(sig_pb.Signal)
    for j, signal in enumerate(msg.signals):
        if signal == sig_pb.SIGNAL_UNSPECIFIED:
            v.add(
                f"{path}.signals[{j}]",
                f"is SIGNAL_UNSPECIFIED; use one of {valid} (or an empty list for all but SIGNAL_ASPECTS)",
            )
        else:
            _enum(v, f"{path}.signals[{j}]", signal, sig_pb.Signal)
    _short(v, f"{path}.intent_taxonomy", msg.intent_taxonomy, limits)
    _short(v, f"{path}.topic_model", msg.topic_model, limits)
    for name in ("intent_top_k", "topics_top_k"):
        k = getattr(msg, name)
        if k < 0 or k > limits.max_top_k:
            v.add(f"{path}.{name}", f"is {k}; send 0 for the default or a value from 1 to {limits.max_top_k}")
    if msg.silence_threshold_ms < 0:
        v.add(
            f"{path}.silence_threshold_ms",
            f"is negative ({msg.silence_threshold_ms}); send 0 for the default (2000) or a gap length in ms",
        )
    if len(msg.pin_models) > MAX_PINNED_MODELS:
        v.add(f"{path}.pin_models", f"has {len(msg.pin_models)} ids; pin at most {MAX_PINNED_MODELS} models")
    for j, model_id in enumerate(msg.pin_models):
        if not model_id.strip():
            v.add(f"{path}.pin_models[{j}]", "is empty; send a model id such as 'sentiment.v2' (see GetModels)")
        else:
            _short(v, f"{path}.pin_models[{j}]", model_id, limits)


def _stream_start(v: Violations, path: str, msg: svc_pb.StreamStart, limits: LimitsConfig) -> None:
    _short(v, f"{path}.interaction_id", msg.interaction_id, limits)
    _short(v, f"{path}.customer_id", msg.customer_id, limits)
    _short(v, f"{path}.journey_id", msg.journey_id, limits)
    _enum(v, f"{path}.channel", msg.channel, ix_pb.Channel)
    _language(v, f"{path}.language", msg.language)
    if msg.HasField("options"):
        _options(v, f"{path}.options", msg.options, limits)


# --- leaves -------------------------------------------------------------------------------------


def _text(v: Violations, path: str, text: str, limits: LimitsConfig, *, required: bool, prefix: str = "") -> None:
    if required and not text.strip():
        v.add(path, f"{prefix}is empty or whitespace only; send the words to analyse")
    if len(text) > limits.max_chars_per_text:
        v.add(
            path,
            f"{prefix}has {len(text)} characters; the limit is {limits.max_chars_per_text} per text "
            "(max_chars_per_text); shorten or split it",
        )


def _short(v: Violations, path: str, value: str, limits: LimitsConfig, *, prefix: str = "") -> None:
    """Ids, names and handles: bounded by max_id_chars."""
    if len(value) > limits.max_id_chars:
        v.add(path, f"{prefix}has {len(value)} characters; send at most {limits.max_id_chars} (max_id_chars)")


def _enum(v: Violations, path: str, value: int, enum: EnumTypeWrapper, *, prefix: str = "") -> None:
    # proto3 enums are open: protobuf keeps numbers the schema does not define.
    if value not in enum.values():
        valid = ", ".join(f"{name} ({number})" for name, number in enum.items())
        v.add(path, f"{prefix}{value} is not a {enum.DESCRIPTOR.name} value; use one of {valid}")


def _specified_names(enum: EnumTypeWrapper) -> str:
    """The enum's value names other than its zero (UNSPECIFIED) value."""
    return ", ".join(value.name for value in enum.DESCRIPTOR.values if value.number != 0)


def _language(v: Violations, path: str, tag: str) -> None:
    if tag and (len(tag) > _MAX_LANGUAGE_CHARS or not _LANGUAGE_TAG.match(tag)):
        shown = tag if len(tag) <= _MAX_LANGUAGE_CHARS else f"{tag[:_MAX_LANGUAGE_CHARS]}..."
        v.add(path, f"{shown!r} is not a BCP-47 language tag; send e.g. 'en' or 'de-DE', or leave it empty to detect")


def _timestamp(v: Violations, path: str, ts: Timestamp) -> None:
    if not _MIN_TIMESTAMP_SECONDS <= ts.seconds <= _MAX_TIMESTAMP_SECONDS:
        v.add(path, f"seconds ({ts.seconds}) is outside 0001-01-01..9999-12-31; send a real point in time")
    if not 0 <= ts.nanos < 1_000_000_000:
        v.add(path, f"nanos ({ts.nanos}) must be in [0, 999999999]")
