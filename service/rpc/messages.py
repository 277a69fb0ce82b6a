"""Validation of the messages several services carry: an Interaction (with its turns) and EnrichOptions.

``Enrich`` and ``EnrichStream`` check them here, and so do ``RecordTouchpoints`` and the topic
RPCs; the field checks they are built of live in ``service.rpc.fields``.
"""

from __future__ import annotations

import math

from journeymine.v1 import enrichment_service_pb2 as svc_pb
from journeymine.v1 import interaction_pb2 as ix_pb
from journeymine.v1 import signals_pb2 as sig_pb
from service.config import LimitsConfig
from service.rpc.fields import (
    Violations,
    specified_names,
    validate_enum,
    validate_language,
    validate_short,
    validate_text,
    validate_timestamp,
)

_CONTENT_KINDS = ", ".join(f.name for f in ix_pb.Interaction.DESCRIPTOR.oneofs_by_name["content"].fields)


def validate_interaction(v: Violations, path: str, msg: ix_pb.Interaction, limits: LimitsConfig) -> None:
    """Add the violations of one interaction at ``path``."""
    validate_short(v, f"{path}.id", msg.id, limits)
    validate_short(v, f"{path}.customer_id", msg.customer_id, limits)
    validate_short(v, f"{path}.journey_id", msg.journey_id, limits)
    validate_enum(v, f"{path}.channel", msg.channel, ix_pb.Channel)
    validate_language(v, f"{path}.language", msg.language)
    if msg.HasField("occurred_at"):
        validate_timestamp(v, f"{path}.occurred_at", msg.occurred_at)
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
        validate_text(v, f"{path}.text", msg.text, limits, required=True)


def _transcript(v: Violations, path: str, msg: ix_pb.Transcript, limits: LimitsConfig) -> None:
    n, cap = len(msg.turns), limits.max_turns_per_transcript
    if n == 0:
        v.add(f"{path}.turns", "is empty; send at least one turn with text")
    elif n > cap:
        v.add(f"{path}.turns", f"has {n} turns; send at most {cap} (max_turns_per_transcript)")
    for j, turn in enumerate(msg.turns):
        validate_turn(v, f"{path}.turns[{j}]", turn, limits)


def validate_turn(v: Violations, path: str, msg: ix_pb.Turn, limits: LimitsConfig, *, prefix: str = "") -> None:
    """Add the violations of one turn at ``path`` (``prefix`` opens each message, for stream turns)."""
    roles = specified_names(ix_pb.SpeakerRole)
    if msg.role == ix_pb.SPEAKER_ROLE_UNSPECIFIED:
        v.add(f"{path}.role", f"{prefix}is SPEAKER_ROLE_UNSPECIFIED; set who spoke the turn: one of {roles}")
    else:
        validate_enum(v, f"{path}.role", msg.role, ix_pb.SpeakerRole, prefix=prefix)
    validate_short(v, f"{path}.speaker_id", msg.speaker_id, limits, prefix=prefix)
    validate_text(v, f"{path}.text", msg.text, limits, required=True, prefix=prefix)
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
    validate_text(v, f"{path}.subject", msg.subject, limits, required=False)
    validate_text(v, f"{path}.body", msg.body, limits, required=False)


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
    validate_text(v, f"{path}.question", msg.question, limits, required=False)
    validate_text(v, f"{path}.answer", msg.answer, limits, required=False)
    scale_ok = True
    if msg.HasField("scale"):
        scale = msg.scale
        validate_short(v, f"{path}.scale.kind", scale.kind, limits)
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
    validate_text(v, f"{path}.text", msg.text, limits, required=True)
    validate_short(v, f"{path}.platform", msg.platform, limits)
    validate_short(v, f"{path}.author_handle", msg.author_handle, limits)
    validate_short(v, f"{path}.in_reply_to", msg.in_reply_to, limits)


# More ids than there are model kinds in one result is a mistake, not a pin.
MAX_PINNED_MODELS = 16


def validate_options(v: Violations, path: str, msg: svc_pb.EnrichOptions, limits: LimitsConfig) -> None:
    """Add the violations of EnrichOptions at ``path``."""
    valid = specified_names(sig_pb.Signal)
    for j, signal in enumerate(msg.signals):
        if signal == sig_pb.SIGNAL_UNSPECIFIED:
            v.add(
                f"{path}.signals[{j}]",
                f"is SIGNAL_UNSPECIFIED; use one of {valid} (or an empty list for all but SIGNAL_ASPECTS)",
            )
        else:
            validate_enum(v, f"{path}.signals[{j}]", signal, sig_pb.Signal)
    validate_short(v, f"{path}.intent_taxonomy", msg.intent_taxonomy, limits)
    validate_short(v, f"{path}.topic_model", msg.topic_model, limits)
    validate_short(v, f"{path}.sentiment_model", msg.sentiment_model, limits)
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
            validate_short(v, f"{path}.pin_models[{j}]", model_id, limits)
