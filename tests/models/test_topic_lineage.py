"""Stable topic ids: matching, new and retired ids, merges that survive a refit."""

from __future__ import annotations

import numpy as np
import pytest

from models.topic_lineage import (
    CarriedTopic,
    FittedTopic,
    KnownTopic,
    carry_over,
    keyword_jaccard,
    match,
    merge,
)

DIM = 16


def unit(seed: int, base: np.ndarray | None = None, noise: float = 0.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    v = rng.normal(size=DIM) if base is None else base + noise * rng.normal(size=DIM)
    return (v / np.linalg.norm(v)).astype(np.float32)


AXES = [unit(i) for i in range(6)]
KEYWORDS = [("refund", "money"), ("card", "lost"), ("delivery", "late"), ("password", "login"), ("fee", "charge")]


def fitted(i: int, noise: float = 0.05, size: int = 10, seed: int = 100) -> FittedTopic:
    return FittedTopic(unit(seed + i, AXES[i], noise), KEYWORDS[i % len(KEYWORDS)], f"fit {i}", size)


def known(tid: int, i: int, label: str | None = None, merged_into: int | None = None) -> KnownTopic:
    return KnownTopic(tid, AXES[i], KEYWORDS[i % len(KEYWORDS)], label or f"topic {tid}", merged_into)


def test_keyword_jaccard() -> None:
    assert keyword_jaccard(["a", "b"], ["b", "c"]) == pytest.approx(1 / 3)
    assert keyword_jaccard([], []) == 0.0


def test_a_reordered_refit_keeps_every_id_and_label() -> None:
    previous = [known(10, 0, "Refunds (renamed)"), known(11, 1), known(12, 2)]
    lineage = carry_over(previous, [fitted(2), fitted(0), fitted(1)], next_id=13)
    assert [(t.id, t.label) for t in lineage.topics] == [(10, "Refunds (renamed)"), (11, "topic 11"), (12, "topic 12")]
    assert lineage.kept == (10, 11, 12) and lineage.new == () and lineage.retired == ()
    assert lineage.next_id == 13


def test_new_topics_get_fresh_ids_and_gone_ones_are_retired_never_reused() -> None:
    previous = [known(0, 0), known(1, 1), known(2, 2)]
    lineage = carry_over(previous, [fitted(0), fitted(1), fitted(3)], next_id=5)  # 2 gone, 3 is new
    assert lineage.retired == (2,)
    assert lineage.new == (5,)  # not 2 or 3: ids 3 and 4 were handed out before and retired
    assert {t.id: t.label for t in lineage.topics}[5] == "fit 3"
    assert lineage.next_id == 6


def test_an_unrelated_cluster_does_not_steal_an_id() -> None:
    assert match([known(0, 0)], [fitted(4)]) == {}


def test_first_fit_numbers_from_zero() -> None:
    lineage = carry_over([], [fitted(0), fitted(1)], next_id=0)
    assert [t.id for t in lineage.topics] == [0, 1] and lineage.new == (0, 1)


def test_a_merge_survives_a_refit_that_finds_both_halves_again() -> None:
    topics = [CarriedTopic(i, f"t{i}", KEYWORDS[i], 10, AXES[i]) for i in range(3)]
    merged = merge(topics, [1], into=0)
    assert [t.id for t in merged] == [0, 2] and merged[0].size == 20
    assert set(merged[0].keywords) == {"refund", "money"}  # as many keywords as the largest part had
    previous = [KnownTopic(t.id, t.centroid, t.keywords, t.label) for t in merged]
    previous.append(KnownTopic(1, AXES[1], KEYWORDS[1], "t1", merged_into=0))  # the alias keeps its centroid
    lineage = carry_over(previous, [fitted(0), fitted(1), fitted(2)], next_id=3)
    assert [t.id for t in lineage.topics] == [0, 2]
    assert lineage.folded == {1: 0} and lineage.new == () and lineage.retired == ()
    assert lineage.topics[0].size == 20


def test_merge_names_unknown_ids() -> None:
    topics = [CarriedTopic(0, "t0", ("a",), 1, AXES[0])]
    with pytest.raises(KeyError, match=r"no topic with id \[7\]; topic ids are \[0\]"):
        merge(topics, [7], into=0)
