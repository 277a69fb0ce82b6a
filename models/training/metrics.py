"""Dev-set metrics, temperature scaling and abstention thresholds for the training recipes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import minimize_scalar
from sklearn.metrics import f1_score, recall_score

from models.heads import softmax

ECE_BINS = 15


def label_indices(labels: Sequence[str], order: Sequence[str]) -> np.ndarray:
    """Index of each label in ``order``; raises naming the first unknown label."""
    index = {label: i for i, label in enumerate(order)}
    missing = sorted(set(labels) - set(index))
    if missing:
        raise ValueError(f"labels {missing[:5]} are not in the head's label set ({len(order)} labels)")
    return np.array([index[label] for label in labels], dtype=np.int64)


def nll(proba: np.ndarray, y: np.ndarray) -> float:
    """Mean negative log-likelihood of the true classes."""
    return float(-np.mean(np.log(np.clip(proba[np.arange(len(y)), y], 1e-12, None))))


def reliability_bins(confidence: np.ndarray, correct: np.ndarray, n_bins: int = ECE_BINS) -> list[dict[str, float]]:
    """Equal-width confidence bins: edges, row count, mean confidence and accuracy (empty bins included).

    The reliability diagram and the ECE read the same bins, so they always agree.
    """
    confidence = np.asarray(confidence, dtype=np.float64)
    correct = np.asarray(correct, dtype=np.float64)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    # Bin i holds (edges[i], edges[i+1]]; confidence is never 0 after a softmax.
    index = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, n_bins - 1)
    out = []
    for b in range(n_bins):
        mask = index == b
        count = int(mask.sum())
        out.append(
            {
                "lower": float(edges[b]),
                "upper": float(edges[b + 1]),
                "count": count,
                "confidence": float(confidence[mask].mean()) if count else 0.0,
                "accuracy": float(correct[mask].mean()) if count else 0.0,
            }
        )
    return out


def ece_from_bins(bins: Sequence[dict[str, float]]) -> float:
    """Count-weighted mean |accuracy - confidence| over ``reliability_bins`` output."""
    total = sum(b["count"] for b in bins)
    if total == 0:
        return 0.0
    return float(sum(b["count"] / total * abs(b["accuracy"] - b["confidence"]) for b in bins))


def expected_calibration_error(proba: np.ndarray, y: np.ndarray, n_bins: int = ECE_BINS) -> float:
    """Top-label ECE with ``n_bins`` equal-width confidence bins."""
    correct = proba.argmax(axis=1) == y
    return ece_from_bins(reliability_bins(proba.max(axis=1), correct, n_bins))


def fit_temperature(logits: np.ndarray, y: np.ndarray, *, bounds: tuple[float, float] = (0.05, 20.0)) -> float:
    """The temperature T in ``bounds`` minimising the NLL of softmax(logits / T)."""
    result = minimize_scalar(
        lambda log_t: nll(softmax(logits / np.exp(log_t)), y),
        bounds=(float(np.log(bounds[0])), float(np.log(bounds[1]))),
        method="bounded",
        options={"xatol": 1e-4},
    )
    return float(np.exp(result.x))


def fit_temperature_pooled(
    parts: Sequence[tuple[np.ndarray, np.ndarray]], *, bounds: tuple[float, float] = (0.05, 20.0)
) -> float:
    """The temperature minimising the mean over ``parts`` (logits, labels) of each part's NLL: every set counts
    the same, however many rows it has, so one large domain does not set the calibration of the others."""
    if not parts:
        raise ValueError("fit_temperature_pooled needs at least one (logits, labels) part")
    result = minimize_scalar(
        lambda log_t: float(np.mean([nll(softmax(lg / np.exp(log_t)), y) for lg, y in parts])),
        bounds=(float(np.log(bounds[0])), float(np.log(bounds[1]))),
        method="bounded",
        options={"xatol": 1e-4},
    )
    return float(np.exp(result.x))


def classification_metrics(proba: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Accuracy, macro-F1 (over the classes present in ``y`` or predicted), ECE and NLL."""
    pred = proba.argmax(axis=1)
    return {
        "accuracy": float((pred == y).mean()),
        "macro_f1": float(f1_score(y, pred, average="macro", zero_division=0)),
        "ece": expected_calibration_error(proba, y),
        "nll": nll(proba, y),
    }


def macro_recall(y: np.ndarray, pred: np.ndarray) -> float:
    """Recall averaged over the classes present in ``y`` (TweetEval's official sentiment metric)."""
    return float(recall_score(y, pred, labels=np.unique(y), average="macro", zero_division=0))


def predict_with_threshold(proba: np.ndarray, threshold: float, oos_index: int) -> np.ndarray:
    """Argmax labels, replaced by ``oos_index`` where the top probability is below ``threshold``."""
    pred = proba.argmax(axis=1)
    return np.where(proba.max(axis=1) < threshold, oos_index, pred)


def threshold_for_abstention(top_proba: np.ndarray, max_rate: float) -> float:
    """The largest cutoff at which at most ``max_rate`` of rows fall strictly below it."""
    if top_proba.size == 0:
        return 0.0
    ordered = np.sort(top_proba)
    k = int(np.floor(max_rate * ordered.size))
    return float(ordered[min(k, ordered.size - 1)])


def oos_threshold_sweep(
    proba: np.ndarray,
    y: np.ndarray,
    oos_index: int,
    candidates: np.ndarray | None = None,
    *,
    min_oos_recall: float | None = None,
) -> tuple[float, dict[str, float]]:
    """The cutoff for abstention on labelled dev rows (oos rows = ``oos_index``).

    Without ``min_oos_recall``: maximise in-scope accuracy + out-of-scope recall.
    With it: maximise in-scope accuracy among cutoffs whose recall reaches the target
    (falling back to the sum rule when none does).
    """
    grid = np.round(np.arange(0.0, 1.0, 0.01), 2) if candidates is None else candidates
    in_scope = y != oos_index
    scored = []
    for t in grid:
        pred = predict_with_threshold(proba, float(t), oos_index)
        acc = float((pred[in_scope] == y[in_scope]).mean())
        recall = float((pred[~in_scope] == oos_index).mean()) if (~in_scope).any() else 0.0
        scored.append((float(t), acc, recall))
    eligible = [row for row in scored if min_oos_recall is not None and row[2] >= min_oos_recall]
    # max() keeps the first (lowest) cutoff among ties, so fewer in-scope rows abstain.
    if eligible:
        best_t, acc, recall = max(eligible, key=lambda row: row[1])
    else:
        best_t, acc, recall = max(scored, key=lambda row: row[1] + row[2])
    return best_t, {"in_scope_accuracy": acc, "oos_recall": recall}
