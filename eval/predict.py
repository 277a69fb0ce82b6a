"""Predictions from the production path: ``Enricher.enrich`` on plain-text interactions, in batches.

Each row becomes a ``PlainText`` interaction, exactly what ``Enrich`` receives for
a text, so an eval figure is what a caller of the service gets. Rows are declared
English (the labelled sets are): the language gate must not silently drop rows.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import TypeVar

import numpy as np
from tqdm import tqdm

from eval.metrics import Predictions
from models.encoder import Encoder
from models.heads import restrict
from pipelines.enrichment.domain import (
    OUT_OF_SCOPE,
    EnrichedInteraction,
    EnrichOptions,
    Interaction,
    PlainText,
    SignalKind,
)
from pipelines.enrichment.enricher import Enricher
from pipelines.enrichment.intent import IntentStage
from pipelines.enrichment.sentiment import LABELS as SENTIMENT_LABELS

T = TypeVar("T")
# Rows per enrich() call: big enough for the encoder's batching, small enough that a shared
# enricher lock is released often (the Evaluate RPC shares it with Enrich).
BATCH_SIZE = 256
# Runs shorter than this show no progress bar.
PROGRESS_MIN_ROWS = 1000


def batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most ``size`` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def enrich_texts(
    enricher: Enricher,
    texts: Sequence[str],
    options: EnrichOptions,
    *,
    language: str = "en",
    lock: AbstractContextManager | None = None,
    desc: str = "eval",
) -> tuple[list[EnrichedInteraction], float]:
    """``enricher.enrich`` over ``texts`` as PlainText interactions, in batches; returns results and seconds."""
    guard = lock if lock is not None else nullcontext()
    results: list[EnrichedInteraction] = []
    began = time.perf_counter()
    with tqdm(total=len(texts), desc=desc, unit="text", disable=len(texts) < PROGRESS_MIN_ROWS) as bar:
        for chunk in batches(texts, BATCH_SIZE):
            offset = len(results)
            interactions = [
                Interaction(id=str(offset + i), content=PlainText(text), language=language)
                for i, text in enumerate(chunk)
            ]
            with guard:
                results.extend(enricher.enrich(interactions, options))
            bar.update(len(chunk))
    return results, time.perf_counter() - began


def sentiment_predictions(
    enricher: Enricher,
    texts: Sequence[str],
    keep: Sequence[str],
    *,
    model: str | None = None,
    language: str = "en",
    lock: AbstractContextManager | None = None,
) -> Predictions:
    """Document sentiment probabilities restricted (and renormalised) to ``keep``; label = their argmax.

    ``model`` is the sentiment model (a name or id, as ``EnrichOptions.sentiment_model``; None: the default).
    A document labelled ``mixed`` is scored by the argmax of its probabilities, since
    ``mixed`` is never a gold label.
    """
    options = EnrichOptions(signals=frozenset({SignalKind.SENTIMENT}), sentiment_model=model)
    results, seconds = enrich_texts(enricher, texts, options, language=language, lock=lock, desc="sentiment")
    rows = []
    for result in results:
        s = result.sentiment
        if s is None:  # pragma: no cover - a declared supported language always gets a sentiment
            raise RuntimeError(f"no document sentiment for row {result.interaction_id}: {result.warnings}")
        rows.append((s.negative, s.neutral, s.positive))
    full = np.asarray(rows, dtype=np.float64).reshape(len(rows), len(SENTIMENT_LABELS))
    proba = restrict(full, SENTIMENT_LABELS, keep)
    labels = [keep[i] for i in proba.argmax(axis=1)]
    return Predictions(labels=labels, proba=proba, classes=tuple(keep), seconds=seconds)


def intent_predictions(
    enricher: Enricher,
    stage: IntentStage,
    texts: Sequence[str],
    *,
    language: str = "en",
    lock: AbstractContextManager | None = None,
) -> Predictions:
    """Document intent per text: the label (``out_of_scope`` when abstaining) and the head's full distribution.

    Asking for every in-scope label as top-k makes the document intent carry the whole
    in-scope distribution through the production path; an explicit ``out_of_scope``
    class (CLINC150, customer_service) gets the remaining mass.
    """
    head_labels = tuple(stage.head.labels)
    index = {label: i for i, label in enumerate(head_labels)}
    oos_column = index.get(OUT_OF_SCOPE)
    # The stage's exact version (its id): a taxonomy's name resolves to its latest version, which for
    # customer_service is v3 while a stage of v2 is evaluated.
    options = EnrichOptions(
        signals=frozenset({SignalKind.INTENT}), intent_taxonomy=stage.model.id, intent_top_k=len(stage.labels)
    )
    results, seconds = enrich_texts(enricher, texts, options, language=language, lock=lock, desc="intent")
    proba = np.zeros((len(results), len(head_labels)), dtype=np.float64)
    labels: list[str] = []
    for row, result in enumerate(results):
        intent = result.intent
        if intent is None:  # pragma: no cover - a PlainText is always the customer's words
            raise RuntimeError(f"no document intent for row {result.interaction_id}: {result.warnings}")
        for item in intent.top:
            proba[row, index[item.label]] = item.probability
        if oos_column is not None:
            proba[row, oos_column] = max(0.0, 1.0 - proba[row].sum())
        labels.append(intent.label)
    in_scope_top = np.array([r.intent.confidence for r in results if r.intent is not None], dtype=np.float64)
    return Predictions(labels=labels, proba=proba, classes=head_labels, oos_score=1.0 - in_scope_top, seconds=seconds)


def encode_texts(
    encoder: Encoder, texts: Sequence[str], *, lock: AbstractContextManager | None = None, desc: str = "encode"
) -> np.ndarray:
    """Embeddings from ``encoder``, in locked batches with a progress bar."""
    guard = lock if lock is not None else nullcontext()
    parts: list[np.ndarray] = []
    with tqdm(total=len(texts), desc=desc, unit="text", disable=len(texts) < PROGRESS_MIN_ROWS) as bar:
        for chunk in batches(texts, BATCH_SIZE):
            with guard:
                parts.append(encoder.encode(list(chunk)))
            bar.update(len(chunk))
    return np.vstack(parts) if parts else np.zeros((0, encoder.dim), dtype=np.float32)
