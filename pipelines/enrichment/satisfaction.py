"""Satisfaction stage: how satisfied the customer is, turn by turn and over a conversation.

A customer turn is read beside the agent (or bot) turn it answers: "No, that's not what I asked"
is neutral in tone but says the agent failed. The head (``models/artifacts/satisfaction``, trained
by ``python -m models.training.train_heads --only satisfaction`` on the USS service dialogues' per-turn
1-5 ratings) takes the two turns' shared embeddings side by side, so it costs no encoder pass of its own.

A conversation's satisfaction is the mean of its customer turns' probabilities (``models.satisfaction.pool``
says which rules were measured against it).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from models.heads import LinearHead
from models.satisfaction import LABELS, pair_features, pool
from pipelines.enrichment.domain import ModelRef, Satisfaction, SatisfactionLabel


class SatisfactionStage:
    """Batch-first: ``turns`` scores customer turns, ``conversation`` pools them; no side effects."""

    def __init__(self, *, head: LinearHead) -> None:
        if tuple(head.labels) != LABELS:
            raise ValueError(f"satisfaction head labels must be {LABELS}, got {head.labels}")
        self.head = head
        self.model = ModelRef(head.name, head.version)

    def turns(self, pairs: Sequence[tuple[np.ndarray, np.ndarray | None]]) -> np.ndarray:
        """Probabilities (n, 3) for (customer embedding, preceding agent embedding or None) pairs."""
        if not pairs:
            return np.zeros((0, len(LABELS)), dtype=np.float32)
        return self.head.predict_proba(np.vstack([pair_features(c, a) for c, a in pairs]))

    def from_proba(self, proba: np.ndarray) -> Satisfaction:
        low, mid, high = (float(x) for x in proba)
        label = SatisfactionLabel(LABELS[int(np.argmax(proba))])
        return Satisfaction(label, low, mid, high, high - low, self.model)

    def conversation(self, probas: Sequence[np.ndarray]) -> Satisfaction | None:
        """The conversation's satisfaction from its customer turns' probabilities, in order (None for none)."""
        return self.from_proba(pool(np.vstack(probas))) if len(probas) else None
