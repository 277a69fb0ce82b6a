"""Topics over time and per channel, topic-level sentiment, and emerging topics, from enriched interactions.

Input is one ``TopicEvent`` per enriched interaction (its top document topic, or none). Three
read-only roll-ups:

``trends``           per period (day or ISO week) and optionally per channel: each topic's count, its
                     share of the period's interactions (interactions without a topic count in the
                     denominator) and the mean document sentiment score of its interactions.
``topic_sentiment``  per topic: count, mean score, share labelled negative, and the same per speaker
                     role (transcripts), so "customers are negative about refunds" is one row.
``emerging``         the test for a topic rising: the latest ``window`` (ending at the newest event)
                     against the ``baseline`` before it. A topic is flagged when its window share is
                     significantly above its baseline share by a one-sided two-proportion z-test
                     (pooled variance) at ``alpha`` with a Bonferroni correction over the topics
                     tested, it has at least ``min_count`` interactions in the window, and its share
                     grew by at least ``min_growth`` times (a topic absent from the baseline has
                     infinite growth). Each flag carries its size, shares, growth, z, p and sample texts.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from models.errors import InvalidInputError
from pipelines.enrichment.domain import EnrichedInteraction, EnrichOptions, Interaction, SignalKind, SpeakerRole
from pipelines.enrichment.enricher import Enricher
from pipelines.enrichment.segment import parts_of

NO_TOPIC = -1
BUCKETS = ("day", "week")


@dataclass(frozen=True)
class TopicEvent:
    """One enriched interaction as the topic roll-ups see it."""

    interaction_id: str
    occurred_at: datetime
    channel: str
    topic_id: int  # NO_TOPIC when the interaction has no topic
    topic_label: str = ""
    sentiment_score: float | None = None  # document score in [-1, 1]
    sentiment_label: str | None = None
    role_scores: Mapping[str, float] = field(default_factory=dict)  # speaker role -> pooled score
    text: str = ""  # the customer's words, for samples


@dataclass(frozen=True)
class TrendPoint:
    period: str  # "2026-11-30" or "2026-W48"
    channel: str  # "" when not split by channel
    topic_id: int
    label: str
    count: int
    share: float
    mean_sentiment: float | None


@dataclass(frozen=True)
class RoleScore:
    role: str
    count: int
    mean_score: float


@dataclass(frozen=True)
class TopicSentiment:
    topic_id: int
    label: str
    count: int
    mean_score: float | None
    negative_share: float
    by_role: tuple[RoleScore, ...]


@dataclass(frozen=True)
class EmergingTopic:
    topic_id: int
    label: str
    window_count: int
    window_share: float
    baseline_count: int
    baseline_share: float
    growth: float | None  # window share / baseline share; None when the baseline share is 0
    z: float
    p_value: float
    samples: tuple[str, ...]


@dataclass(frozen=True)
class EmergingConfig:
    """The emerging-topic test's knobs (see the module docstring)."""

    window: timedelta = timedelta(days=7)
    baseline: timedelta = timedelta(days=28)
    alpha: float = 0.01
    min_count: int = 5
    min_growth: float = 2.0
    samples: int = 3

    def __post_init__(self) -> None:
        if self.window <= timedelta(0) or self.baseline <= timedelta(0):
            raise ValueError("window and baseline must be positive durations")
        if not 0.0 < self.alpha < 1.0:
            raise ValueError(f"alpha must be in (0, 1), got {self.alpha}")


def event_of(interaction: Interaction, result: EnrichedInteraction) -> TopicEvent:
    """The topic-roll-up view of one enriched interaction (its top document topic, sentiment, roles)."""
    if interaction.occurred_at is None:
        raise ValueError(f"interaction {interaction.id!r} has no occurred_at")
    top = result.topics[0] if result.topics else None
    customer = " ".join(p.text for p in parts_of(interaction) if p.role == SpeakerRole.CUSTOMER)
    return TopicEvent(
        interaction_id=interaction.id,
        occurred_at=interaction.occurred_at,
        channel=interaction.channel.name.lower(),
        topic_id=top.topic_id if top is not None else NO_TOPIC,
        topic_label=top.label if top is not None else "",
        sentiment_score=result.sentiment.score if result.sentiment is not None else None,
        sentiment_label=result.sentiment.label.value if result.sentiment is not None else None,
        role_scores={r.role.name.lower(): r.sentiment.score for r in result.roles},
        text=customer,
    )


def enriched_events(
    enricher: Enricher,
    interactions: Sequence[Interaction],
    *,
    topic_model: str | None = None,
    batch_size: int = 64,
    progress: Callable[[int], None] | None = None,
) -> list[TopicEvent]:
    """Enrich ``interactions`` (sentiment and topics only) and turn each into a ``TopicEvent``.

    Raises:
        InvalidInputError: an interaction without ``occurred_at`` (field ``interactions[i].occurred_at``).
    """
    missing = [i for i, x in enumerate(interactions) if x.occurred_at is None]
    if missing:
        raise InvalidInputError.single(
            f"interactions[{missing[0]}].occurred_at",
            f"is not set ({len(missing)} interactions lack it); topic trends place every interaction in time",
        )
    # Resolved once and pinned to its exact version: every batch reads the same model, and a user model's
    # folder is listed once, not once per batch.
    pinned = enricher.topic_stage(topic_model, field="topic_model").model.id
    options = EnrichOptions(signals=frozenset({SignalKind.SENTIMENT, SignalKind.TOPICS}), topic_model=pinned)
    events: list[TopicEvent] = []
    for start in range(0, len(interactions), batch_size):
        batch = interactions[start : start + batch_size]
        results = enricher.enrich(batch, options)
        events += [event_of(x, r) for x, r in zip(batch, results, strict=True)]
        if progress is not None:
            progress(len(batch))
    return events


def period_of(moment: datetime, bucket: str) -> str:
    """``YYYY-MM-DD`` for a day, ``YYYY-Www`` (ISO week) for a week."""
    if bucket == "day":
        return moment.date().isoformat()
    if bucket == "week":
        year, week, _ = moment.isocalendar()
        return f"{year}-W{week:02d}"
    raise ValueError(f"unknown bucket {bucket!r}; valid buckets are: {', '.join(BUCKETS)}")


def trends(events: Sequence[TopicEvent], *, bucket: str = "day", by_channel: bool = False) -> list[TrendPoint]:
    """Count, share and mean sentiment per topic per period (and channel), sorted by period, channel, topic."""
    totals: dict[tuple[str, str], int] = defaultdict(int)
    groups: dict[tuple[str, str, int], list[TopicEvent]] = defaultdict(list)
    for e in events:
        key = (period_of(e.occurred_at, bucket), e.channel if by_channel else "")
        totals[key] += 1
        if e.topic_id != NO_TOPIC:
            groups[(*key, e.topic_id)].append(e)
    points = []
    for (period, channel, topic_id), members in sorted(groups.items()):
        scores = [e.sentiment_score for e in members if e.sentiment_score is not None]
        points.append(
            TrendPoint(
                period,
                channel,
                topic_id,
                members[0].topic_label,
                len(members),
                len(members) / totals[(period, channel)],
                sum(scores) / len(scores) if scores else None,
            )
        )
    return points


def topic_sentiment(events: Sequence[TopicEvent]) -> list[TopicSentiment]:
    """Per topic, most negative first: count, mean score, negative share, and per speaker role."""
    groups: dict[int, list[TopicEvent]] = defaultdict(list)
    for e in events:
        if e.topic_id != NO_TOPIC:
            groups[e.topic_id].append(e)
    rows = []
    for topic_id, members in groups.items():
        scores = [e.sentiment_score for e in members if e.sentiment_score is not None]
        labelled = [e for e in members if e.sentiment_label is not None]
        roles: dict[str, list[float]] = defaultdict(list)
        for e in members:
            for role, score in e.role_scores.items():
                roles[role].append(score)
        rows.append(
            TopicSentiment(
                topic_id,
                members[0].topic_label,
                len(members),
                sum(scores) / len(scores) if scores else None,
                sum(e.sentiment_label == "negative" for e in labelled) / len(labelled) if labelled else 0.0,
                tuple(RoleScore(r, len(v), sum(v) / len(v)) for r, v in sorted(roles.items())),
            )
        )
    return sorted(rows, key=lambda r: (r.mean_score if r.mean_score is not None else 0.0, r.topic_id))


def emerging(
    events: Sequence[TopicEvent], config: EmergingConfig | None = None, *, now: datetime | None = None
) -> list[EmergingTopic]:
    """Topics whose share in the latest window rose significantly above the baseline before it (strongest first)."""
    config = config or EmergingConfig()
    if not events:
        return []
    end = now or max(e.occurred_at for e in events)
    window_start = end - config.window
    baseline_start = window_start - config.baseline
    window = [e for e in events if window_start < e.occurred_at <= end]
    base = [e for e in events if baseline_start < e.occurred_at <= window_start]
    if not window or not base:
        return []
    topics = sorted({e.topic_id for e in window if e.topic_id != NO_TOPIC})
    found = []
    for topic_id in topics:
        in_window = [e for e in window if e.topic_id == topic_id]
        x1, n1 = len(in_window), len(window)
        x0, n0 = sum(e.topic_id == topic_id for e in base), len(base)
        p1, p0 = x1 / n1, x0 / n0
        z, p_value = two_proportion_z_test(x1, n1, x0, n0)
        growth = p1 / p0 if p0 > 0 else None
        grew = growth is None or growth >= config.min_growth
        if x1 >= config.min_count and grew and p_value < config.alpha / len(topics):
            samples = tuple(e.text for e in sorted(in_window, key=lambda e: e.occurred_at, reverse=True) if e.text)
            found.append(
                EmergingTopic(
                    topic_id,
                    in_window[0].topic_label,
                    x1,
                    p1,
                    x0,
                    p0,
                    growth,
                    z,
                    p_value,
                    samples[: config.samples],
                )
            )
    return sorted(found, key=lambda t: (-t.z, t.topic_id))


def two_proportion_z_test(x1: int, n1: int, x0: int, n0: int) -> tuple[float, float]:
    """One-sided two-proportion z-test of p1 > p0 with pooled variance: (z, p-value)."""
    pooled = (x1 + x0) / (n1 + n0)
    variance = pooled * (1 - pooled) * (1 / n1 + 1 / n0)
    if variance <= 0:
        return 0.0, 1.0
    z = (x1 / n1 - x0 / n0) / math.sqrt(variance)
    return z, 0.5 * math.erfc(z / math.sqrt(2))
