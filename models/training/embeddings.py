"""Encode texts with the shared encoder, caching the result under ``.cache/embeddings``.

The cache key is a hash of the encoder id and the exact texts in order, so a
changed text list or encoder version never returns stale vectors. Files are
plain ``.npy`` arrays, loaded with ``allow_pickle=False``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from tqdm import tqdm

from models.encoder import ENCODER_NAME, ENCODER_VERSION, Encoder

DEFAULT_CACHE_DIR = Path(".cache") / "embeddings"
ENCODER_ID = f"{ENCODER_NAME}.{ENCODER_VERSION}"
# Texts per encode() call: large enough for the encoder's own batching, small enough for a live progress bar.
CHUNK_SIZE = 512


def cache_key(texts: Sequence[str], encoder_id: str = ENCODER_ID) -> str:
    """Hex sha256 of the encoder id and the texts, in order."""
    digest = hashlib.sha256(encoder_id.encode("utf-8"))
    for text in texts:
        digest.update(b"\x1e")
        digest.update(text.encode("utf-8"))
    return digest.hexdigest()


def _default_encoder() -> Encoder:
    from models.encoder import SentenceTransformerEncoder

    return SentenceTransformerEncoder()


class CachedEmbedder:
    """Embeds text lists once per (encoder, texts) and serves repeats from disk; the encoder loads on first miss."""

    def __init__(
        self,
        *,
        cache_dir: Path = DEFAULT_CACHE_DIR,
        encoder_factory: Callable[[], Encoder] = _default_encoder,
        encoder_id: str = ENCODER_ID,
    ) -> None:
        self.cache_dir = cache_dir
        self.encoder_id = encoder_id
        self._factory = encoder_factory
        self._encoder: Encoder | None = None
        self.hits = 0
        self.misses = 0

    @property
    def encoder(self) -> Encoder:
        """The encoder, loaded on first use."""
        if self._encoder is None:
            self._encoder = self._factory()
        return self._encoder

    def has(self, texts: Sequence[str]) -> bool:
        """Whether ``texts`` (in this order) are already cached."""
        return (self.cache_dir / f"{cache_key(texts, self.encoder_id)}.npy").is_file()

    def embed(self, texts: Sequence[str], *, desc: str = "encode") -> np.ndarray:
        """L2-normalised float32 embeddings (len(texts), dim), from the cache when present."""
        path = self.cache_dir / f"{cache_key(texts, self.encoder_id)}.npy"
        if path.is_file():
            cached = np.load(path, allow_pickle=False)
            if cached.shape[0] == len(texts):
                self.hits += 1
                return cached
        self.misses += 1
        out = self._encode(texts, desc=desc)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.stem + ".tmp.npy")
        np.save(tmp, out, allow_pickle=False)
        tmp.replace(path)
        return out

    def _encode(self, texts: Sequence[str], *, desc: str) -> np.ndarray:
        # Length-sorted chunks keep padding small across chunks, not only within the encoder's own batches.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out: np.ndarray | None = None
        with tqdm(total=len(texts), desc=desc, unit="text") as bar:
            for start in range(0, len(order), CHUNK_SIZE):
                idx = order[start : start + CHUNK_SIZE]
                vectors = self.encoder.encode([texts[i] for i in idx])
                if out is None:
                    out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
                out[idx] = vectors
                bar.update(len(idx))
        if out is None:
            return np.zeros((0, self.encoder.dim), dtype=np.float32)
        return out
