"""The experience score: evidence from each touchpoint, decayed by age, shrunk toward neutral.

The definition, with its reasons, is in ``docs/scoring.md``; this module is its only
implementation. In short:

    evidence   each touchpoint yields items (component, value v in [-1, 1], weight w):
               the customer's own sentiment, survey ratings (weighted to dominate),
               effort (repeat contact for one intent, channel switch, transfer, long
               hold or handle time) and the outcome
    decay      d = 0.5 ** (age_days / half_life_days)
    score      s = sum(w d v) / (prior_weight + sum(w d));  score = 50 + 50 s
    drivers    item k moved the score by 50 w_k d_k v_k / (prior_weight + sum(w d));
               they sum to score - 50 exactly
    interval   a normal interval on s from the weighted spread of the items and their
               effective count; the prior counts as one item of variance prior_variance
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from pipelines.enrichment.domain import Channel
from pipelines.journeys.domain import (
    Component,
    Driver,
    Evidence,
    ExperienceScore,
    Outcome,
    ScorePoint,
    StoredTouchpoint,
)

NEUTRAL = 50.0
Z95 = 1.959964
DIMENSIONS = ("component", "reason", "touchpoint", "intent", "topic")


class ScoringConfig(BaseModel):
    """Every constant of the score; docs/scoring.md explains each."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    half_life_days: float = Field(default=30.0, gt=0)
    # Pseudo-evidence at neutral: keeps one weak signal from swinging the score to an extreme.
    prior_weight: float = Field(default=1.0, gt=0)
    prior_variance: float = Field(default=0.25, gt=0)
    sentiment_weight: float = Field(default=1.0, ge=0)
    # A survey answer is the customer telling us directly: it outweighs inferred signals.
    rating_weight: float = Field(default=4.0, ge=0)
    effort_weight: float = Field(default=1.0, ge=0)
    outcome_weight: float = Field(default=1.0, ge=0)
    # The learned satisfaction estimate of a call or chat (P(satisfied) - P(dissatisfied) over its customer turns).
    satisfaction_weight: float = Field(default=1.0, ge=0)
    repeat_window_days: float = Field(default=7.0, gt=0)
    repeat_contact: float = Field(default=-0.6, ge=-1, le=0)
    channel_switch: float = Field(default=-0.3, ge=-1, le=0)
    transfer: float = Field(default=-0.5, ge=-1, le=0)
    long_hold_seconds: float = Field(default=300.0, gt=0)
    long_hold: float = Field(default=-0.4, ge=-1, le=0)
    long_handle_seconds: float = Field(default=1200.0, gt=0)
    long_handle: float = Field(default=-0.3, ge=-1, le=0)
    # Per contact: this times the share of the customer's turns that reject or correct the agent.
    correction: float = Field(default=-1.0, ge=-1, le=0)
    # With no outcome given: this times the share of agent turns saying the agent cannot help.
    agent_failure: float = Field(default=-1.0, ge=-1, le=0)
    outcome_values: dict[str, float] = Field(
        default_factory=lambda: {
            Outcome.RESOLVED.value: 0.4,
            Outcome.PURCHASE.value: 0.5,
            Outcome.UNRESOLVED.value: -0.6,
            Outcome.ABANDONED.value: -0.7,
            Outcome.CALLBACK.value: -0.2,
            Outcome.CANCELLATION.value: -0.8,
            Outcome.ESCALATED.value: -0.6,
        }
    )
    # Score points returned in the trend (one per day with touchpoints, newest kept).
    trend_points: int = Field(default=12, ge=0, le=366)


_UNRESOLVED = {Outcome.UNRESOLVED, Outcome.ABANDONED, Outcome.CALLBACK, Outcome.TRANSFERRED, Outcome.ESCALATED}
# Channels where the customer cannot be "switching" away (structured self-service steps).
_NOT_A_SWITCH = {Channel.UNSPECIFIED, Channel.OTHER}


def evidence_of(history: Sequence[StoredTouchpoint], config: ScoringConfig) -> list[Evidence]:
    """The evidence items of a customer's touchpoints (ordered by occurred_at, as the store returns them)."""
    items: list[Evidence] = []
    window = timedelta(days=config.repeat_window_days)
    last_by_intent: dict[str, StoredTouchpoint] = {}
    previous: StoredTouchpoint | None = None
    for tp in history:
        s, a = tp.signals, tp.attributes

        def add(component: Component, reason: str, value: float, weight: float, tp: StoredTouchpoint = tp) -> None:
            if weight > 0 and value != 0:
                items.append(
                    Evidence(
                        tp.id, component, reason, value, weight, tp.occurred_at, tp.signals.intent, tp.signals.topics
                    )
                )

        if s.sentiment is not None:
            add(Component.SENTIMENT, "customer sentiment", s.sentiment, config.sentiment_weight)
        rating = s.rating if s.rating is not None else _attribute_rating(tp)
        if rating is not None:
            add(Component.RATING, "survey rating", 2.0 * rating - 1.0, config.rating_weight)
        if s.satisfaction is not None:
            add(Component.SATISFACTION, "estimated satisfaction", s.satisfaction, config.satisfaction_weight)
        if s.intent:
            earlier = last_by_intent.get(s.intent)
            if earlier is not None and tp.occurred_at - earlier.occurred_at <= window:
                add(Component.EFFORT, f"repeat contact for {s.intent}", config.repeat_contact, config.effort_weight)
            last_by_intent[s.intent] = tp
        if (
            previous is not None
            and tp.occurred_at - previous.occurred_at <= window
            and previous.outcome in _UNRESOLVED | {Outcome.UNSPECIFIED}
            and tp.channel != previous.channel
            and not {tp.channel, previous.channel} & _NOT_A_SWITCH
        ):
            add(
                Component.EFFORT,
                f"channel switch {previous.channel.value} to {tp.channel.value}",
                config.channel_switch,
                config.effort_weight,
            )
        if s.corrections and s.customer_turns:
            share = min(1.0, s.corrections / s.customer_turns)
            add(
                Component.EFFORT,
                "customer corrected the agent",
                config.correction * share,
                config.effort_weight,
            )
        if tp.outcome == Outcome.TRANSFERRED:
            add(Component.EFFORT, "transferred", config.transfer, config.effort_weight)
        if a.hold_seconds is not None and a.hold_seconds > config.long_hold_seconds:
            add(Component.EFFORT, "long hold", config.long_hold, config.effort_weight)
        if a.handle_seconds is not None and a.handle_seconds > config.long_handle_seconds:
            add(Component.EFFORT, "long handle time", config.long_handle, config.effort_weight)
        outcome_value = config.outcome_values.get(tp.outcome.value, 0.0)
        if outcome_value:
            add(Component.OUTCOME, f"outcome {tp.outcome.value}", outcome_value, config.outcome_weight)
        elif tp.outcome == Outcome.UNSPECIFIED and s.agent_failures and s.agent_turns:
            share = min(1.0, s.agent_failures / s.agent_turns)
            add(Component.OUTCOME, "agent could not help", config.agent_failure * share, config.outcome_weight)
        previous = tp
    return items


def _attribute_rating(tp: StoredTouchpoint) -> float | None:
    a = tp.attributes
    if a.rating is None or a.rating_min is None or a.rating_max is None or a.rating_max <= a.rating_min:
        return None
    return min(1.0, max(0.0, (a.rating - a.rating_min) / (a.rating_max - a.rating_min)))


def decay(age: timedelta, half_life_days: float) -> float:
    """Weight of evidence ``age`` old: 1 now, 0.5 one half-life ago (evidence from the future counts fully)."""
    days = max(age.total_seconds(), 0.0) / 86400.0
    return 0.5 ** (days / half_life_days)


def score_of(
    evidence: Sequence[Evidence], as_of: datetime, config: ScoringConfig
) -> tuple[float, float, float, list[tuple[Evidence, float]]]:
    """(score, low, high, [(item, points)]) from the items at or before ``as_of``."""
    kept = [e for e in evidence if e.occurred_at <= as_of]
    weights = [e.weight * decay(as_of - e.occurred_at, config.half_life_days) for e in kept]
    total = config.prior_weight + sum(weights)
    s = sum(w * e.value for w, e in zip(weights, kept, strict=True)) / total
    points = [(e, NEUTRAL * w * e.value / total) for w, e in zip(weights, kept, strict=True)]
    spread = sum(w * (e.value - s) ** 2 for w, e in zip(weights, kept, strict=True))
    variance = (spread + config.prior_weight * config.prior_variance) / total
    effective_n = total**2 / (config.prior_weight**2 + sum(w * w for w in weights))
    half = Z95 * math.sqrt(variance / effective_n)
    score = NEUTRAL + NEUTRAL * s
    low = max(0.0, NEUTRAL + NEUTRAL * (s - half))
    high = min(100.0, NEUTRAL + NEUTRAL * (s + half))
    return score, low, high, points


def drivers_of(points: Sequence[tuple[Evidence, float]]) -> list[Driver]:
    """Points grouped per dimension; within each dimension they sum to score - 50."""
    out: list[Driver] = []
    for dimension in DIMENSIONS:
        sums: dict[str, float] = defaultdict(float)
        counts: dict[str, int] = defaultdict(int)
        for e, p in points:
            keys = _keys(e, dimension)
            for key in keys:
                sums[key] += p / len(keys)
                counts[key] += 1
        ranked = sorted(sums, key=lambda k: (-abs(sums[k]), k))
        out.extend(Driver(dimension, k, sums[k], counts[k]) for k in ranked)
    return out


def _keys(e: Evidence, dimension: str) -> tuple[str, ...]:
    match dimension:
        case "component":
            return (e.component.value,)
        case "reason":
            return (e.reason,)
        case "touchpoint":
            return (e.touchpoint_id,)
        case "intent":
            return (e.intent,)
        case _:
            return e.topics or ("",)


def experience_score(
    customer_id: str,
    history: Sequence[StoredTouchpoint],
    *,
    as_of: datetime | None = None,
    journey_id: str = "",
    config: ScoringConfig | None = None,
) -> ExperienceScore:
    """The score of one customer (or one journey, when ``history`` holds only it) as of ``as_of`` (default now)."""
    config = config or ScoringConfig()
    as_of = as_of or datetime.now(UTC)
    evidence = evidence_of(history, config)
    score, low, high, points = score_of(evidence, as_of, config)
    return ExperienceScore(
        customer_id=customer_id,
        journey_id=journey_id,
        as_of=as_of,
        score=score,
        low=low,
        high=high,
        touchpoint_count=sum(tp.occurred_at <= as_of for tp in history),
        evidence_count=len(points),
        drivers=tuple(drivers_of(points)),
        trend=tuple(trend_of(history, evidence, as_of, config)),
        half_life_days=config.half_life_days,
    )


def trend_of(
    history: Sequence[StoredTouchpoint], evidence: Sequence[Evidence], as_of: datetime, config: ScoringConfig
) -> list[ScorePoint]:
    """The score at the end of each day that has touchpoints (UTC), the newest ``trend_points`` days.

    One pass over the evidence in time order: with decay exponential, each day's sums are running
    sums scaled by one factor, so a trend costs about one score, not one score per point.
    """
    if config.trend_points == 0:
        return []
    days = sorted({tp.occurred_at.astimezone(UTC).date() for tp in history if tp.occurred_at <= as_of})
    ends = [
        min(datetime(d.year, d.month, d.day, tzinfo=UTC) + timedelta(days=1, microseconds=-1), as_of)
        for d in days[-config.trend_points :]
    ]
    if not ends:
        return []
    half = config.half_life_days * 86400.0
    ref = ends[-1]
    ordered = sorted((e for e in evidence if e.occurred_at <= ref), key=lambda e: e.occurred_at)
    # Running sums relative to ``ref``: x = 2 ** ((t - ref) / half) <= 1, so old items fade, never overflow.
    a = b = c = q = 0.0
    i = 0
    out = []
    for end in ends:
        while i < len(ordered) and ordered[i].occurred_at <= end:
            e = ordered[i]
            x = e.weight * 2.0 ** ((e.occurred_at - ref).total_seconds() / half)
            a, b, c, q = a + x * e.value, b + x, c + x * e.value * e.value, q + x * x
            i += 1
        f = 2.0 ** (-(end - ref).total_seconds() / half)  # ages measured from ``end``
        out.append(_point(end, f * a, f * b, f * c, f * f * q, config))
    return out


def _point(at: datetime, wv: float, w: float, wvv: float, ww: float, config: ScoringConfig) -> ScorePoint:
    """Score and interval from the decayed sums: sum(w d v), sum(w d), sum(w d v^2), sum((w d)^2)."""
    p = config.prior_weight
    total = p + w
    s = wv / total
    spread = max(wvv - 2 * s * wv + s * s * w, 0.0)  # sum(w d (v - s)^2), expanded
    variance = (spread + p * config.prior_variance) / total
    half = Z95 * math.sqrt(variance / (total**2 / (p * p + ww)))
    return ScorePoint(
        at,
        NEUTRAL + NEUTRAL * s,
        max(0.0, NEUTRAL + NEUTRAL * (s - half)),
        min(100.0, NEUTRAL + NEUTRAL * (s + half)),
    )


# --- running state: the score without re-reading the history ----------------------------------------
#
# Decay is exponential, so the score's two sums can be kept relative to a fixed reference time and
# rolled forward: with x_i = 2 ** ((t_i - ref) / half_life),
#     num = sum(w_i v_i x_i),  den = sum(w_i x_i),  and at T >= every t_i
#     s(T) = num * 2 ** (-(T - ref) / half_life) / (prior_weight + den * 2 ** (-(T - ref) / half_life))
# which is score_of exactly. A contact arriving in time order adds its items; a late arrival (older
# than the newest contact) can change the items of contacts after it (a repeat, a channel switch),
# so it makes the caller rebuild the state from the whole history.

# Rebuild before 2 ** exponent could lose the sums' precision (x 2**60 is about 10 years at 60 days).
_MAX_EXPONENT = 60.0


@dataclass(frozen=True)
class ScoreState:
    ref_ms: int
    num: float
    den: float
    last_ms: int  # the newest contact folded in
    config_key: str  # the ScoringConfig it was built with: another config rebuilds it


def config_key(config: ScoringConfig) -> str:
    """A short digest of every scoring constant."""
    return hashlib.sha256(config.model_dump_json().encode()).hexdigest()[:16]


def _ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def _half_life_ms(config: ScoringConfig) -> float:
    return config.half_life_days * 86_400_000.0


def state_of(evidence: Sequence[Evidence], last: datetime, config: ScoringConfig) -> ScoreState:
    """The running state of ``evidence`` (a customer's whole history, newest contact at ``last``)."""
    ref = _ms(last)
    return add_to_state(ScoreState(ref, 0.0, 0.0, ref, config_key(config)), evidence, last, config)


def add_to_state(state: ScoreState, items: Sequence[Evidence], last: datetime, config: ScoringConfig) -> ScoreState:
    """``state`` with ``items`` folded in; ``last`` is the newest contact among them."""
    half = _half_life_ms(config)
    num, den = state.num, state.den
    for e in items:
        x = 2.0 ** ((_ms(e.occurred_at) - state.ref_ms) / half)
        num += e.weight * e.value * x
        den += e.weight * x
    return ScoreState(state.ref_ms, num, den, max(state.last_ms, _ms(last)), state.config_key)


def state_usable(state: ScoreState | None, newest: datetime, config: ScoringConfig) -> bool:
    """Whether contacts up to ``newest``, none older than ``state.last_ms``, can be folded into ``state``."""
    if state is None or state.config_key != config_key(config):
        return False
    return abs(_ms(newest) - state.ref_ms) / _half_life_ms(config) <= _MAX_EXPONENT


def score_from_state(state: ScoreState, as_of: datetime, config: ScoringConfig) -> float:
    """The score at ``as_of`` (at or after the state's newest contact)."""
    factor = 2.0 ** (-(_ms(as_of) - state.ref_ms) / _half_life_ms(config))
    return NEUTRAL + NEUTRAL * state.num * factor / (config.prior_weight + state.den * factor)
