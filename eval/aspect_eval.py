"""``eval aspect``: polarity of a given aspect span, over rows ``{"text", "aspect", "start", "end", "label"}``.

``start``/``end`` are code-point offsets of the aspect in ``text`` (``aspect``, when present, must be
``text[start:end]``); ``label`` is negative, neutral or positive. Rows of the same sentence are scored
in one pass of the aspect model, exactly as ``Enrich`` scores a sentence's aspects. The ``sentence``
baseline applies the shipped sentence-level sentiment (document sentiment of the text through
``Enricher.enrich``) to every aspect of the sentence: what a service without aspects would say.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any

import numpy as np

from eval.data import LabelledRow
from eval.metrics import Predictions, headline, slice_scores
from eval.predict import sentiment_predictions
from models.aspect import LABELS, AspectQuery
from models.errors import FieldViolation, InvalidInputError
from pipelines.enrichment.enricher import Enricher

BASELINES: tuple[str, ...] = ("sentence",)
_SHOWN = 5


def aspect_spans(rows: Sequence[LabelledRow]) -> list[tuple[int, int]]:
    """Each row's ``[start, end)``; InvalidInputError names every bad row (first few) and how to fix it."""
    spans: list[tuple[int, int]] = []
    bad: list[FieldViolation] = []
    for i, row in enumerate(rows):
        try:
            start, end = int(row.fields.get("start", "")), int(row.fields.get("end", ""))
        except ValueError:
            bad.append(FieldViolation(f"rows[{i}].start", "start and end must be integer code-point offsets"))
            continue
        if not 0 <= start < end <= len(row.text):
            bad.append(
                FieldViolation(f"rows[{i}].end", f"span [{start}, {end}) is not inside the text (0..{len(row.text)})")
            )
        elif "aspect" in row.fields and row.fields["aspect"] != row.text[start:end]:
            bad.append(
                FieldViolation(
                    f"rows[{i}].aspect",
                    f"is {row.fields['aspect']!r} but text[{start}:{end}] is {row.text[start:end]!r}; fix the offsets",
                )
            )
        elif row.label not in LABELS:
            bad.append(FieldViolation(f"rows[{i}].label", f"is {row.label!r}; use one of {', '.join(LABELS)}"))
        spans.append((start, end))
    if bad:
        raise InvalidInputError(bad[:_SHOWN])
    return spans


def aspect_predictions(
    enricher: Enricher, texts: Sequence[str], spans: Sequence[tuple[int, int]], lock: AbstractContextManager
) -> Predictions:
    """The aspect model's polarity of each (text, span), one pass per distinct text."""
    groups: dict[str, list[int]] = {}
    for i, text in enumerate(texts):
        groups.setdefault(text, []).append(i)
    queries = [AspectQuery(text, tuple(spans[i] for i in idx)) for text, idx in groups.items()]
    began = time.perf_counter()
    with lock:
        proba_groups = enricher.aspect_stage().predict_proba(queries)
    seconds = time.perf_counter() - began
    proba = np.zeros((len(texts), len(LABELS)), dtype=np.float64)
    for idx, rows in zip(groups.values(), proba_groups, strict=True):
        proba[idx] = rows
    labels = [LABELS[int(k)] for k in proba.argmax(axis=1)]
    return Predictions(labels=labels, proba=proba, classes=LABELS, seconds=seconds)


def evaluate_aspects(
    rows: Sequence[LabelledRow],
    *,
    enricher: Enricher,
    baseline: str | None,
    slice_by: Sequence[str],
    language: str,
    lock: AbstractContextManager,
) -> dict[str, Any]:
    """Figures of the aspect model (and the ``sentence`` baseline) on ``rows``: one JSON-ready dict."""
    spans = aspect_spans(rows)
    gold = [r.label for r in rows]
    texts = [r.text for r in rows]
    fields = [r.fields for r in rows]
    preds = aspect_predictions(enricher, texts, spans, lock)
    stage = enricher.aspect_stage()
    result: dict[str, Any] = {"task": "aspect", "model": stage.model.id, "sentences": len(set(texts))}
    result.update(headline(gold, preds, intent=False))
    result["labels"] = sorted(set(gold))
    result["slices"] = slice_scores(gold, preds, fields, slice_by, intent=False)
    result["baselines"] = {}
    if baseline == "sentence":
        distinct = list(dict.fromkeys(texts))
        by_text = sentiment_predictions(enricher, distinct, LABELS, language=language, lock=lock)
        where = {t: i for i, t in enumerate(distinct)}
        assert by_text.proba is not None
        proba = by_text.proba[[where[t] for t in texts]]
        bp = Predictions(
            labels=[by_text.labels[where[t]] for t in texts], proba=proba, classes=LABELS, seconds=by_text.seconds
        )
        figures = headline(gold, bp, intent=False)
        figures["slices"] = slice_scores(gold, bp, fields, slice_by, intent=False)
        figures["model"] = enricher.sentiment.model.id
        result["baselines"]["sentence"] = figures
    return result
