"""Small builders of stored touchpoints for scoring, alert and friction tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pipelines.enrichment.domain import Channel
from pipelines.journeys.domain import Outcome, StoredTouchpoint, TouchpointAttributes, TouchpointSignals

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def tp(
    tp_id: str,
    *,
    customer: str = "c1",
    days: float = 0.0,
    channel: Channel = Channel.CHAT,
    outcome: Outcome = Outcome.UNSPECIFIED,
    sentiment: float | None = None,
    intent: str = "",
    topics: tuple[str, ...] = (),
    rating: float | None = None,
    hold: float | None = None,
    handle: float | None = None,
    shift: float | None = None,
    low: float | None = None,
    journey: str = "",
    corrections: int = 0,
    customer_turns: int = 0,
    agent_failures: int = 0,
    agent_turns: int = 0,
    satisfaction: float | None = None,
) -> StoredTouchpoint:
    at = T0 + timedelta(days=days)
    return StoredTouchpoint(
        id=tp_id,
        customer_id=customer,
        channel=channel,
        occurred_at=at,
        recorded_at=at,
        journey_id=journey,
        outcome=outcome,
        attributes=TouchpointAttributes(hold_seconds=hold, handle_seconds=handle),
        signals=TouchpointSignals(
            sentiment=sentiment,
            sentiment_shift=shift,
            sentiment_low=low,
            intent=intent,
            topics=topics,
            rating=rating,
            corrections=corrections,
            customer_turns=customer_turns,
            agent_failures=agent_failures,
            agent_turns=agent_turns,
            satisfaction=satisfaction,
        ),
    )
