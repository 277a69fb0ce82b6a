"""Classification heads over sentence embeddings, stored as safetensors + JSON.

A head is a linear softmax classifier with a calibration temperature; intent
heads also carry an abstention threshold. Inference is a numpy matmul, so every
head reads the same embedding the encoder produced once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from models.errors import ModelNotLoadedError
from models.storage import read_artifact, write_artifact

WEIGHTS_FILE = "head.safetensors"
META_FILE = "head.json"


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, numerically stable."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


@dataclass
class LinearHead:
    """softmax((x @ W.T + b) / temperature) over ``labels``."""

    name: str
    version: str
    labels: tuple[str, ...]
    weight: np.ndarray  # (n_labels, dim)
    bias: np.ndarray  # (n_labels,)
    temperature: float = 1.0
    # Intent heads: below this top probability the prediction is out_of_scope.
    threshold: float | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.weight = np.ascontiguousarray(self.weight, dtype=np.float32)
        self.bias = np.ascontiguousarray(self.bias, dtype=np.float32)
        if self.weight.shape[0] != len(self.labels) or self.bias.shape != (len(self.labels),):
            raise ModelNotLoadedError(
                f"head {self.name}: weight {self.weight.shape} / bias {self.bias.shape} "
                f"do not match {len(self.labels)} labels"
            )
        if self.temperature <= 0:
            raise ModelNotLoadedError(f"head {self.name}: temperature must be > 0, got {self.temperature}")

    @property
    def dim(self) -> int:
        return int(self.weight.shape[1])

    def logits(self, embeddings: np.ndarray) -> np.ndarray:
        return (embeddings.astype(np.float32, copy=False) @ self.weight.T + self.bias) / self.temperature

    def predict_proba(self, embeddings: np.ndarray) -> np.ndarray:
        """Calibrated class probabilities, shape (n, n_labels)."""
        if embeddings.ndim != 2 or embeddings.shape[1] != self.dim:
            raise ValueError(f"head {self.name} expects (n, {self.dim}) embeddings, got {embeddings.shape}")
        return softmax(self.logits(embeddings))

    def save(self, directory: Path) -> None:
        meta = {
            "name": self.name,
            "version": self.version,
            "labels": list(self.labels),
            "temperature": self.temperature,
            "threshold": self.threshold,
            "metadata": self.metadata,
        }
        write_artifact(directory, WEIGHTS_FILE, {"weight": self.weight, "bias": self.bias}, META_FILE, meta)

    @classmethod
    def load(cls, directory: Path) -> LinearHead:
        meta, tensors = read_artifact(directory, WEIGHTS_FILE, META_FILE)
        meta_path = directory / META_FILE
        try:
            return cls(
                name=meta["name"],
                version=meta["version"],
                labels=tuple(meta["labels"]),
                weight=tensors["weight"],
                bias=tensors["bias"],
                temperature=float(meta.get("temperature", 1.0)),
                threshold=None if meta.get("threshold") is None else float(meta["threshold"]),
                metadata=dict(meta.get("metadata", {})),
            )
        except ModelNotLoadedError:
            raise
        except Exception as exc:  # missing keys, wrong types
            raise ModelNotLoadedError(f"model artifact unreadable: {meta_path}: {exc!r}") from exc


def restrict(proba: np.ndarray, labels: Sequence[str], keep: Sequence[str]) -> np.ndarray:
    """Renormalise probabilities over a subset of labels (in ``keep`` order)."""
    index: Mapping[str, int] = {label: i for i, label in enumerate(labels)}
    cols = [index[k] for k in keep]
    sub = proba[:, cols]
    return sub / np.clip(sub.sum(axis=1, keepdims=True), 1e-12, None)
