"""Rows of the journey store <-> domain objects, and the epoch-millisecond times the rows hold."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np

from pipelines.enrichment.domain import Channel, ContentPart, SpeakerRole
from pipelines.journeys.domain import (
    Alert,
    AlertRule,
    CustomerIntent,
    Outcome,
    RedactedPart,
    Redaction,
    StoredTouchpoint,
    TouchpointAttributes,
    TouchpointSignals,
)


def to_ms(moment: datetime) -> int:
    """Epoch milliseconds of an aware datetime (naive ones are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return round(moment.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def pack_embedding(vector: Sequence[float]) -> str:
    """A unit vector as base64 int8 (scaled by its largest component): 384 floats in 512 characters.

    Cosines between unpacked vectors are within about 0.005 of the originals': enough for a threshold rule.
    """
    if not vector:
        return ""
    v = np.asarray(vector, dtype=np.float64)
    peak = float(np.abs(v).max())
    if peak == 0:
        return ""
    return base64.b64encode(np.round(v / peak * 127).astype(np.int8).tobytes()).decode("ascii")


def unpack_embedding(packed: str) -> tuple[float, ...]:
    """``pack_embedding``'s vector again, unit length; () for an empty string."""
    if not packed:
        return ()
    v = np.frombuffer(base64.b64decode(packed), dtype=np.int8).astype(np.float64)
    norm = float(np.linalg.norm(v))
    return tuple(float(x) for x in v / norm) if norm > 0 else ()


def row_of(item: StoredTouchpoint) -> dict[str, Any]:
    s, a = item.signals, item.attributes
    signals = {
        "sentiment_label": s.sentiment_label,
        "sentiment_low": s.sentiment_low,
        "intent_taxonomy": s.intent_taxonomy,
        "intent_confidence": s.intent_confidence,
        "topics": list(s.topics),
        "customer_turns": s.customer_turns,
        "corrections": s.corrections,
        "agent_turns": s.agent_turns,
        "agent_failures": s.agent_failures,
        "models": list(s.models),
        "satisfaction": s.satisfaction,
        "intent_category": s.intent_category,
        "customer_intents": [
            [c.part.value, c.index, c.sentence, c.label, c.category, c.confidence] for c in s.customer_intents
        ],
        "embedding": pack_embedding(s.embedding),
    }
    attributes = {
        "ivr_path": list(a.ivr_path),
        "page": a.page,
        "rating": a.rating,
        "rating_min": a.rating_min,
        "rating_max": a.rating_max,
        "extra": dict(a.extra),
    }
    content: dict[str, Any] = {}
    if item.parts:
        content = {
            "parts": [[p.part.value, p.index, p.role.value, p.text] for p in item.parts],
            "redactions": [[r.kind, r.placeholder, r.part.value, r.index, r.start, r.end] for r in item.redactions],
        }
    return {
        "id": item.id,
        "customer_id": item.customer_id,
        "journey_id": item.journey_id,
        "channel": item.channel.value,
        "occurred_ms": to_ms(item.occurred_at),
        "recorded_ms": to_ms(item.recorded_at),
        "stage": item.stage,
        "outcome": item.outcome.value,
        "sentiment": s.sentiment,
        "sentiment_shift": s.sentiment_shift,
        "intent": s.intent,
        "rating": s.rating,
        "hold_seconds": a.hold_seconds,
        "handle_seconds": a.handle_seconds,
        "signals_json": json.dumps(signals, sort_keys=True),
        "attributes_json": json.dumps(attributes, sort_keys=True),
        "content_json": json.dumps(content, sort_keys=True, ensure_ascii=False) if content else "{}",
    }


def touchpoint_of(row: Any) -> StoredTouchpoint:
    signals = json.loads(row["signals_json"])
    attributes = json.loads(row["attributes_json"])
    content = json.loads(row["content_json"])
    return StoredTouchpoint(
        id=row["id"],
        customer_id=row["customer_id"],
        journey_id=row["journey_id"],
        channel=Channel(row["channel"]),
        occurred_at=from_ms(row["occurred_ms"]),
        recorded_at=from_ms(row["recorded_ms"]),
        stage=row["stage"],
        outcome=Outcome(row["outcome"]),
        attributes=TouchpointAttributes(
            ivr_path=tuple(attributes.get("ivr_path", ())),
            page=attributes.get("page", ""),
            hold_seconds=row["hold_seconds"],
            handle_seconds=row["handle_seconds"],
            rating=attributes.get("rating"),
            rating_min=attributes.get("rating_min"),
            rating_max=attributes.get("rating_max"),
            extra=attributes.get("extra", {}),
        ),
        signals=TouchpointSignals(
            sentiment=row["sentiment"],
            sentiment_label=signals.get("sentiment_label", ""),
            sentiment_shift=row["sentiment_shift"],
            sentiment_low=signals.get("sentiment_low"),
            intent=row["intent"],
            intent_taxonomy=signals.get("intent_taxonomy", ""),
            intent_confidence=signals.get("intent_confidence", 0.0),
            topics=tuple(signals.get("topics", ())),
            rating=row["rating"],
            customer_turns=signals.get("customer_turns", 0),
            corrections=signals.get("corrections", 0),
            agent_turns=signals.get("agent_turns", 0),
            agent_failures=signals.get("agent_failures", 0),
            satisfaction=signals.get("satisfaction"),
            models=tuple(signals.get("models", ())),
            # Rows stored before these keys existed read as "none found" (no migration: signals_json is free-form).
            intent_category=signals.get("intent_category", ""),
            customer_intents=tuple(
                CustomerIntent(ContentPart(part), index, sentence, label, category, confidence)
                for part, index, sentence, label, category, confidence in signals.get("customer_intents", ())
            ),
            embedding=unpack_embedding(signals.get("embedding", "")),
        ),
        parts=tuple(
            RedactedPart(ContentPart(part), index, text, SpeakerRole(role))
            for part, index, role, text in content.get("parts", ())
        ),
        redactions=tuple(
            Redaction(kind, placeholder, ContentPart(part), index, start, end)
            for kind, placeholder, part, index, start, end in content.get("redactions", ())
        ),
    )


def alert_of(row: dict[str, Any]) -> Alert:
    return Alert(
        id=int(row["id"]),
        rule=AlertRule(row["rule"]),
        customer_id=row["customer_id"],
        journey_id=row["journey_id"],
        occurred_at=from_ms(row["occurred_ms"]),
        raised_at=from_ms(row["raised_ms"]),
        message=row["message"],
        touchpoint_ids=tuple(json.loads(row["touchpoint_ids_json"])),
        details=json.loads(row["details_json"]),
    )
