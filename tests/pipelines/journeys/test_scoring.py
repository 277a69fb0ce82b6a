"""The experience score: the formula in docs/scoring.md, drivers, interval, decay, effort evidence."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from pipelines.enrichment.domain import Channel
from pipelines.journeys.domain import Component, Outcome
from pipelines.journeys.scoring import (
    NEUTRAL,
    ScoringConfig,
    decay,
    evidence_of,
    experience_score,
)
from tests.pipelines.journey_builders import T0, tp

CONFIG = ScoringConfig()


def test_no_evidence_is_neutral_with_the_widest_interval():
    score = experience_score("c1", [tp("a")], as_of=T0)
    assert score.score == NEUTRAL
    assert score.evidence_count == 0 and score.touchpoint_count == 1
    # s = 0, variance = prior variance, effective n = 1: 50 +- 50 * 1.96 * 0.5
    assert score.low == pytest.approx(50 - 50 * 1.959964 * 0.5)
    assert score.high == pytest.approx(50 + 50 * 1.959964 * 0.5)


def test_one_sentiment_item_follows_the_formula():
    score = experience_score("c1", [tp("a", sentiment=-0.8)], as_of=T0)
    # s = w v / (prior + w) = -0.8 / 2
    assert score.score == pytest.approx(50 + 50 * (-0.8 / 2))


@pytest.mark.parametrize(
    "history",
    [
        [tp("a", sentiment=-0.6, intent="card_lost"), tp("b", days=1, sentiment=0.4, outcome=Outcome.RESOLVED)],
        [
            tp("a", sentiment=-0.9, intent="refund", topics=("billing", "fees"), corrections=1, customer_turns=3),
            tp("b", days=2, channel=Channel.CALL, intent="refund", outcome=Outcome.TRANSFERRED, hold=900),
            tp("c", days=3, rating=0.2),
        ],
    ],
)
def test_drivers_of_every_dimension_sum_to_the_deviation_from_neutral(history):
    score = experience_score("c1", history, as_of=T0 + timedelta(days=5))
    for dimension in ("component", "reason", "touchpoint", "intent", "topic"):
        total = sum(d.points for d in score.drivers if d.dimension == dimension)
        assert total == pytest.approx(score.score - NEUTRAL, abs=1e-9), dimension


def test_drivers_are_sorted_by_size_and_name_the_touchpoint_that_hurt():
    history = [tp("small", sentiment=0.1), tp("big", days=1, sentiment=-0.9)]
    score = experience_score("c1", history, as_of=T0 + timedelta(days=1))
    by_tp = [d for d in score.drivers if d.dimension == "touchpoint"]
    assert [d.key for d in by_tp] == ["big", "small"]
    assert by_tp[0].points < 0 < by_tp[1].points


def test_a_survey_rating_dominates_inferred_sentiment():
    history = [tp("chat", sentiment=-0.5), tp("survey", days=0.1, rating=1.0)]
    score = experience_score("c1", history, as_of=T0 + timedelta(days=1))
    assert score.score > 70
    component = {d.key: d.points for d in score.drivers if d.dimension == "component"}
    assert component["rating"] > 4 * abs(component["sentiment"])


def test_recency_decay_halves_weight_each_half_life():
    assert decay(timedelta(days=30), 30) == pytest.approx(0.5)
    assert decay(timedelta(days=60), 30) == pytest.approx(0.25)
    assert decay(-timedelta(days=1), 30) == 1.0
    old, new = [tp("a", sentiment=-1.0)], [tp("a", days=60, sentiment=-1.0)]
    as_of = T0 + timedelta(days=60)
    # the same complaint 60 days ago moves the score less than today
    assert experience_score("c1", old, as_of=as_of).score > experience_score("c1", new, as_of=as_of).score


def test_half_life_is_configurable():
    history = [tp("a", sentiment=-1.0)]
    as_of = T0 + timedelta(days=30)
    short = experience_score("c1", history, as_of=as_of, config=ScoringConfig(half_life_days=1))
    long = experience_score("c1", history, as_of=as_of, config=ScoringConfig(half_life_days=365))
    assert short.score > long.score and short.half_life_days == 1


def test_interval_narrows_as_evidence_accumulates():
    one = experience_score("c1", [tp("a", sentiment=-0.5)], as_of=T0)
    many = experience_score("c1", [tp(f"t{i}", sentiment=-0.5) for i in range(20)], as_of=T0)
    assert (many.high - many.low) < (one.high - one.low) / 2
    assert many.low <= many.score <= many.high


def test_future_touchpoints_are_ignored_by_an_earlier_as_of():
    history = [tp("a", sentiment=0.5), tp("b", days=10, sentiment=-1.0)]
    score = experience_score("c1", history, as_of=T0 + timedelta(days=1))
    assert score.touchpoint_count == 1 and score.score > NEUTRAL


def test_effort_evidence():
    history = [
        tp("a", intent="card_lost", outcome=Outcome.UNRESOLVED),
        tp("b", days=1, channel=Channel.CALL, intent="card_lost", outcome=Outcome.TRANSFERRED, hold=600, handle=1500),
        tp("c", days=30, channel=Channel.EMAIL, intent="card_lost"),  # outside the repeat window
    ]
    reasons = [(e.touchpoint_id, e.reason) for e in evidence_of(history, CONFIG)]
    assert ("b", "repeat contact for card_lost") in reasons
    assert ("b", "channel switch chat to call") in reasons
    assert ("b", "transferred") in reasons
    assert ("b", "long hold") in reasons and ("b", "long handle time") in reasons
    assert ("a", "outcome unresolved") in reasons
    assert not [r for t, r in reasons if t == "c"]


def test_no_channel_switch_after_a_resolved_contact():
    history = [tp("a", outcome=Outcome.RESOLVED), tp("b", days=1, channel=Channel.CALL)]
    assert not [e for e in evidence_of(history, CONFIG) if e.component == Component.EFFORT]


def test_agent_inability_is_an_inferred_unresolved_outcome_only_without_an_outcome():
    inferred = evidence_of([tp("a", agent_failures=1, agent_turns=4)], CONFIG)
    assert [(e.component, e.reason, e.value) for e in inferred] == [
        (Component.OUTCOME, "agent could not help", pytest.approx(-0.25))
    ]
    explicit = evidence_of([tp("a", agent_failures=1, agent_turns=4, outcome=Outcome.RESOLVED)], CONFIG)
    assert [e.reason for e in explicit] == ["outcome resolved"]


def test_trend_has_one_point_per_day_with_touchpoints_and_ends_at_the_score():
    history = [tp("a", sentiment=0.8), tp("b", days=1, sentiment=-0.8), tp("c", days=1.1, sentiment=-0.8)]
    as_of = T0 + timedelta(days=3)
    score = experience_score("c1", history, as_of=as_of)
    assert len(score.trend) == 2
    assert score.trend[0].score > NEUTRAL > score.trend[1].score
    assert all(p.low <= p.score <= p.high for p in score.trend)


def test_score_stays_in_bounds_for_extreme_evidence():
    history = [tp(f"t{i}", sentiment=-1.0, rating=0.0, outcome=Outcome.CANCELLATION) for i in range(50)]
    score = experience_score("c1", history, as_of=T0)
    assert 0.0 <= score.low <= score.score <= score.high <= 100.0
    assert math.isfinite(score.score)


def test_corrections_are_effort_in_proportion_to_the_customer_turns():
    items = evidence_of([tp("a", corrections=2, customer_turns=8)], CONFIG)
    assert [(e.component, e.reason, e.value) for e in items] == [
        (Component.EFFORT, "customer corrected the agent", pytest.approx(-0.25))
    ]
    assert not evidence_of([tp("a", corrections=0, customer_turns=8)], CONFIG)


def test_one_pass_trend_equals_a_full_score_at_each_point():
    from pipelines.journeys.scoring import score_of, trend_of

    history = [
        tp(f"t{i}", days=i * 1.7, sentiment=(-1) ** i * 0.3 * (i % 4), rating=0.9 if i % 5 == 0 else None)
        for i in range(30)
    ]
    as_of = T0 + timedelta(days=60)
    evidence = evidence_of(history, CONFIG)
    for point in trend_of(history, evidence, as_of, CONFIG):
        score, low, high, _ = score_of(evidence, point.at, CONFIG)
        assert (point.score, point.low, point.high) == pytest.approx((score, low, high), abs=1e-9)


def test_estimated_satisfaction_is_its_own_component_with_its_own_weight():
    items = evidence_of([tp("a", satisfaction=-0.5)], CONFIG)
    assert [(e.component, e.reason, e.value, e.weight) for e in items] == [
        (Component.SATISFACTION, "estimated satisfaction", -0.5, CONFIG.satisfaction_weight)
    ]
    score = experience_score("c1", [tp("a", satisfaction=-0.5)], as_of=T0)
    w = CONFIG.satisfaction_weight
    assert score.score == pytest.approx(50 + 50 * (w * -0.5) / (1 + w))
    off = ScoringConfig(satisfaction_weight=0.0)
    assert not evidence_of([tp("a", satisfaction=-0.5)], off)
