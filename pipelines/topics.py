"""Topic stage: nearest stored topic centroid, identical alone or in a batch."""

from __future__ import annotations

import numpy as np

from models.topic_model import TopicModel
from pipelines.domain import ModelRef, TopicAssignment


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
