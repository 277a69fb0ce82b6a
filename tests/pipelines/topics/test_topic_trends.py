"""Topic roll-ups: trends per period and channel, topic sentiment per role, and the emerging-topic test."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from pipelines.topics.trends import (
    NO_TOPIC,
    EmergingConfig,
    TopicEvent,
    emerging,
    period_of,
    topic_sentiment,
    trends,
)

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday


def event(i: int, day: int, topic: int, channel: str = "chat", score: float | None = 0.0, **kw) -> TopicEvent:
    label = kw.pop("label", "negative" if (score or 0) < -0.3 else "neutral")
    return TopicEvent(
        f"i{i}", T0 + timedelta(days=day, minutes=i), channel, topic, f"topic {topic}", score, label, **kw
    )


def test_periods_are_days_or_iso_weeks() -> None:
    assert period_of(T0, "day") == "2026-11-02"
    assert period_of(T0 + timedelta(days=6), "week") == "2026-W45"
    assert period_of(T0 + timedelta(days=7), "week") == "2026-W46"
    with pytest.raises(ValueError, match="valid buckets are: day, week"):
        period_of(T0, "month")


def test_trends_count_share_and_sentiment_per_day_and_channel() -> None:
    events = [
        event(0, 0, 1, score=-0.5),
        event(1, 0, 1, score=-0.1),
        event(2, 0, NO_TOPIC),
        event(3, 0, 2, channel="email", score=0.4),
        event(4, 1, 2, score=None),
    ]
    by_day = {(p.period, p.topic_id): p for p in trends(events)}
    assert by_day[("2026-11-02", 1)].count == 2 and by_day[("2026-11-02", 1)].share == pytest.approx(2 / 4)
    assert by_day[("2026-11-02", 1)].mean_sentiment == pytest.approx(-0.3)
    assert by_day[("2026-11-03", 2)].mean_sentiment is None and by_day[("2026-11-03", 2)].share == 1.0
    split = {(p.period, p.channel, p.topic_id): p for p in trends(events, by_channel=True)}
    assert split[("2026-11-02", "chat", 1)].share == pytest.approx(2 / 3)
    assert split[("2026-11-02", "email", 2)].share == 1.0
    weekly = trends(events, bucket="week")
    assert {(p.period, p.topic_id, p.count) for p in weekly} == {("2026-W45", 1, 2), ("2026-W45", 2, 2)}


def test_topic_sentiment_is_most_negative_first_with_roles() -> None:
    events = [
        event(0, 0, 1, score=-0.8, role_scores={"customer": -0.8, "agent": 0.5}),
        event(1, 0, 1, score=-0.4, role_scores={"customer": -0.4, "agent": 0.3}),
        event(2, 0, 2, score=0.6, label="positive"),
    ]
    first, second = topic_sentiment(events)
    assert (first.topic_id, first.count, first.negative_share) == (1, 2, 1.0)
    assert first.mean_score == pytest.approx(-0.6)
    assert {r.role: round(r.mean_score, 6) for r in first.by_role} == {"agent": 0.4, "customer": -0.6}
    assert second.topic_id == 2 and second.negative_share == 0.0


def constructed_stream(new_theme_per_day: int) -> list[TopicEvent]:
    """Five weeks of steady topics 0-2 (10 a day each); a new topic 7 appears in the last week."""
    events, i = [], 0
    for day in range(35):
        for topic in (0, 1, 2):
            for _ in range(10):
                events.append(event(i, day, topic))
                i += 1
        if day >= 28:
            for _ in range(new_theme_per_day):
                events.append(event(i, day, 7, text=f"the new app update deleted my photos ({i})"))
                i += 1
    return events


def test_a_new_complaint_theme_is_flagged_with_size_growth_and_samples() -> None:
    (flag,) = emerging(constructed_stream(new_theme_per_day=4))
    assert flag.topic_id == 7 and flag.window_count == 28 and flag.baseline_count == 0
    assert flag.growth is None and flag.p_value < 1e-6 and flag.z > 5
    assert flag.window_share == pytest.approx(28 / (28 + 7 * 30))  # the last 7 days: 210 steady + 28 new
    assert len(flag.samples) == 3 and "deleted my photos" in flag.samples[0]


def test_steady_topics_and_a_tiny_blip_are_not_flagged() -> None:
    assert emerging(constructed_stream(new_theme_per_day=0)) == []
    blip = [*constructed_stream(new_theme_per_day=0), event(99_999, 34, 7)]
    assert emerging(blip) == []  # 1 interaction < min_count
    assert emerging([]) == []


def test_the_z_test_matches_the_formula() -> None:
    events = [event(i, 0, 1 if i < 10 else 2) for i in range(100)]  # baseline: 10 % topic 1
    events += [event(100 + i, 10, 1 if i < 30 else 2) for i in range(100)]  # window: 30 %
    (flag,) = emerging(events, EmergingConfig(window=timedelta(days=5), baseline=timedelta(days=28)))
    pooled = 40 / 200
    z = (0.3 - 0.1) / math.sqrt(pooled * (1 - pooled) * (2 / 100))
    assert flag.z == pytest.approx(z) and flag.growth == pytest.approx(3.0)
    assert flag.p_value == pytest.approx(0.5 * math.erfc(z / math.sqrt(2)))
    with pytest.raises(ValueError, match="alpha must be in"):
        EmergingConfig(alpha=0)


def test_enriched_events_read_topics_sentiment_and_roles(enricher) -> None:
    from models.errors import InvalidInputError
    from pipelines.enrichment.domain import Channel, Interaction, PlainText, SpeakerRole, Transcript, Turn
    from pipelines.topics.trends import enriched_events

    call = Interaction(
        "c1",
        Transcript((Turn(SpeakerRole.AGENT, "how can I help"), Turn(SpeakerRole.CUSTOMER, "I lost my card"))),
        channel=Channel.CALL,
        occurred_at=T0,
    )
    chat = Interaction("t1", PlainText("refund my money please"), channel=Channel.CHAT, occurred_at=T0)
    seen: list[int] = []
    events = enriched_events(enricher, [call, chat], batch_size=1, progress=seen.append)
    assert seen == [1, 1] and [e.interaction_id for e in events] == ["c1", "t1"]
    first = events[0]
    assert first.channel == "call" and first.text == "I lost my card"
    assert set(first.role_scores) == {"agent", "customer"}
    assert first.topic_id != NO_TOPIC and first.topic_label and first.sentiment_label is not None
    results = enricher.enrich([call])
    assert first.topic_id == results[0].topics[0].topic_id
    with pytest.raises(InvalidInputError, match=r"interactions\[1\]\.occurred_at"):
        enriched_events(enricher, [call, Interaction("x", PlainText("hi"))])
