"""Scoring predictions against gold labels: the figures every eval task reports.

    accuracy, macro-F1, macro-recall, per-class precision/recall/F1/support, confusion matrix
    ECE (15 equal-width bins on the top probability) and the reliability-diagram bins
    out-of-scope detection: in-scope accuracy, OOS recall and precision, AUROC
    slices: the headline figures per value of any row field

ECE and its bins come from ``models.training.metrics`` so that a model card's
dev ECE and an eval report's ECE are the same computation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.metrics import precision_recall_fscore_support, roc_auc_score

from models.training.metrics import ECE_BINS, ece_from_bins, reliability_bins

OUT_OF_SCOPE = "out_of_scope"
MISSING = "(missing)"


@dataclass(frozen=True)
class Predictions:
    """What a model (or a baseline) said about each row, in row order.

    Attributes:
        labels: predicted label per row (``out_of_scope`` when an intent model abstains).
        proba: (n, len(classes)) probabilities, or None for a model without probabilities (VADER).
        classes: the columns of ``proba``.
        oos_score: per row, how out-of-scope it looks (1 - top in-scope probability); None if not applicable.
        seconds: wall time spent predicting (model loading excluded).
    """

    labels: list[str]
    proba: np.ndarray | None
    classes: tuple[str, ...]
    oos_score: np.ndarray | None = None
    seconds: float = 0.0


def classification_scores(gold: Sequence[str], pred: Sequence[str]) -> dict[str, Any]:
    """Accuracy, macro-F1, macro-recall, per-class figures and the confusion matrix.

    Macro-F1 averages over every label in gold or predictions (a label only ever
    predicted counts, with F1 0); macro-recall averages over the gold labels only
    (TweetEval's official metric), like ``models.training.metrics.macro_recall``.
    """
    labels = sorted(set(gold) | set(pred))
    gold_labels = sorted(set(gold))
    y, p = np.asarray(gold, dtype=object), np.asarray(pred, dtype=object)
    precision, recall, f1, support = precision_recall_fscore_support(y, p, labels=labels, zero_division=0)
    _, gold_recall, _, _ = precision_recall_fscore_support(y, p, labels=gold_labels, zero_division=0)
    return {
        "accuracy": float(np.mean(y == p)) if len(y) else 0.0,
        "macro_f1": float(np.mean(f1)) if len(f1) else 0.0,
        "macro_recall": float(np.mean(gold_recall)) if len(gold_recall) else 0.0,
        "per_class": {
            label: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, label in enumerate(labels)
        },
        "confusion": {
            "labels": labels,
            "matrix": _confusion(gold, pred, labels),
        },
    }


def _confusion(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> list[list[int]]:
    """Counts, rows = gold label, columns = predicted label, both in ``labels`` order."""
    index = {label: i for i, label in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for g, p in zip(gold, pred, strict=True):
        matrix[index[g], index[p]] += 1
    return matrix.tolist()


def calibration(
    proba: np.ndarray, classes: Sequence[str], gold: Sequence[str], n_bins: int = ECE_BINS
) -> dict[str, Any]:
    """Top-label ECE and reliability bins over the rows whose gold label is one of ``classes``.

    Rows with a gold label the model has no column for (``out_of_scope`` against a
    head without that class) cannot be scored for calibration and are left out;
    ``ece_rows`` says how many were used.
    """
    index = {c: i for i, c in enumerate(classes)}
    keep = np.array([g in index for g in gold], dtype=bool)
    if not keep.any():
        return {"ece": None, "ece_rows": 0, "reliability": []}
    y = np.array([index[g] for g, k in zip(gold, keep, strict=True) if k], dtype=np.int64)
    sub = proba[keep]
    bins = reliability_bins(sub.max(axis=1), sub.argmax(axis=1) == y, n_bins)
    return {"ece": ece_from_bins(bins), "ece_rows": int(keep.sum()), "reliability": bins}


def argmax_accuracy(proba: np.ndarray, classes: Sequence[str], gold: Sequence[str]) -> float:
    """Closed-set accuracy: the top column of ``proba`` against gold, no abstention threshold."""
    top = [classes[i] for i in proba.argmax(axis=1)]
    return float(np.mean([t == g for t, g in zip(top, gold, strict=True)])) if gold else 0.0


def oos_scores(gold: Sequence[str], pred: Sequence[str], oos_score: np.ndarray | None) -> dict[str, float | None]:
    """Out-of-scope detection: in-scope accuracy (abstaining counts as wrong), OOS recall, precision, AUROC.

    A figure that cannot be computed (no gold out-of-scope rows for recall, precision
    and AUROC; no out-of-scope predictions for precision) is None.
    """
    g = np.asarray(gold, dtype=object)
    p = np.asarray(pred, dtype=object)
    gold_oos, pred_oos = g == OUT_OF_SCOPE, p == OUT_OF_SCOPE
    in_scope = ~gold_oos
    auroc: float | None = None
    if oos_score is not None and gold_oos.any() and in_scope.any():
        auroc = float(roc_auc_score(gold_oos.astype(int), oos_score))
    return {
        "in_scope_accuracy": float(np.mean(p[in_scope] == g[in_scope])) if in_scope.any() else None,
        "oos_recall": float(np.mean(pred_oos[gold_oos])) if gold_oos.any() else None,
        # Without gold out-of-scope rows a set cannot measure detection: abstentions are simply misses.
        "oos_precision": float(np.mean(gold_oos[pred_oos])) if pred_oos.any() and gold_oos.any() else None,
        "auroc": auroc,
    }


def headline(gold: Sequence[str], preds: Predictions, *, intent: bool) -> dict[str, Any]:
    """The full figures for one model over rows: classification, calibration, and OOS figures for intent."""
    out: dict[str, Any] = {"n": len(gold)}
    out.update(classification_scores(gold, preds.labels))
    if preds.proba is not None:
        out.update(calibration(preds.proba, preds.classes, gold))
        if intent:
            out["argmax_accuracy"] = argmax_accuracy(preds.proba, preds.classes, gold)
    else:
        out.update({"ece": None, "ece_rows": 0, "reliability": []})
    if intent:
        out.update(oos_scores(gold, preds.labels, preds.oos_score))
    out["seconds"] = preds.seconds
    out["throughput_texts_per_s"] = len(gold) / preds.seconds if preds.seconds > 0 else None
    return out


SLICE_KEYS = (
    "n",
    "accuracy",
    "macro_f1",
    "macro_recall",
    "ece",
    "argmax_accuracy",
    "in_scope_accuracy",
    "oos_recall",
    "oos_precision",
    "auroc",
)


def slice_scores(
    gold: Sequence[str], preds: Predictions, fields: Sequence[Mapping[str, str]], by: Sequence[str], *, intent: bool
) -> dict[str, dict[str, dict[str, Any]]]:
    """``{field: {value: headline figures}}`` for each field in ``by``; rows without the field go under "(missing)"."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for name in by:
        groups: dict[str, list[int]] = {}
        for i, row_fields in enumerate(fields):
            groups.setdefault(row_fields.get(name, MISSING), []).append(i)
        out[name] = {}
        for value in sorted(groups):
            idx = groups[value]
            sub = Predictions(
                labels=[preds.labels[i] for i in idx],
                proba=None if preds.proba is None else preds.proba[idx],
                classes=preds.classes,
                oos_score=None if preds.oos_score is None else preds.oos_score[idx],
            )
            figures = headline([gold[i] for i in idx], sub, intent=intent)
            out[name][value] = {k: figures[k] for k in SLICE_KEYS if k in figures}
    return out
