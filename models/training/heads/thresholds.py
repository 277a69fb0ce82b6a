"""Abstention threshold rules of the intent heads and the dev figures of a chosen threshold."""

from __future__ import annotations

import numpy as np

from models.training.datasets import OUT_OF_SCOPE, LabelledSet
from models.training.heads.fit import CalibratedFit
from models.training.metrics import label_indices, predict_with_threshold

# Intent heads without out-of-scope dev data: at most this share of in-scope dev rows may abstain.
MAX_ABSTAIN_RATE = 0.05
# Banking77 is a closed benchmark taxonomy without out-of-scope data: 1 % in-scope abstention keeps its
# accuracy within half a point of argmax while small talk ("hi", "thanks") and most of CLINC150's
# out-of-scope queries still abstain (figures in its model card).
BANKING77_ABSTAIN_RATE = 0.01
# CLINC150: the abstention cutoff keeps at least this out-of-scope recall on val and otherwise maximises
# in-scope accuracy (the product bar is >= 0.75 OOS recall; 0.80 leaves a margin for the test split).
CLINC_MIN_OOS_RECALL = 0.80


def abstention_figures(fit: CalibratedFit, x_dev: np.ndarray, dev: LabelledSet, threshold: float) -> dict[str, float]:
    """In-scope abstention rate and in-scope accuracy (abstention counts as wrong) at ``threshold`` on dev."""
    proba = fit.proba(x_dev)
    y = label_indices(dev.labels, fit.labels)
    in_scope = np.array([label != OUT_OF_SCOPE for label in dev.labels])
    abstain = proba.max(axis=1) < threshold
    oos = fit.labels.index(OUT_OF_SCOPE) if OUT_OF_SCOPE in fit.labels else -1
    pred = predict_with_threshold(proba, threshold, oos)
    return {
        "in_scope_abstain_rate": float(abstain[in_scope].mean()),
        "in_scope_accuracy_with_threshold": float((pred[in_scope] == y[in_scope]).mean()),
    }
