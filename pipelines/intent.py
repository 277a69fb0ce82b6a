"""Intent stage: a taxonomy's head over embeddings, with calibrated abstention."""

from __future__ import annotations

import numpy as np

from models.heads import LinearHead
from pipelines.domain import OUT_OF_SCOPE, Intent, IntentLabel, ModelRef


class IntentStage:
    """Batch-first: ``predict(embeddings, top_k)`` returns one Intent per row, no side effects."""

    def __init__(self, *, head: LinearHead, taxonomy: str) -> None:
        self.head = head
        self.taxonomy = taxonomy
        self.model = ModelRef(head.name, head.version)
        # An explicit out_of_scope class (trained on OOS rows) also means "abstain".
        self._in_scope = np.array([label != OUT_OF_SCOPE for label in head.labels])
        self.threshold = float(head.threshold) if head.threshold is not None else 0.0

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(label for label in self.head.labels if label != OUT_OF_SCOPE)

    def predict(self, embeddings: np.ndarray, top_k: int = 3) -> list[Intent]:
        return [self.from_proba(row, top_k) for row in self.head.predict_proba(embeddings)]

    def from_proba(self, proba: np.ndarray, top_k: int = 3) -> Intent:
        scores = np.where(self._in_scope, proba, -1.0)
        order = np.argsort(-scores, kind="stable")[: max(1, min(top_k, int(self._in_scope.sum())))]
        top = tuple(IntentLabel(self.head.labels[i], float(proba[i])) for i in order)
        confidence = top[0].probability
        oos_index = [i for i, keep in enumerate(self._in_scope) if not keep]
        oos_wins = bool(oos_index) and float(proba[oos_index[0]]) > confidence
        out_of_scope = confidence < self.threshold or oos_wins
        return Intent(
            taxonomy=self.taxonomy,
            label=OUT_OF_SCOPE if out_of_scope else top[0].label,
            out_of_scope=out_of_scope,
            confidence=confidence,
            threshold=self.threshold,
            top=top,
            model=self.model,
        )
