"""The enricher's encode step: one encoder pass per unique text of a batch's parts, and the sentiment head."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from models.encoder import Encoder
from pipelines.enrichment.domain import SignalKind
from pipelines.enrichment.prepared import PartAnalysis
from pipelines.enrichment.sentiment import SentimentStage

# The signals read from the encoder's embeddings: a call with none of them needs no encoder pass.
ENCODER_SIGNALS = frozenset({SignalKind.SENTIMENT, SignalKind.INTENT, SignalKind.TOPICS})


def encode_parts(
    parts: Sequence[PartAnalysis],
    signals: frozenset[SignalKind],
    *,
    encoder: Encoder,
    sentiment: SentimentStage,
    max_part_chars: int,
    one_by_one: bool = False,
    ahead: dict[str, np.ndarray] | None = None,
) -> None:
    """One encoder pass per unique text, and the sentiment head, in place.

    A multi-sentence part longer than ``max_part_chars`` gets the mean of its sentences' embeddings
    instead of its own pass. ``one_by_one`` (replay: the request pins model versions) runs every text
    through the encoder and the sentiment head alone, so its floats do not depend on what else is in the
    batch (a batched matrix product rounds differently), at the price of the encoder's batch-of-one speed.
    Texts in ``ahead`` (``Enricher.encode_ahead``) are not encoded again.
    """
    if not parts or not signals & ENCODER_SIGNALS:
        return
    texts: dict[str, int] = {}
    part_rows: list[int | None] = []
    for pa in parts:
        pa.sentence_rows = [texts.setdefault(s, len(texts)) for _, s in pa.sentences]
        whole = pa.part.text.strip()
        if len(pa.sentences) <= 1 or len(whole) <= max_part_chars:
            part_rows.append(texts.setdefault(whole, len(texts)))
        else:
            part_rows.append(None)
    if one_by_one:
        embeddings = np.vstack([encoder.encode([t]) for t in texts])
        proba = np.vstack([sentiment.predict_proba(row[None, :]) for row in embeddings])
    else:
        if ahead:  # encode only what encode_ahead did not
            missing = [t for t in texts if t not in ahead]
            fresh = dict(zip(missing, encoder.encode(missing), strict=True)) if missing else {}
            embeddings = np.vstack([ahead[t] if t in ahead else fresh[t] for t in texts])
        else:  # in-process and batch enrichment: one pass, no copy
            embeddings = encoder.encode(list(texts))
        proba = sentiment.predict_proba(embeddings)
    for pa, row in zip(parts, part_rows, strict=True):
        pa.sentence_proba = [proba[r] for r in pa.sentence_rows]
        if row is not None:
            pa.embedding = embeddings[row]
            pa.sentiment_proba = proba[row]
        else:
            pa.embedding = _normalise(embeddings[pa.sentence_rows].mean(axis=0))
            pa.sentiment_proba = sentiment.predict_proba(pa.embedding[None, :])[0]


def _normalise(v: np.ndarray) -> np.ndarray:
    return (v / max(float(np.linalg.norm(v)), 1e-12)).astype(np.float32)
