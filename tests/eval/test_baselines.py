"""Baselines: VADER's label rule and restriction, logreg's abstention threshold."""

from __future__ import annotations

import numpy as np
import pytest

from eval.baselines import IN_SCOPE_ABSTAIN_RATE, SEED, LogRegBaseline, VaderBaseline, _holdout, vader_label


@pytest.mark.parametrize(
    ("compound", "keep", "label"),
    [
        (0.05, ("negative", "neutral", "positive"), "positive"),
        (0.0499, ("negative", "neutral", "positive"), "neutral"),
        (-0.05, ("negative", "neutral", "positive"), "negative"),
        (-0.0499, ("negative", "neutral", "positive"), "neutral"),
        (0.01, ("negative", "positive"), "positive"),  # neutral not scored: the sign decides
        (0.0, ("negative", "positive"), "positive"),
        (-0.01, ("negative", "positive"), "negative"),
        (0.8, ("negative", "neutral"), "neutral"),
        (-0.8, ("neutral", "positive"), "neutral"),
    ],
)
def test_vader_label(compound, keep, label):
    assert vader_label(compound, keep) == label


def test_vader_baseline_on_clear_texts_has_no_probabilities():
    preds = VaderBaseline().predict(
        ["I love it, great job!", "This is awful and I hate it.", "The box."], keep=("negative", "neutral", "positive")
    )
    assert preds.labels == ["positive", "negative", "neutral"]
    assert preds.proba is None


def _blobs(rng, centres, n, noise=0.05):
    x = np.vstack([c + noise * rng.normal(size=(n, c.size)) for c in centres])
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_logreg_without_oos_rows_lets_five_percent_of_held_out_rows_abstain():
    rng = np.random.default_rng(0)
    centres = np.eye(8)[:4]
    # Overlapping blobs, so top probabilities spread out and the 5% cutoff is not pinned near 1.
    x = _blobs(rng, centres, 500, noise=0.35).astype(np.float32)
    labels = [lab for lab in "abcd" for _ in range(500)]
    fresh = _blobs(rng, centres, 1000, noise=0.35).astype(np.float32)  # new in-scope rows, same distribution
    _, cal_idx = _holdout(np.asarray(labels, dtype=object), SEED)  # the rows the threshold was calibrated on
    pool = np.vstack([x[cal_idx], fresh])
    model = LogRegBaseline(x, labels, encode=lambda texts: pool[[int(t) for t in texts]])
    assert model.threshold_rule.startswith(f"at most {IN_SCOPE_ABSTAIN_RATE:.0%}")
    assert 0 < model.threshold < 1

    # On the held-out calibration rows the rule is exact: the cutoff is the (floor(5% * n) + 1)-th smallest top
    # probability, so floor(5% * n) rows (10 of 200, i.e. 5.0%) fall strictly below it.
    held_out = model.predict([str(i) for i in range(len(cal_idx))])
    assert len(cal_idx) == 200
    assert sum(label == "out_of_scope" for label in held_out.labels) == 10

    # On fresh rows the rate is only ~5%: the share of the distribution below the 11th smallest of 200 draws is
    # Beta(11, 190) (mean 5.5%, 99% interval 2.2%-10.4%), and 4000 rows add ~0.4% binomial noise. (This seed: 7.7%.)
    preds = model.predict([str(i) for i in range(len(cal_idx), len(pool))])
    rate = np.mean(np.asarray(preds.labels) == "out_of_scope")
    assert 0.02 <= rate <= 0.11, rate
    assert preds.classes == ("a", "b", "c", "d")
    assert set(preds.labels) <= {"a", "b", "c", "d", "out_of_scope"}
    assert np.allclose(preds.oos_score, 1 - preds.proba.max(axis=1))


def test_logreg_with_oos_rows_trains_the_class_and_abstains_on_them():
    rng = np.random.default_rng(1)
    centres = np.eye(8)[:4]
    x = _blobs(rng, centres, 60)
    labels = ["a"] * 60 + ["b"] * 60 + ["c"] * 60 + ["out_of_scope"] * 60
    model = LogRegBaseline(x, labels, encode=lambda texts: _blobs(rng, centres[[3, 0]], len(texts) // 2))
    assert "out_of_scope" in model.classes
    assert model.threshold_rule.startswith("maximises")
    preds = model.predict(["t"] * 20)
    assert preds.labels[:10] == ["out_of_scope"] * 10
    assert preds.labels[10:] == ["a"] * 10
    assert model.describe()["train_rows"] == 240


def test_logreg_needs_two_in_scope_labels():
    with pytest.raises(ValueError, match="at least 2 in-scope labels"):
        LogRegBaseline(np.eye(3), ["a", "out_of_scope", "a"], encode=lambda t: np.eye(3))
