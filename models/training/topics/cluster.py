"""The topic recipe's ``cluster`` step: Ward clusters of L2-normalised embeddings, on a hash sample when large."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

# Ward on n documents holds n * (n - 1) / 2 float64 distances: 8,000 documents are 256 MB.
SAMPLE_MAX = 8000


def hash_sample(texts: Sequence[str], size: int) -> np.ndarray:
    """Sorted indices of the ``size`` texts with the smallest BLAKE2b hashes: a sample with no random step."""
    digests = [hashlib.blake2b(t.encode("utf-8"), digest_size=8).digest() for t in texts]
    return np.sort(np.array(sorted(range(len(texts)), key=lambda i: (digests[i], i))[:size], dtype=np.int64))


def cluster(
    embeddings: np.ndarray, n_topics: int, *, texts: Sequence[str] | None = None, sample_max: int = SAMPLE_MAX
) -> np.ndarray:
    """Ward clusters 0..n_topics-1 per row; above ``sample_max`` rows, Ward on a hash sample + nearest centroid.

    Without ``texts`` the sample is evenly spaced rows.
    """
    from sklearn.cluster import AgglomerativeClustering

    x = normalise(embeddings)
    n = x.shape[0]
    k = min(n_topics, n)
    if k < 2:
        return np.zeros(n, dtype=np.int64)
    if n <= sample_max:
        sample = np.arange(n)
    elif texts is not None:
        sample = hash_sample(texts, sample_max)
    else:
        sample = np.linspace(0, n - 1, sample_max).round().astype(np.int64)
    labels = AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(x[sample]).astype(np.int64)
    if n <= sample_max:
        return labels
    centroids = normalise(np.stack([x[sample][labels == c].mean(axis=0) for c in range(k)]))
    return np.argmax(x @ centroids.T, axis=1).astype(np.int64)


def normalise(x: np.ndarray) -> np.ndarray:
    """Rows of ``x`` as float32 scaled to unit L2 norm (all-zero rows stay zero)."""
    x = np.asarray(x, dtype=np.float32)
    return x / np.clip(np.linalg.norm(x, axis=1, keepdims=True), 1e-12, None)
