"""Checks of single request fields, shared by every service's validators: collect, then raise together.

Every check adds a ``FieldViolation`` with a dotted path into the request
(``interactions[3].transcript.turns[0].text``) and a message that fixes the
call; all violations are collected, then raised together as one
``InvalidInputError`` (INVALID_ARGUMENT). Descriptions name bad numbers, enum
values and lengths, never the caller's text.

Invalid UTF-8 (a lone surrogate) cannot reach a Python str inside a message:
protobuf rejects it while parsing, and ``service.rpc.handlers`` hands us an
``UndecodableRequest`` for it instead (``check_decoded``).
"""

from __future__ import annotations

import re
from typing import TypeVar

from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from models.errors import FieldViolation, InvalidInputError
from service.config import LimitsConfig
from service.rpc.handlers import UndecodableRequest

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


def check_decoded(request: M | UndecodableRequest, field: str = "request") -> M:
    """The parsed request; INVALID_ARGUMENT when its bytes could not be parsed as their message type."""
    if isinstance(request, UndecodableRequest):
        hint = " (strings must be UTF-8; lone surrogates are not valid)" if "UTF-8" in request.error else ""
        raise InvalidInputError.single(field, f"not a valid {request.message_type}: {request.error}{hint}")
    return request


def validate_text(
    v: Violations, path: str, text: str, limits: LimitsConfig, *, required: bool, prefix: str = ""
) -> None:
    """Add a violation when free text at ``path`` is blank (if ``required``) or longer than ``max_chars_per_text``."""
    if required and not text.strip():
        v.add(path, f"{prefix}is empty or whitespace only; send the words to analyse")
    if len(text) > limits.max_chars_per_text:
        v.add(
            path,
            f"{prefix}has {len(text)} characters; the limit is {limits.max_chars_per_text} per text "
            "(max_chars_per_text); shorten or split it",
        )


def validate_short(v: Violations, path: str, value: str, limits: LimitsConfig, *, prefix: str = "") -> None:
    """Add a violation when an id, name or handle at ``path`` is longer than ``max_id_chars``."""
    if len(value) > limits.max_id_chars:
        v.add(path, f"{prefix}has {len(value)} characters; send at most {limits.max_id_chars} (max_id_chars)")


def validate_enum(v: Violations, path: str, value: int, enum: EnumTypeWrapper, *, prefix: str = "") -> None:
    """Add a violation when ``value`` is not a number ``enum`` defines."""
    # proto3 enums are open: protobuf keeps numbers the schema does not define.
    if value not in enum.values():
        valid = ", ".join(f"{name} ({number})" for name, number in enum.items())
        v.add(path, f"{prefix}{value} is not a {enum.DESCRIPTOR.name} value; use one of {valid}")


def specified_names(enum: EnumTypeWrapper) -> str:
    """The enum's value names other than its zero (UNSPECIFIED) value."""
    return ", ".join(value.name for value in enum.DESCRIPTOR.values if value.number != 0)


def validate_language(v: Violations, path: str, tag: str) -> None:
    """Add a violation when a non-empty ``tag`` is not a BCP-47 language tag."""
    if tag and (len(tag) > _MAX_LANGUAGE_CHARS or not _LANGUAGE_TAG.match(tag)):
        shown = tag if len(tag) <= _MAX_LANGUAGE_CHARS else f"{tag[:_MAX_LANGUAGE_CHARS]}..."
        v.add(path, f"{shown!r} is not a BCP-47 language tag; send e.g. 'en' or 'de-DE', or leave it empty to detect")


def validate_timestamp(v: Violations, path: str, ts: Timestamp) -> None:
    """Add a violation when ``ts`` is outside Timestamp's documented range."""
    if not _MIN_TIMESTAMP_SECONDS <= ts.seconds <= _MAX_TIMESTAMP_SECONDS:
        v.add(path, f"seconds ({ts.seconds}) is outside 0001-01-01..9999-12-31; send a real point in time")
    if not 0 <= ts.nanos < 1_000_000_000:
        v.add(path, f"nanos ({ts.nanos}) must be in [0, 999999999]")
