"""Friction analytics: which intents, topics, channels and contact sequences precede score drops,
repeat contacts or abandonment, ranked by their impact, with a significance figure.

Input is each customer's full touchpoint history (oldest first, as the journey store returns it).
Only touchpoints with ``occurred_at`` in ``[start, end)`` are *exposures*; earlier touchpoints only
feed the scores, and later ones only serve as the repeat contacts of exposures near ``end``.

Score change
    ``evidence_of`` runs once per customer. At touchpoint ``i`` (time ``t``), the score *before*
    is ``score_of`` over the evidence of touchpoints ``0 .. i-1`` and the score *after* over that
    of ``0 .. i``, both as of ``t`` (same decay), so ``change = after - before`` is exactly what
    this touchpoint's own evidence did to the score. Touchpoints at the same instant count in
    history order.

Effects of an exposure
    ``score_drop``      ``change <= -score_drop_points``.
    ``repeat_contact``  with an intent: a later touchpoint of the customer with the same intent
                        within ``repeat_window_days``; without one: the outcome is unresolved,
                        abandoned, transferred or callback and the next touchpoint (any intent,
                        any channel) is within ``repeat_window_days``.
    ``abandonment``     the outcome is ``abandoned``.
    The *event change* is the touchpoint's change; for ``repeat_contact`` plus the change at the
    (first) repeat contact, since that is where scoring charges the repeat.

Factors of an exposure
    ``intent``    its intent (none when empty).
    ``topic``     each of its topics.
    ``channel``   its channel (none when unspecified).
    ``sequence``  ``"A>B"`` (``"A>B>C"`` ... up to ``max_sequence`` channels) when the previous
                  touchpoints were on channels A (then B ...) each within ``repeat_window_days``
                  of the next, and ``"channel:outcome"`` (e.g. ``"ivr:transferred"``) when the
                  outcome is set. ``channel:outcome`` pairs are not tested against abandonment,
                  which is an outcome itself (the test would be a tautology).

Statistics per (factor, effect)
    exposed touchpoints ``n1`` of which ``x1`` had the effect, against the baseline: the other
    ``n0`` exposures of the period, ``x0`` with the effect. ``event_rate = x1 / n1``,
    ``baseline_rate = x0 / n0``. ``mean_score_change`` is the mean change over the ``n1``
    exposures, ``mean_event_change`` the mean event change over the ``x1``, and
    ``impact = affected_customers * mean_event_change`` where ``affected_customers`` are the
    customers with at least one of the ``x1``: negative is harm; factors are ranked by impact
    ascending (most harmful first), ties by dimension, key and effect.
    ``p_value`` is a one-sided test of ``event_rate > baseline_rate``: Fisher's exact test when an
    expected cell of the 2x2 table is below 5, a pooled two-proportion z-test otherwise.
    A factor is *compared* only when it has a comparison group: at least ``min_customers`` of the
    period's customers were exposed to it and at least ``min_unexposed_customers`` were not (a factor
    every customer shares, like ``channel chat`` in a month where everybody chatted, has nobody to be
    compared with: its "baseline" would be the same customers' other touchpoints, and it would
    inherit whatever those customers went through). The others are listed in ``skipped`` with the
    reason, never tested. A (factor, effect) pair is *tested* when the factor is compared and the
    effect occurs in the period; ``significant``
    is ``p_value < alpha / tests`` (Bonferroni over every tested pair). Reported factors are the
    tested pairs with at least one exposed event, at most ``top``.
    Caveat: exposures are treated as independent trials, although one customer's contacts are
    not; a factor concentrated on a few very active customers looks more significant than it is
    (``min_customers`` guards against the worst of it).

Limits
    Scoring touchpoint ``i`` reads the evidence of the touchpoints before it, so one customer costs
    O(n^2) in its touchpoints. Two bounds keep that in hand: per customer at most ``max_history``
    touchpoints before ``end`` are read (the newest; older ones are dropped before scoring, and
    exposures among them are not analysed), plus those within ``repeat_window_days`` after ``end``
    (as repeat contacts only); and evidence older than ``HORIZON_HALF_LIVES`` half-lives at the
    touchpoint (decayed weight below 1e-12) is left out of its scores, which moves no score by
    more than about 1e-6 points. The default ``max_history`` of 500 keeps a customer with 1000
    touchpoints under about a second.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from pipelines.enrichment.domain import Channel
from pipelines.journeys.domain import Evidence, Outcome, StoredTouchpoint
from pipelines.journeys.scoring import ScoringConfig, evidence_of, score_of
from pipelines.topics.trends import two_proportion_z_test

DIMENSIONS = ("intent", "topic", "channel", "sequence")
EFFECTS = ("score_drop", "repeat_contact", "abandonment")
# Evidence older than this many half-lives (weight below 1e-12) is left out of the score: no visible change.
HORIZON_HALF_LIVES = 40
_OPEN = {Outcome.UNRESOLVED, Outcome.ABANDONED, Outcome.TRANSFERRED, Outcome.CALLBACK}


class FrictionConfig(BaseModel):
    """The knobs of the friction analysis (see the module docstring)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # A touchpoint drops the score when its change (after - before) is at most -score_drop_points.
    score_drop_points: float = Field(default=5.0, gt=0)
    # Window of a repeat contact, and of consecutive touchpoints forming a channel sequence.
    repeat_window_days: float = Field(default=7.0, gt=0)
    # Factors with fewer exposed customers are neither tested nor reported.
    min_customers: int = Field(default=3, ge=1)
    # ... nor those with fewer customers of the period never exposed to them (no comparison group).
    min_unexposed_customers: int = Field(default=5, ge=1)
    # Significance level, Bonferroni-corrected over the tested (factor, effect) pairs.
    alpha: float = Field(default=0.05, gt=0, lt=1)
    top: int = Field(default=20, ge=0)
    # Longest channel sequence ("chat>call" is 2); 1 keeps only the "channel:outcome" pairs.
    max_sequence: int = Field(default=2, ge=1, le=6)
    # Touchpoints per customer read before `end` (the newest): bounds the O(n^2) scoring.
    max_history: int = Field(default=500, ge=1)


@dataclass(frozen=True)
class FrictionFactor:
    """One factor's association with one effect over the period."""

    dimension: str  # "intent" | "topic" | "channel" | "sequence"
    key: str  # e.g. "card_declined", "chat>call", "ivr:transferred"
    effect: str  # "score_drop" | "repeat_contact" | "abandonment"
    customers: int  # customers with at least one exposed touchpoint
    affected_customers: int  # customers with at least one exposed touchpoint that had the effect
    touchpoints: int  # exposed touchpoints (n1)
    events: int  # exposed touchpoints that had the effect (x1)
    event_rate: float  # x1 / n1
    baseline_rate: float  # the same share among the period's other touchpoints
    mean_score_change: float  # mean (after - before) over the exposed touchpoints
    mean_event_change: float  # mean event change over the exposed touchpoints with the effect
    impact: float  # affected_customers * mean_event_change; negative is harm
    p_value: float  # one-sided, event_rate > baseline_rate
    significant: bool  # p_value < alpha / tests


@dataclass(frozen=True)
class SkippedFactor:
    """A factor seen in the period but not compared: too few customers exposed, or too few not exposed."""

    dimension: str
    key: str
    customers: int  # customers with at least one exposed touchpoint
    unexposed_customers: int  # the period's other customers: the comparison group
    reason: str  # "too_few_exposed" | "too_few_unexposed"


@dataclass(frozen=True)
class FrictionReport:
    start: datetime | None
    end: datetime | None
    customers: int  # customers with at least one touchpoint in the period
    touchpoints: int  # touchpoints in the period
    events: Mapping[str, int] = field(default_factory=dict)  # effect -> touchpoints with it
    factors: tuple[FrictionFactor, ...] = ()  # most harmful first, at most config.top
    tests: int = 0  # (factor, effect) pairs tested: the Bonferroni divisor
    # Factors not compared, most customers first (ties by dimension, key): see the module docstring.
    skipped: tuple[SkippedFactor, ...] = ()


@dataclass(frozen=True)
class _Exposure:
    customer: str
    factors: tuple[tuple[str, str], ...]
    change: float
    effects: Mapping[str, float]  # effect -> event change


@dataclass
class _Tally:
    customers: set[str] = field(default_factory=set)
    touchpoints: int = 0
    change: float = 0.0


@dataclass
class _EventTally:
    customers: set[str] = field(default_factory=set)
    events: int = 0
    change: float = 0.0


def analyze_friction(
    histories: Mapping[str, Sequence[StoredTouchpoint]],
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    scoring: ScoringConfig | None = None,
    config: FrictionConfig | None = None,
) -> FrictionReport:
    """Factors preceding score drops, repeat contacts and abandonment in ``[start, end)``, most harmful first."""
    # model_validate, not ScoringConfig(): its positional Field defaults are invisible to mypy without the plugin.
    scoring = scoring or ScoringConfig.model_validate({})
    config = config or FrictionConfig()
    exposures: list[_Exposure] = []
    for customer in sorted(histories):
        exposures += _exposures_of(customer, histories[customer], start, end, scoring, config)

    events = {e: sum(e in x.effects for x in exposures) for e in EFFECTS}
    tallies: dict[tuple[str, str], _Tally] = defaultdict(_Tally)
    event_tallies: dict[tuple[str, str, str], _EventTally] = defaultdict(_EventTally)
    for x in exposures:
        for factor in x.factors:
            t = tallies[factor]
            t.customers.add(x.customer)
            t.touchpoints += 1
            t.change += x.change
            for effect, change in x.effects.items():
                et = event_tallies[(*factor, effect)]
                et.customers.add(x.customer)
                et.events += 1
                et.change += change

    total = len(exposures)
    population = len({x.customer for x in exposures})
    tested: list[tuple[str, str, str]] = []
    skipped: list[SkippedFactor] = []
    for (dimension, key), t in tallies.items():
        exposed, unexposed = len(t.customers), population - len(t.customers)
        if exposed < config.min_customers or unexposed < config.min_unexposed_customers:
            reason = "too_few_exposed" if exposed < config.min_customers else "too_few_unexposed"
            skipped.append(SkippedFactor(dimension, key, exposed, unexposed, reason))
            continue
        tested += [(dimension, key, e) for e in EFFECTS if events[e] and _applies(dimension, key, e)]
    skipped.sort(key=lambda f: (-f.customers, DIMENSIONS.index(f.dimension), f.key))
    found = []
    for dimension, key, effect in tested:
        hits = event_tallies.get((dimension, key, effect))
        if hits is None:
            continue
        t = tallies[(dimension, key)]
        n1, x1 = t.touchpoints, hits.events
        n0, x0 = total - n1, events[effect] - x1
        p_value = _p_value(x1, n1, x0, n0)
        mean_event_change = hits.change / x1
        found.append(
            FrictionFactor(
                dimension=dimension,
                key=key,
                effect=effect,
                customers=len(t.customers),
                affected_customers=len(hits.customers),
                touchpoints=n1,
                events=x1,
                event_rate=x1 / n1,
                baseline_rate=x0 / n0,
                mean_score_change=t.change / n1,
                mean_event_change=mean_event_change,
                impact=len(hits.customers) * mean_event_change,
                p_value=p_value,
                significant=p_value < config.alpha / len(tested),
            )
        )
    found.sort(key=lambda f: (f.impact, DIMENSIONS.index(f.dimension), f.key, EFFECTS.index(f.effect)))
    return FrictionReport(
        start=start,
        end=end,
        customers=population,
        touchpoints=total,
        events=events,
        factors=tuple(found[: config.top]),
        tests=len(tested),
        skipped=tuple(skipped),
    )


def _applies(dimension: str, key: str, effect: str) -> bool:
    """Whether a factor is tested against an effect: "channel:outcome" pairs are not tested against abandonment."""
    return not (effect == "abandonment" and dimension == "sequence" and ":" in key)


def _exposures_of(
    customer: str,
    history: Sequence[StoredTouchpoint],
    start: datetime | None,
    end: datetime | None,
    scoring: ScoringConfig,
    config: FrictionConfig,
) -> list[_Exposure]:
    """One customer's touchpoints in ``[start, end)`` with their factors, score change and effects."""
    window = timedelta(days=config.repeat_window_days)
    tps = sorted(history, key=lambda tp: tp.occurred_at)  # stable: same-instant touchpoints keep their order
    if end is None:
        tps = tps[-config.max_history :]
    else:
        before_end = [tp for tp in tps if tp.occurred_at < end][-config.max_history :]
        tps = before_end + [tp for tp in tps if end <= tp.occurred_at <= end + window]
    if not any(_in_range(tp, start, end) for tp in tps):
        return []
    evidence = evidence_of(tps, scoring)
    bounds = _bounds(tps, evidence)
    times = [e.occurred_at for e in evidence]
    horizon = timedelta(days=HORIZON_HALF_LIVES * scoring.half_life_days)
    changes: dict[int, float] = {}

    def change(i: int) -> float:
        if i not in changes:
            at = tps[i].occurred_at
            lo = bisect_left(times, at - horizon)
            before = score_of(evidence[lo : bounds[i]], at, scoring)[0]
            after = score_of(evidence[lo : bounds[i + 1]], at, scoring)[0]
            changes[i] = after - before
        return changes[i]

    out = []
    for i, tp in enumerate(tps):
        if not _in_range(tp, start, end):
            continue
        effects: dict[str, float] = {}
        if change(i) <= -config.score_drop_points:
            effects["score_drop"] = change(i)
        repeat = _repeat_of(tps, i, window)
        if repeat is not None:
            effects["repeat_contact"] = change(i) + change(repeat)
        if tp.outcome == Outcome.ABANDONED:
            effects["abandonment"] = change(i)
        out.append(_Exposure(customer, _factors_of(tps, i, window, config.max_sequence), change(i), effects))
    return out


def _in_range(tp: StoredTouchpoint, start: datetime | None, end: datetime | None) -> bool:
    return (start is None or tp.occurred_at >= start) and (end is None or tp.occurred_at < end)


def _bounds(tps: Sequence[StoredTouchpoint], evidence: Sequence[Evidence]) -> list[int]:
    """``bounds[i]``: how many evidence items belong to touchpoints before ``i`` (evidence_of keeps history order)."""
    bounds = [0]
    k = 0
    for tp in tps:
        while k < len(evidence) and evidence[k].touchpoint_id == tp.id and evidence[k].occurred_at == tp.occurred_at:
            k += 1
        bounds.append(k)
    return bounds


def _repeat_of(tps: Sequence[StoredTouchpoint], i: int, window: timedelta) -> int | None:
    """Index of the repeat contact that follows touchpoint ``i``, if any (see the module docstring)."""
    tp = tps[i]
    intent = tp.signals.intent
    for j in range(i + 1, len(tps)):
        if tps[j].occurred_at - tp.occurred_at > window:
            return None
        if not intent:
            return j if tp.outcome in _OPEN else None
        if tps[j].signals.intent == intent:
            return j
    return None


def _factors_of(
    tps: Sequence[StoredTouchpoint], i: int, window: timedelta, max_sequence: int
) -> tuple[tuple[str, str], ...]:
    """The (dimension, key) factors on touchpoint ``i``."""
    tp = tps[i]
    factors = []
    if tp.signals.intent:
        factors.append(("intent", tp.signals.intent))
    factors += [("topic", topic) for topic in sorted(set(tp.signals.topics)) if topic]
    if tp.channel != Channel.UNSPECIFIED:
        factors.append(("channel", tp.channel.value))
        chain = [tp.channel.value]
        j = i
        while len(chain) < max_sequence and j > 0:
            earlier = tps[j - 1]
            if earlier.channel == Channel.UNSPECIFIED or tps[j].occurred_at - earlier.occurred_at > window:
                break
            chain.insert(0, earlier.channel.value)
            factors.append(("sequence", ">".join(chain)))
            j -= 1
        if tp.outcome != Outcome.UNSPECIFIED:
            factors.append(("sequence", f"{tp.channel.value}:{tp.outcome.value}"))
    return tuple(factors)


def _p_value(x1: int, n1: int, x0: int, n0: int) -> float:
    """One-sided p-value of x1/n1 > x0/n0: Fisher's exact test when an expected cell is below 5, else a z-test."""
    total, hits = n1 + n0, x1 + x0
    expected = (n1 * hits / total, n1 * (total - hits) / total, n0 * hits / total, n0 * (total - hits) / total)
    if min(expected) < 5:
        # Imported here: scipy.stats costs about a second to import, and every `journeymine` command (the
        # container's `journeymine health` check among them) imports this module through service.config.
        from scipy.stats import fisher_exact

        result = fisher_exact([[x1, n1 - x1], [x0, n0 - x0]], alternative="greater")
        return float(result.pvalue)
    return two_proportion_z_test(x1, n1, x0, n0)[1]
