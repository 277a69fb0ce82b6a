"""``journeymine eval topics``: fit a topic model on a labelled set's texts and score it.

Recipe: embed the texts once with the enricher's shared encoder -> fit with
``models.training.topics.fit`` (no random step: the same texts give the same topics) -> figures
(``eval.topic_metrics``) -> refit on a random 90 % of the texts (``seed``) against the first fit
for the id-stability figure -> time nearest-centroid assignment -> optionally BERTopic's default
configuration on the same embeddings (``--baseline bertopic``, UMAP seeded with ``seed``).

Result keys: ``task``, ``model`` (the recipe), ``n``, ``n_topics``, ``outlier_share``,
``npmi``, ``diversity``, ``nmi``, ``ari``, ``stability`` (after the 90 % refit,
``docs_same_id``: share of the texts in both fits that keep their topic id; ``ids_kept``:
share of the first fit's topic ids still present), ``fit_seconds``, ``assign_texts_per_s``, ``topics`` (id,
label, keywords, size), ``slices`` (field -> value -> n and topic figures) and
``baselines``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import numpy as np

from eval.data import LabelledRow
from eval.predict import encode_texts
from eval.topic_metrics import agreement, topic_figures
from models.errors import InvalidInputError
from models.topic_model import TopicModel
from models.training.topics.fit import TopicFit, TopicFitConfig, fit_topic_model
from pipelines.enrichment.enricher import Enricher

RECIPE = "topic_fit (Ward clusters, c-TF-IDF keywords, centroid serving)"
# Assignment is timed over at least this many texts (the corpus repeated) for a stable figure.
TIMING_TEXTS = 20_000
# The stability refit sees this share of the texts, drawn with the seed.
REFIT_SHARE = 0.9
MIN_ROWS = 10


def evaluate_topics(
    rows: Sequence[LabelledRow],
    *,
    enricher: Enricher,
    seed: int = 42,
    baseline: str | None = None,
    slice_by: Sequence[str] = (),
    lock: AbstractContextManager | None = None,
) -> dict[str, Any]:
    """Fit on the rows' texts and report the figures above (labels are the categories for NMI/ARI)."""
    if len(rows) < MIN_ROWS:
        raise InvalidInputError.single("rows", f"topics need at least {MIN_ROWS} labelled rows, got {len(rows)}")
    if seed < 0:
        raise InvalidInputError.single("seed", f"is {seed}; use a whole number >= 0")
    texts = [r.text for r in rows]
    gold = [r.label for r in rows]
    x = encode_texts(enricher.encoder, texts, lock=lock or nullcontext(), desc="encode")

    started = time.perf_counter()
    first = fit_topic_model(texts, x, name="topics.eval", version="v1", config=TopicFitConfig())
    fit_seconds = time.perf_counter() - started
    keywords = [t.keywords for t in first.model.topics]
    result: dict[str, Any] = {"task": "topics", "model": RECIPE, "seed": seed}
    result.update(topic_figures(texts, gold, first.assigned.tolist(), keywords))

    result["stability"] = refit_stability(texts, x, first, seed=seed)
    result["fit_seconds"] = round(fit_seconds, 3)
    result["assign_texts_per_s"] = round(assign_rate(first.model, x), 1)
    result["topics"] = [
        {"id": t.id, "label": t.label, "keywords": list(t.keywords), "size": int((first.assigned == t.id).sum())}
        for t in first.model.topics
    ]
    result["slices"] = _slices(rows, first.assigned, slice_by)
    result["baselines"] = {}
    if baseline == "bertopic":
        result["baselines"]["bertopic"] = bertopic_default(texts, gold, x, seed=seed)
    elif baseline:
        raise InvalidInputError.single(
            "baseline", f"unknown baseline {baseline!r} for task 'topics'; valid baselines are: bertopic"
        )
    return result


def refit_stability(texts: Sequence[str], x: np.ndarray, first: TopicFit, *, seed: int) -> dict[str, float]:
    """Refit on a random ``REFIT_SHARE`` of the texts against ``first``: share of texts and of ids that keep theirs."""
    n = len(texts)
    keep = np.sort(np.random.default_rng(seed).permutation(n)[: max(MIN_ROWS, int(REFIT_SHARE * n))])
    refit = fit_topic_model(
        [texts[i] for i in keep], x[keep], name=first.model.name, version="refit", previous=first.model
    )
    first_ids = {t.id for t in first.model.topics}
    return {
        "refit_share": REFIT_SHARE,
        "docs_same_id": round(float((refit.assigned == first.assigned[keep]).mean()), 6),
        "ids_kept": round(len(first_ids & {t.id for t in refit.model.topics}) / max(1, len(first_ids)), 6),
    }


def assign_rate(model: TopicModel, x: np.ndarray) -> float:
    """Texts/s of nearest-centroid assignment given embeddings, over at least ``TIMING_TEXTS`` rows."""
    reps = max(1, -(-TIMING_TEXTS // x.shape[0]))
    batch = np.tile(x, (reps, 1))
    started = time.perf_counter()
    model.assign(batch)
    return batch.shape[0] / max(time.perf_counter() - started, 1e-9)


def bertopic_default(texts: Sequence[str], gold: Sequence[str], embeddings: np.ndarray, *, seed: int) -> dict[str, Any]:
    """BERTopic's default configuration on the same embeddings (UMAP seeded so the figure is reproducible)."""
    from bertopic import BERTopic
    from umap import UMAP

    # BERTopic's own default UMAP, plus a random_state.
    umap = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", low_memory=False, random_state=seed)
    started = time.perf_counter()
    model = BERTopic(umap_model=umap, calculate_probabilities=False)
    assigned, _ = model.fit_transform(list(texts), embeddings=embeddings)
    seconds = time.perf_counter() - started
    keywords = [[w for w, _ in (model.get_topic(t) or []) if w] for t in sorted(set(assigned)) if t != -1]
    figures: dict[str, Any] = {"model": "BERTopic() defaults, UMAP random_state=seed"}
    figures.update(topic_figures(texts, gold, [int(a) for a in assigned], keywords))
    figures["fit_seconds"] = round(seconds, 3)
    return figures


def _slices(
    rows: Sequence[LabelledRow], assigned: np.ndarray, slice_by: Sequence[str]
) -> dict[str, dict[str, dict[str, Any]]]:
    """Per value of each field: n, share without a topic, NMI and ARI of the one fit's assignment."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for name in slice_by:
        groups: dict[str, list[int]] = {}
        for i, row in enumerate(rows):
            groups.setdefault(row.fields.get(name, "(missing)"), []).append(i)
        out[name] = {
            value: {
                "n": len(idx),
                "outlier_share": float((assigned[idx] == -1).mean()),
                **agreement([rows[i].label for i in idx], assigned[idx].tolist()),
            }
            for value, idx in sorted(groups.items())
        }
    return out
