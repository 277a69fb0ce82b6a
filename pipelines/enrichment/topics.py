"""Topic stage: nearest stored topic centroid, identical alone or in a batch.

A document with several parts (a call's customer turns, an email's subject and
body) gets the topics of its parts: each topic scores the word-weighted share of
the parts assigned to it, times their probability. Pooling the parts' embeddings
first would blur a call that covers several themes (and its small talk) into a
point close to no topic.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from models.topic_model import TopicModel
from pipelines.enrichment.domain import ModelRef, TopicAssignment


class TopicStage:
    def __init__(self, *, model: TopicModel) -> None:
        self.topic_model = model
        self.model = ModelRef(model.name, model.version)

    def predict(self, embeddings: np.ndarray, top_k: int = 1) -> list[tuple[TopicAssignment, ...]]:
        return [
            tuple(
                TopicAssignment(topic.id, topic.label, topic.keywords, probability, self.model)
                for topic, probability in row
            )
            for row in self.topic_model.assign(embeddings, top_k)
        ]

    def document_topics(
        self, embeddings: Sequence[np.ndarray], weights: Sequence[float], top_k: int = 1
    ) -> tuple[TopicAssignment, ...]:
        """Top-k topics of a document from its parts' embeddings; probability = weighted share."""
        if not embeddings:
            return ()
        per_part = self.predict(np.vstack(embeddings), top_k)
        if len(per_part) == 1:
            return per_part[0]
        total = float(sum(weights))
        scores: dict[int, float] = {}
        first: dict[int, TopicAssignment] = {}
        for assignments, weight in zip(per_part, weights, strict=True):
            for a in assignments:
                scores[a.topic_id] = scores.get(a.topic_id, 0.0) + weight * a.probability / total
                first.setdefault(a.topic_id, a)
        ranked = sorted(scores, key=lambda tid: (-scores[tid], tid))[:top_k]
        return tuple(
            TopicAssignment(tid, first[tid].label, first[tid].keywords, scores[tid], self.model) for tid in ranked
        )
