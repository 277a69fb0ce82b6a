"""Topic model artifact: topic centroids in embedding space plus keywords and labels.

Fitting (BERTopic over the shared encoder's embeddings) lives in
``models/training/fit_topics.py``; serving only needs the stored representation,
so a text's topic is a nearest-centroid lookup that is identical alone or in a batch.
Stored as ``topics.safetensors`` (centroids) + ``topics.json`` (no pickle).

A merged topic keeps the centroids of the topics folded into it (``metadata["aliases"]``, written by
``models.training.topics.edits.merge_topics``): a text's similarity to a topic is the best over the
topic's own centroid and its aliases, so merging two themes does not blur either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from models.errors import ModelNotLoadedError
from models.storage import read_artifact, write_artifact

WEIGHTS_FILE = "topics.safetensors"
META_FILE = "topics.json"


@dataclass(frozen=True)
class Topic:
    id: int
    label: str
    keywords: tuple[str, ...]
    size: int


@dataclass
class TopicModel:
    name: str
    version: str
    topics: tuple[Topic, ...]
    centroids: np.ndarray  # (n_topics, dim), L2-normalised, row i <-> topics[i]
    # Cosine similarity below which a text gets no topic.
    threshold: float
    # Softmax temperature turning cosine similarities into probabilities.
    temperature: float = 0.05
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        centroids = np.asarray(self.centroids, dtype=np.float32)
        norms = np.linalg.norm(centroids, axis=1, keepdims=True)
        self.centroids = np.ascontiguousarray(centroids / np.clip(norms, 1e-12, None))
        if self.centroids.shape[0] != len(self.topics):
            raise ModelNotLoadedError(
                f"topic model {self.name}: {self.centroids.shape[0]} centroids for {len(self.topics)} topics"
            )
        index = {t.id: i for i, t in enumerate(self.topics)}
        aliases = [a for a in self.metadata.get("aliases", []) if int(a["merged_into"]) in index]
        self._alias_rows = np.array([index[int(a["merged_into"])] for a in aliases], dtype=np.int64)
        dim = self.centroids.shape[1] if self.centroids.ndim == 2 else 0
        alias = np.asarray([a["centroid"] for a in aliases], dtype=np.float32).reshape(len(aliases), dim)
        norms = np.linalg.norm(alias, axis=1, keepdims=True)
        self._alias_centroids = np.ascontiguousarray(alias / np.clip(norms, 1e-12, None))

    def similarities(self, embeddings: np.ndarray) -> np.ndarray:
        """(n, topics) cosine of each embedding to each topic: its centroid, or a merged-in alias if closer."""
        x = embeddings.astype(np.float32, copy=False)
        sims = x @ self.centroids.T
        if len(self._alias_rows):
            alias_sims = x @ self._alias_centroids.T
            for j, row in enumerate(self._alias_rows):
                np.maximum(sims[:, row], alias_sims[:, j], out=sims[:, row])
        return sims

    def assign(self, embeddings: np.ndarray, top_k: int = 1) -> list[list[tuple[Topic, float]]]:
        """Top-k topics per embedding with probabilities; empty where no centroid is close enough."""
        if len(self.topics) == 0 or embeddings.shape[0] == 0:
            return [[] for _ in range(embeddings.shape[0])]
        sims = self.similarities(embeddings)
        logits = sims / self.temperature
        logits -= logits.max(axis=1, keepdims=True)
        proba = np.exp(logits)
        proba /= proba.sum(axis=1, keepdims=True)
        k = min(top_k, len(self.topics))
        order = np.argsort(-sims, axis=1, kind="stable")[:, :k]
        results: list[list[tuple[Topic, float]]] = []
        for row, cols in enumerate(order):
            results.append([(self.topics[c], float(proba[row, c])) for c in cols if sims[row, c] >= self.threshold])
        return results

    def save(self, directory: Path) -> None:
        meta = {
            "name": self.name,
            "version": self.version,
            "threshold": self.threshold,
            "temperature": self.temperature,
            "topics": [
                {"id": t.id, "label": t.label, "keywords": list(t.keywords), "size": t.size} for t in self.topics
            ],
            "metadata": self.metadata,
        }
        write_artifact(directory, WEIGHTS_FILE, {"centroids": self.centroids}, META_FILE, meta)

    @classmethod
    def load(cls, directory: Path) -> TopicModel:
        meta, tensors = read_artifact(directory, WEIGHTS_FILE, META_FILE)
        meta_path = directory / META_FILE
        try:
            topics = tuple(
                Topic(id=int(t["id"]), label=t["label"], keywords=tuple(t["keywords"]), size=int(t["size"]))
                for t in meta["topics"]
            )
            return cls(
                name=meta["name"],
                version=meta["version"],
                topics=topics,
                centroids=tensors["centroids"],
                threshold=float(meta["threshold"]),
                temperature=float(meta.get("temperature", 0.05)),
                metadata=dict(meta.get("metadata", {})),
            )
        except ModelNotLoadedError:
            raise
        except Exception as exc:  # missing keys, wrong types
            raise ModelNotLoadedError(f"model artifact unreadable: {meta_path}: {exc!r}") from exc
