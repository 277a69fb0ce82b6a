"""Training helpers: metrics, temperature, thresholds, capping, topic labels and the embedding cache."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from models.heads import softmax
from models.training.datasets import LabelledSet, stratified_holdout
from models.training.embeddings import CachedEmbedder, cache_key
from models.training.heads.data import cap_per_label
from models.training.heads.fit import fit_calibrated
from models.training.metrics import (
    expected_calibration_error,
    fit_temperature,
    fit_temperature_pooled,
    label_indices,
    oos_threshold_sweep,
    predict_with_threshold,
    threshold_for_abstention,
)
from models.training.topics.keywords import unique_labels
from models.training.train_heads import parse_only


def test_ece_is_zero_when_confidence_matches_accuracy() -> None:
    # Ten rows at confidence 0.8, eight of them right.
    proba = np.tile([0.8, 0.2], (10, 1))
    y = np.array([0] * 8 + [1] * 2)
    assert expected_calibration_error(proba, y) == pytest.approx(0.0, abs=1e-12)
    assert expected_calibration_error(proba, np.ones(10, dtype=int)) == pytest.approx(0.8)


def test_fit_temperature_recovers_the_generating_temperature() -> None:
    rng = np.random.default_rng(0)
    logits = rng.normal(scale=4.0, size=(4000, 5))
    true_t = 2.5
    p = softmax(logits / true_t)
    y = np.array([rng.choice(5, p=row) for row in p])
    assert fit_temperature(logits, y) == pytest.approx(true_t, rel=0.1)


def _sampled(rng: np.random.Generator, n: int, true_t: float) -> tuple[np.ndarray, np.ndarray]:
    logits = rng.normal(scale=4.0, size=(n, 3))
    p = softmax(logits / true_t)
    return logits, np.array([rng.choice(3, p=row) for row in p])


def test_pooled_temperature_counts_every_set_the_same() -> None:
    rng = np.random.default_rng(1)
    big, small = _sampled(rng, 6000, 1.0), _sampled(rng, 300, 3.0)
    # Rows pooled, the big set decides; sets weighted equally, the temperature lands between the two.
    rows_pooled = fit_temperature(np.vstack([big[0], small[0]]), np.concatenate([big[1], small[1]]))
    pooled = fit_temperature_pooled([big, small])
    assert rows_pooled < 1.3 and 1.3 < pooled < 2.6
    assert fit_temperature_pooled([big]) == pytest.approx(fit_temperature(*big), rel=1e-3)
    with pytest.raises(ValueError, match="at least one"):
        fit_temperature_pooled([])


def test_threshold_for_abstention_bounds_the_rate() -> None:
    top = np.linspace(0.01, 1.0, 100)
    t = threshold_for_abstention(top, 0.05)
    assert (top < t).mean() <= 0.05
    assert (top < np.nextafter(t, 2.0)).mean() > 0.05  # and it is the largest such cutoff


def test_oos_threshold_sweep_trades_accuracy_for_recall() -> None:
    # Rows 0-3 in scope and confident; rows 4-5 out of scope (index 2) with low confidence.
    proba = np.array([[0.9, 0.1], [0.1, 0.9], [0.8, 0.2], [0.7, 0.3], [0.55, 0.45], [0.4, 0.6]])
    y = np.array([0, 1, 0, 0, 2, 2])
    t, scores = oos_threshold_sweep(proba, y, oos_index=2)
    assert 0.6 < t <= 0.7
    assert scores == {"in_scope_accuracy": 1.0, "oos_recall": 1.0}
    assert predict_with_threshold(proba, t, 2).tolist() == [0, 1, 0, 0, 2, 2]


def test_label_indices_names_unknown_labels() -> None:
    assert label_indices(["b", "a"], ("a", "b")).tolist() == [1, 0]
    with pytest.raises(ValueError, match="'z'"):
        label_indices(["z"], ("a", "b"))


def test_cap_per_label_is_deterministic_and_keeps_order() -> None:
    data = LabelledSet([f"t{i}" for i in range(30)], ["a"] * 20 + ["b"] * 10)
    capped = cap_per_label(data, 5, seed=3)
    assert Counter(capped.labels) == {"a": 5, "b": 5}
    assert capped == cap_per_label(data, 5, seed=3)
    assert capped.texts == sorted(capped.texts, key=lambda t: int(t[1:]))


def test_stratified_holdout_keeps_every_label() -> None:
    data = LabelledSet([f"t{i}" for i in range(100)], ["a", "b", "c", "d"] * 25)
    train, dev = stratified_holdout(data, fraction=0.2, seed=1)
    assert (len(train), len(dev)) == (80, 20)
    assert Counter(dev.labels) == {"a": 5, "b": 5, "c": 5, "d": 5}
    assert not set(train.texts) & set(dev.texts)


def test_fit_calibrated_on_separable_synthetic_data() -> None:
    rng = np.random.default_rng(0)
    centers = np.eye(3, 8) * 3
    y = rng.integers(0, 3, size=300)
    x = (centers[y] + rng.normal(scale=0.5, size=(300, 8))).astype(np.float32)
    labels = ("neg", "neu", "pos")
    names = [labels[i] for i in y]
    fit = fit_calibrated(labels, x[:200], names[:200], x[200:], names[200:], seed=0, c_grid=(0.1, 1.0))
    assert fit.after["accuracy"] > 0.95
    assert fit.after["nll"] <= fit.before["nll"] + 1e-9
    assert fit.weight.shape == (3, 8)
    again = fit_calibrated(labels, x[:200], names[:200], x[200:], names[200:], seed=0, c_grid=(0.1, 1.0))
    np.testing.assert_array_equal(fit.weight, again.weight)


def test_parse_only_rejects_unknown_heads() -> None:
    assert parse_only("sentiment, clinc150") == ["sentiment", "clinc150"]
    with pytest.raises(SystemExit, match="Valid heads are"):
        parse_only("sentiment,tweets")


def test_unique_labels_extend_on_collision() -> None:
    labels = unique_labels([["card", "lost", "stolen", "bank"], ["card", "lost", "stolen", "pin"], ["a"]], 3)
    assert labels == ["card / lost / stolen", "card / lost / stolen / pin", "a"]


class CountingEncoder:
    name = "fake"
    version = "v0"
    dim = 4

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        return np.array([[len(t), 1.0, 0.0, 0.0] for t in texts], dtype=np.float32)


def test_embedding_cache_hits_on_repeat_and_keeps_row_order(tmp_path: Path) -> None:
    encoder = CountingEncoder()
    embedder = CachedEmbedder(cache_dir=tmp_path, encoder_factory=lambda: encoder, encoder_id="fake.v0")
    texts = ["ccc", "a", "bb"]
    first = embedder.embed(texts)
    assert first[:, 0].tolist() == [3.0, 1.0, 2.0]  # length-sorted internally, returned in input order
    second = embedder.embed(texts)
    np.testing.assert_array_equal(first, second)
    assert (embedder.hits, embedder.misses, encoder.calls) == (1, 1, 1)
    assert cache_key(texts, "fake.v0") != cache_key(texts, "fake.v1") != cache_key(texts[::-1], "fake.v1")


def test_oos_threshold_sweep_with_a_recall_target_keeps_in_scope_accuracy() -> None:
    # Two in-scope rows (one confident, one unsure) and three OOS rows of different confidence.
    proba = np.array([[0.9, 0.1, 0.0], [0.55, 0.45, 0.0], [0.6, 0.4, 0.0], [0.58, 0.42, 0.0], [0.5, 0.5, 0.0]])
    y = np.array([0, 0, 2, 2, 2])
    t, scores = oos_threshold_sweep(proba, y, oos_index=2, min_oos_recall=0.3)
    # The lowest cutoff reaching a third of OOS rows (0.51) keeps both in-scope rows.
    assert t == pytest.approx(0.51)
    assert scores["in_scope_accuracy"] == 1.0 and scores["oos_recall"] == pytest.approx(1 / 3)
    # The sum rule trades the unsure in-scope row for all OOS rows (0.5 + 1.0 > 1.0 + 1/3).
    t_sum, scores_sum = oos_threshold_sweep(proba, y, oos_index=2)
    assert t_sum == pytest.approx(0.61) and scores_sum == {"in_scope_accuracy": 0.5, "oos_recall": 1.0}
