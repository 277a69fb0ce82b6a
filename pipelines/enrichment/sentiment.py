"""Sentiment stage: the shared sentiment head over embeddings, and how scores roll up.

Sentence and part (turn, body, answer, post) sentiment come straight from the
head. Larger units (a document, a speaker role, the opening of a call) are means
of their parts' probabilities weighted by word count: a part is scored from its
whole-text embedding, which reads the context across its sentences that
averaging their scores loses. A document whose
sentences clearly disagree is labelled ``mixed``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict

from models.heads import LinearHead
from pipelines.enrichment.domain import ModelRef, Sentiment, SentimentLabel

LABELS: tuple[str, ...] = ("negative", "neutral", "positive")


class SentimentConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # A document is "mixed" when one sentence is at least this negative and another at least this positive.
    mixed_threshold: float = 0.6
    # Share of customer turns that make up the "opening" and the "closing" of a call.
    trend_window: float = 1 / 3


class SentimentStage:
    """Batch-first: ``predict(embeddings)`` returns one Sentiment per row, no side effects."""

    def __init__(self, *, head: LinearHead, config: SentimentConfig | None = None) -> None:
        if tuple(head.labels) != LABELS:
            raise ValueError(f"sentiment head labels must be {LABELS}, got {head.labels}")
        self.head = head
        self.config = config or SentimentConfig()
        self.model = ModelRef(head.name, head.version)

    def predict_proba(self, embeddings: np.ndarray) -> np.ndarray:
        return self.head.predict_proba(embeddings)

    def predict(self, embeddings: np.ndarray) -> list[Sentiment]:
        return [self.from_proba(row) for row in self.predict_proba(embeddings)]

    def from_proba(self, proba: np.ndarray, label: SentimentLabel | None = None) -> Sentiment:
        neg, neu, pos = (float(x) for x in proba)
        if label is None:
            label = SentimentLabel(LABELS[int(np.argmax(proba))])
        return Sentiment(label, neg, neu, pos, pos - neg, self.model)

    def pool(
        self,
        probas: Sequence[np.ndarray],
        weights: Sequence[float],
        *,
        evidence: Sequence[np.ndarray] | None = None,
    ) -> Sentiment | None:
        """Weighted mean of pieces' probabilities; ``mixed`` if ``evidence`` (default: the pieces) clearly disagrees."""
        if not probas:
            return None
        stack = np.vstack(probas)
        w = np.asarray(weights, dtype=np.float64)
        mean = (stack * w[:, None]).sum(axis=0) / max(w.sum(), 1e-12)
        seen = stack if evidence is None or not evidence else np.vstack(evidence)
        t = self.config.mixed_threshold
        mixed = len(seen) > 1 and seen[:, 0].max() >= t and seen[:, 2].max() >= t
        return self.from_proba(mean, SentimentLabel.MIXED if mixed else None)

    def window_size(self, n: int) -> int:
        """How many turns form the opening (and the closing) of a conversation of n customer turns."""
        return max(1, int(np.ceil(n * self.config.trend_window)))


def word_weight(text: str) -> float:
    """Weight of a piece of text when pooling: its word count (at least 1)."""
    return float(max(1, len(text.split())))
