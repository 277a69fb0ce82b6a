"""The fit every shipped head shares: softmax regression with C picked on dev, then temperature scaling."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from models.heads import LinearHead, softmax
from models.training.metrics import classification_metrics, fit_temperature, label_indices

# Version of every shipped head: bumped whenever the encoder or the recipe changes what a head answers.
HEAD_VERSION = "v2"
# Embeddings are L2-normalised, so useful C values sit well above sklearn's default of 1.
C_GRID: tuple[float, ...] = (0.25, 1.0, 4.0, 16.0, 64.0)
MAX_ITER = 3000


@dataclass
class CalibratedFit:
    """A fitted, temperature-scaled softmax regression plus its dev figures."""

    labels: tuple[str, ...]
    weight: np.ndarray
    bias: np.ndarray
    c: float
    c_grid: list[tuple[float, float]]
    temperature: float
    before: dict[str, float]
    after: dict[str, float]
    converged: bool

    def proba(self, x: np.ndarray) -> np.ndarray:
        """Calibrated probabilities for embeddings ``x``."""
        return softmax((x @ self.weight.T + self.bias) / self.temperature)

    def to_head(
        self, name: str, *, threshold: float | None, metadata: dict[str, Any], version: str = HEAD_VERSION
    ) -> LinearHead:
        """The shipped head of this fit (version ``HEAD_VERSION`` unless the recipe names its own)."""
        return LinearHead(
            name=name,
            version=version,
            labels=self.labels,
            weight=self.weight,
            bias=self.bias,
            temperature=self.temperature,
            threshold=threshold,
            metadata=metadata,
        )


def fit_logreg(x: np.ndarray, y: np.ndarray, c: float, seed: int) -> tuple[np.ndarray, np.ndarray, bool]:
    """Multinomial logistic regression (lbfgs); returns weight (k, d), bias (k,) and whether it converged."""
    clf = LogisticRegression(C=c, max_iter=MAX_ITER, random_state=seed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        clf.fit(x, y)
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    if not np.array_equal(clf.classes_, np.arange(clf.classes_.size)):
        raise ValueError("every label needs at least one training row")
    weight, bias = clf.coef_, clf.intercept_
    if clf.classes_.size == 2:
        # sklearn stores a binary model as one row (the logit of class 1); softmax over [-z/2, z/2] is sigmoid(z).
        weight, bias = np.vstack([-weight / 2, weight / 2]), np.concatenate([-bias / 2, bias / 2])
    return weight.astype(np.float32), bias.astype(np.float32), converged


def fit_calibrated(
    labels: Sequence[str],
    x_train: np.ndarray,
    train_labels: Sequence[str],
    x_dev: np.ndarray,
    dev_labels: Sequence[str],
    *,
    seed: int,
    c_grid: Sequence[float] = C_GRID,
) -> CalibratedFit:
    """Pick C by dev accuracy (smallest C on ties), then fit the temperature on dev by NLL."""
    y_train, y_dev = label_indices(train_labels, labels), label_indices(dev_labels, labels)
    best: tuple[float, float, np.ndarray, np.ndarray, bool] | None = None
    grid: list[tuple[float, float]] = []
    for c in c_grid:
        weight, bias, converged = fit_logreg(x_train, y_train, c, seed)
        acc = float(((x_dev @ weight.T + bias).argmax(axis=1) == y_dev).mean())
        grid.append((c, acc))
        print(f"  C={c:g}: dev accuracy {acc:.4f}{'' if converged else ' (not converged)'}")
        if best is None or acc > best[1]:
            best = (c, acc, weight, bias, converged)
    assert best is not None
    c, _, weight, bias, converged = best
    logits = x_dev @ weight.T + bias
    temperature = fit_temperature(logits, y_dev)
    return CalibratedFit(
        labels=tuple(labels),
        weight=weight,
        bias=bias,
        c=c,
        c_grid=grid,
        temperature=temperature,
        before=classification_metrics(softmax(logits), y_dev),
        after=classification_metrics(softmax(logits / temperature), y_dev),
        converged=converged,
    )
