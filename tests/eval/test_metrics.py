"""Metrics against values computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from eval.metrics import (
    Predictions,
    argmax_accuracy,
    calibration,
    classification_scores,
    headline,
    oos_scores,
    slice_scores,
)
from models.training.metrics import expected_calibration_error, reliability_bins


def test_classification_scores_by_hand():
    gold = ["a", "a", "a", "b", "b", "c"]
    pred = ["a", "a", "b", "b", "c", "c"]
    s = classification_scores(gold, pred)
    assert s["accuracy"] == pytest.approx(4 / 6)
    # a: P=1, R=2/3, F1=0.8; b: P=1/2, R=1/2, F1=1/2; c: P=1/2, R=1, F1=2/3
    assert s["per_class"]["a"] == pytest.approx({"precision": 1.0, "recall": 2 / 3, "f1": 0.8, "support": 3})
    assert s["per_class"]["b"] == pytest.approx({"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2})
    assert s["per_class"]["c"] == pytest.approx({"precision": 0.5, "recall": 1.0, "f1": 2 / 3, "support": 1})
    assert s["macro_f1"] == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)
    assert s["macro_recall"] == pytest.approx((2 / 3 + 0.5 + 1.0) / 3)
    assert s["confusion"] == {"labels": ["a", "b", "c"], "matrix": [[2, 1, 0], [0, 1, 1], [0, 0, 1]]}


def test_macro_recall_averages_gold_labels_only_macro_f1_counts_predicted_only_labels():
    s = classification_scores(["a", "a", "b", "b"], ["a", "z", "b", "b"])
    assert s["macro_recall"] == pytest.approx((0.5 + 1.0) / 2)  # z is never gold
    assert s["macro_f1"] == pytest.approx((2 / 3 + 1.0 + 0.0) / 3)  # z counts, with F1 0


def test_calibration_bins_and_ece_by_hand():
    # Rows: confidence 0.9 right, 0.9 wrong, 0.6 right, 0.55 right (two 2-class rows per bin pair).
    proba = np.array([[0.9, 0.1], [0.9, 0.1], [0.4, 0.6], [0.55, 0.45]])
    gold = ["x", "y", "y", "x"]
    c = calibration(proba, ("x", "y"), gold)
    bins = {round(b["lower"], 4): b for b in c["reliability"] if b["count"]}
    # 15 bins of width 1/15: 0.9 -> (0.8667, 0.9333]; 0.6 -> (0.5333, 0.6]; 0.55 -> (0.5333, 0.6]
    assert len(c["reliability"]) == 15
    assert bins[round(13 / 15, 4)]["count"] == 2 and bins[round(13 / 15, 4)]["accuracy"] == 0.5
    assert bins[round(8 / 15, 4)]["count"] == 2 and bins[round(8 / 15, 4)]["confidence"] == pytest.approx(0.575)
    # ECE = 2/4 * |0.5 - 0.9| + 2/4 * |1.0 - 0.575|
    assert c["ece"] == pytest.approx(0.5 * 0.4 + 0.5 * 0.425)
    assert c["ece_rows"] == 4


def test_calibration_leaves_out_gold_labels_without_a_column():
    proba = np.array([[0.8, 0.2], [0.3, 0.7]])
    c = calibration(proba, ("x", "y"), ["x", "out_of_scope"])
    assert c["ece_rows"] == 1
    assert c["ece"] == pytest.approx(0.2)


def _old_ece(proba, y, n_bins=15):
    """The implementation models/training/metrics.py had before the reliability bins were factored out."""
    confidence = proba.max(axis=1)
    correct = (proba.argmax(axis=1) == y).astype(np.float64)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    bins = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, n_bins - 1)
    ece = 0.0
    for b in range(n_bins):
        mask = bins == b
        if mask.any():
            ece += mask.mean() * abs(correct[mask].mean() - confidence[mask].mean())
    return float(ece)


def test_shared_ece_is_unchanged_by_the_refactor():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(500, 5)) * 2
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = rng.integers(0, 5, size=500)
    assert expected_calibration_error(proba, y) == pytest.approx(_old_ece(proba, y), abs=1e-12)
    assert sum(b["count"] for b in reliability_bins(proba.max(axis=1), proba.argmax(axis=1) == y)) == 500


def test_oos_scores_by_hand():
    gold = ["a", "a", "b", "out_of_scope", "out_of_scope", "out_of_scope"]
    pred = ["a", "out_of_scope", "b", "out_of_scope", "a", "out_of_scope"]
    score = np.array([0.1, 0.6, 0.2, 0.9, 0.3, 0.7])
    s = oos_scores(gold, pred, score)
    assert s["in_scope_accuracy"] == pytest.approx(2 / 3)  # abstaining on an in-scope row is wrong
    assert s["oos_recall"] == pytest.approx(2 / 3)
    assert s["oos_precision"] == pytest.approx(2 / 3)
    # AUROC: pairs (oos, in-scope) ranked right: 0.9 > all 3, 0.7 > all 3, 0.3 > 0.1 and 0.2 -> 8 / 9
    assert s["auroc"] == pytest.approx(8 / 9)


def test_oos_scores_without_oos_rows_or_predictions_are_none():
    s = oos_scores(["a", "b"], ["a", "a"], np.array([0.1, 0.2]))
    assert s == {"in_scope_accuracy": 0.5, "oos_recall": None, "oos_precision": None, "auroc": None}


def test_argmax_accuracy_ignores_abstention():
    proba = np.array([[0.6, 0.4], [0.2, 0.8], [0.7, 0.3]])
    assert argmax_accuracy(proba, ("a", "b"), ["a", "b", "b"]) == pytest.approx(2 / 3)


def test_headline_and_slices():
    gold = ["a", "b", "a", "b"]
    preds = Predictions(
        labels=["a", "b", "b", "b"],
        proba=np.array([[0.9, 0.1], [0.2, 0.8], [0.4, 0.6], [0.3, 0.7]]),
        classes=("a", "b"),
        seconds=2.0,
    )
    h = headline(gold, preds, intent=False)
    assert h["n"] == 4 and h["accuracy"] == 0.75 and h["throughput_texts_per_s"] == 2.0
    assert "oos_recall" not in h
    fields = [{"channel": "chat"}, {"channel": "chat"}, {"channel": "email"}, {}]
    s = slice_scores(gold, preds, fields, ["channel"], intent=False)
    assert set(s["channel"]) == {"chat", "email", "(missing)"}
    assert s["channel"]["chat"]["n"] == 2 and s["channel"]["chat"]["accuracy"] == 1.0
    assert s["channel"]["email"]["accuracy"] == 0.0
    assert s["channel"]["(missing)"]["n"] == 1
    assert "per_class" not in s["channel"]["chat"]
