"""Intent stage: a taxonomy's head over embeddings, with calibrated abstention.

A document with several parts (a call's customer turns) takes its intent from its
*content* parts: those whose own intent is in scope and not a dialogue act
(greeting, thanks, confirmation, ... listed in the head's ``dialogue_acts``
metadata). Their word-weighted mean distribution is thresholded like a single
text. With no content part, all parts are pooled. Averaging every turn would
drown the reason for contact in small talk and push it under the threshold.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from models.heads import LinearHead
from pipelines.enrichment.domain import OUT_OF_SCOPE, Intent, IntentLabel, ModelRef


class IntentStage:
    """Batch-first: ``predict(embeddings, top_k)`` returns one Intent per row, no side effects."""

    def __init__(self, *, head: LinearHead, taxonomy: str, backend: str | None = None) -> None:
        self.head = head
        self.taxonomy = taxonomy
        self.model = ModelRef(head.name, head.version)
        # An explicit out_of_scope class (trained on OOS rows) also means "abstain".
        self._in_scope = np.array([label != OUT_OF_SCOPE for label in head.labels])
        self.threshold = float(head.threshold) if head.threshold is not None else 0.0
        # The threshold was tuned on torch embeddings; an encoder backend that moves them (onnx-int8) has its
        # own, picked by the same rule on its embeddings (models/training/backend_thresholds.py).
        tuned = head.metadata.get("backend_thresholds", {})
        if backend in tuned and head.threshold is not None:
            self.threshold = float(tuned[backend])
        self.dialogue_acts = frozenset(head.metadata.get("dialogue_acts", ()))
        self.categories: dict[str, str] = dict(head.metadata.get("categories", {}))

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
        label = OUT_OF_SCOPE if out_of_scope else top[0].label
        return Intent(
            taxonomy=self.taxonomy,
            label=label,
            out_of_scope=out_of_scope,
            confidence=confidence,
            threshold=self.threshold,
            top=top,
            model=self.model,
            category="" if out_of_scope else self.categories.get(label, ""),
        )

    def document(self, embeddings: Sequence[np.ndarray], weights: Sequence[float], top_k: int = 3) -> Intent | None:
        """The intent of a document from its parts' embeddings (see the module docstring)."""
        if not embeddings:
            return None
        proba = self.head.predict_proba(np.vstack(embeddings))
        w = np.asarray(weights, dtype=np.float64)
        parts = [self.from_proba(row, 1) for row in proba]
        content = np.array([not p.out_of_scope and p.label not in self.dialogue_acts for p in parts])
        if content.any():
            proba, w = proba[content], w[content]
        mean = (proba * w[:, None]).sum(axis=0) / w.sum()
        return self.from_proba(mean, top_k)
