"""Reference models run beside the shipped ones in the same eval: VADER for sentiment, logreg for intent.

vader   lexicon sentiment (vaderSentiment): compound >= 0.05 positive, <= -0.05 negative, else neutral
logreg  sklearn LogisticRegression on frozen embeddings of the pretrained all-MiniLM-L6-v2 (the CLI and
        the server pass that encoder; see ``eval.tasks.evaluate``), trained on a labelled file;
        abstention threshold calibrated like the shipped heads
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from eval.metrics import OUT_OF_SCOPE, Predictions
from models.training.metrics import threshold_for_abstention

VADER_POSITIVE = 0.05
VADER_NEGATIVE = -0.05
# Fixed, not tuned per run, so the baseline stays one reference point. The shipped heads'
# C grids (0.25-64) put their best values at 4-64 on these L2-normalised 384-d embeddings.
LOGREG_C = 10.0
LOGREG_MAX_ITER = 3000
CALIBRATION_FRACTION = 0.1
# Without out-of-scope training rows, the threshold lets this share of held-out in-scope rows abstain.
IN_SCOPE_ABSTAIN_RATE = 0.05
SEED = 42


class Baseline(Protocol):
    """A reference model: predictions for texts, restricted to ``keep`` labels where that applies."""

    name: str

    def predict(self, texts: Sequence[str], *, keep: Sequence[str]) -> Predictions: ...


class VaderBaseline:
    """VADER's compound score mapped to negative / neutral / positive (no probabilities, so no ECE)."""

    name = "vader"

    def __init__(self) -> None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self._analyzer = SentimentIntensityAnalyzer()

    def predict(self, texts: Sequence[str], *, keep: Sequence[str]) -> Predictions:
        began = time.perf_counter()
        labels = [vader_label(self._analyzer.polarity_scores(t)["compound"], keep) for t in texts]
        return Predictions(labels=labels, proba=None, classes=tuple(keep), seconds=time.perf_counter() - began)


def vader_label(compound: float, keep: Sequence[str] = ("negative", "neutral", "positive")) -> str:
    """The label for a VADER compound score, restricted to ``keep``.

    Without ``neutral`` (a binary set) the sign decides (0 counts as positive); without
    ``positive`` or ``negative`` the missing side becomes ``neutral``.
    """
    if compound >= VADER_POSITIVE:
        label = "positive"
    elif compound <= VADER_NEGATIVE:
        label = "negative"
    else:
        label = "neutral"
    if label in keep:
        return label
    if label == "neutral":
        return "positive" if compound >= 0 else "negative"
    return "neutral"


class LogRegBaseline:
    """Logistic regression on frozen encoder embeddings, with a calibrated abstention threshold.

    With ``out_of_scope`` rows in the training file they are a class, and the threshold
    on the top in-scope probability maximises in-scope accuracy + out-of-scope recall on a
    held-out 10%; without them the threshold lets 5% of held-out in-scope rows abstain.
    """

    name = "logreg"

    def __init__(
        self,
        train_embeddings: np.ndarray,
        labels: Sequence[str],
        *,
        encode: Callable[[Sequence[str]], np.ndarray],
        c: float = LOGREG_C,
        seed: int = SEED,
    ) -> None:
        """Fit on ``train_embeddings`` (rows aligned with ``labels``); ``encode`` embeds texts to predict."""
        if len(set(labels) - {OUT_OF_SCOPE}) < 2:
            raise ValueError("the logreg baseline needs training rows of at least 2 in-scope labels")
        self._encode = encode
        began = time.perf_counter()
        x = np.asarray(train_embeddings, dtype=np.float32)
        y = np.asarray(labels, dtype=object)
        fit_idx, cal_idx = _holdout(y, seed)
        self.model = LogisticRegression(C=c, max_iter=LOGREG_MAX_ITER, random_state=seed).fit(x[fit_idx], y[fit_idx])
        self.classes: tuple[str, ...] = tuple(str(c) for c in self.model.classes_)
        self._in_scope = np.array([c != OUT_OF_SCOPE for c in self.classes])
        cal_proba = self.model.predict_proba(x[cal_idx])
        self.threshold, self.threshold_rule = self._calibrate(cal_proba, y[cal_idx])
        self.train_rows = len(y)
        self.train_seconds = time.perf_counter() - began

    def _calibrate(self, proba: np.ndarray, gold: np.ndarray) -> tuple[float, str]:
        top = np.where(self._in_scope, proba, -1.0).max(axis=1)
        gold_oos = gold == OUT_OF_SCOPE
        if gold_oos.any() and (~gold_oos).any():
            best_t, best = 0.0, -1.0
            for t in np.round(np.arange(0.0, 1.0, 0.01), 2):
                pred = self._labels(proba, float(t))
                score = np.mean(pred[~gold_oos] == gold[~gold_oos]) + np.mean(pred[gold_oos] == OUT_OF_SCOPE)
                if score > best:  # strict: the lowest cutoff among ties, so fewer in-scope rows abstain
                    best_t, best = float(t), float(score)
            return best_t, "maximises held-out in-scope accuracy + out-of-scope recall"
        rule = f"at most {IN_SCOPE_ABSTAIN_RATE:.0%} of held-out in-scope rows below it"
        return threshold_for_abstention(top[~gold_oos], IN_SCOPE_ABSTAIN_RATE), rule

    def _labels(self, proba: np.ndarray, threshold: float) -> np.ndarray:
        scores = np.where(self._in_scope, proba, -1.0)
        top = scores.max(axis=1)
        labels = np.asarray(self.classes, dtype=object)[scores.argmax(axis=1)]
        oos_wins = np.zeros(len(proba), dtype=bool)
        if not self._in_scope.all():
            oos_wins = proba[:, int(np.argmin(self._in_scope))] > top
        return np.where((top < threshold) | oos_wins, OUT_OF_SCOPE, labels)

    def predict(self, texts: Sequence[str], *, keep: Sequence[str] = ()) -> Predictions:
        began = time.perf_counter()
        proba = self.model.predict_proba(self._encode(texts))
        labels = [str(x) for x in self._labels(proba, self.threshold)]
        top = np.where(self._in_scope, proba, -1.0).max(axis=1)
        return Predictions(
            labels=labels, proba=proba, classes=self.classes, oos_score=1.0 - top, seconds=time.perf_counter() - began
        )

    def describe(self) -> dict[str, object]:
        """What was trained: rows, C, threshold and its rule, fit time."""
        return {
            "train_rows": self.train_rows,
            "C": float(self.model.C),
            "threshold": self.threshold,
            "threshold_rule": self.threshold_rule,
            "train_seconds": self.train_seconds,
        }


def _holdout(y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (fit, calibrate): a 10% hold-out, stratified when every label has at least 2 rows."""
    idx = np.arange(len(y))
    _, counts = np.unique(y, return_counts=True)
    stratify = y if counts.min() >= 2 and len(y) * CALIBRATION_FRACTION >= len(counts) else None
    fit_idx, cal_idx = train_test_split(idx, test_size=CALIBRATION_FRACTION, random_state=seed, stratify=stratify)
    return np.sort(fit_idx), np.sort(cal_idx)
