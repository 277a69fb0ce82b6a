"""Fit a topic model on precomputed embeddings and turn it into the served nearest-centroid ``TopicModel``.

The recipe is BERTopic's (embed -> reduce -> cluster -> represent), with the choices a
service can live with, each a named step below:

``cluster``    Ward agglomerative clustering of the L2-normalised encoder embeddings (no UMAP, no
               HDBSCAN). It has no random step, so the same texts always give the same topics, and
               it cannot dump documents in an outlier topic or collapse to two clusters. Larger
               corpora are clustered on the ``sample_max`` texts with the smallest BLAKE2 hashes (a
               sample that depends on the texts alone, so a refit on a corpus that grew keeps most
               of it); the rest join their nearest cluster. The number of topics is ``n_topics`` or,
               by default, ``auto_n_topics(n)``.
``represent``  BERTopic in manual mode (``BaseDimensionalityReduction`` + ``BaseCluster``, the clusters
               passed as ``y``) computes c-TF-IDF (frequent words reduced); a word that ranks in
               several topics' lists is kept by the topic where it scores highest, so keywords and
               labels tell topics apart. A label is the first ``label_keywords`` keywords.
``label``      optional (``label_embed``): the label becomes the phrase of the topic's texts that best
               names it (``topics.labels``: c-TF-IDF candidates ranked by cosine to the centroid).
``serve``      one centroid per cluster of at least ``min_topic_size`` documents; a text takes its
               nearest centroid when the cosine reaches the threshold that leaves at most
               ``max_unassigned`` of the corpus without a topic (the outlier rule), probabilities
               from a temperature fitted on the corpus.
``lineage``    with a previous version, ``models.topic_lineage.carry_over`` keeps the id and label
               of every topic that still exists, gives new ids to new ones and records retired ids.

``cluster`` lives in ``topics.cluster``, ``represent`` in ``topics.keywords``; edits of a fitted model
(rename, merge, partial update) are ``topics.edits`` and its MODEL_CARD.md is ``topics.cards``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from models.topic_lineage import CarriedTopic, FittedTopic, KnownTopic, Lineage, carry_over
from models.topic_model import Topic, TopicModel
from models.training.metrics import fit_temperature, threshold_for_abstention
from models.training.topics.cluster import SAMPLE_MAX, cluster, normalise
from models.training.topics.keywords import represent, unique_labels
from models.training.topics.labels import LabelConfig, phrase_labels

# Temperatures for cosine similarities are small: neighbouring centroids sit within ~0.1 cosine.
TEMPERATURE_BOUNDS = (0.005, 1.0)


@dataclass(frozen=True)
class TopicFitConfig:
    """Everything that decides a fit; recorded in the model's metadata."""

    n_topics: int | None = None  # None: auto_n_topics(len(corpus))
    min_topic_size: int | None = None  # None: max(3, n // 500)
    max_unassigned: float = 0.10
    n_keywords: int = 10
    label_keywords: int = 3
    sample_max: int = SAMPLE_MAX

    def __post_init__(self) -> None:
        if self.n_topics is not None and self.n_topics < 2:
            raise ValueError(f"n_topics must be at least 2 (or None for the automatic rule), got {self.n_topics}")
        if not 0.0 <= self.max_unassigned < 1.0:
            raise ValueError(f"max_unassigned must be in [0, 1), got {self.max_unassigned}")


def min_topic_size(config: TopicFitConfig, n: int) -> int:
    """The smallest cluster that becomes a topic: ``config.min_topic_size``, by default max(3, n / 500)."""
    return config.min_topic_size or max(3, n // 500)


def assigned_ids(model: TopicModel, x: np.ndarray) -> np.ndarray:
    """Each row's served topic id, -1 where no topic clears the threshold."""
    return np.array([r[0][0].id if r else -1 for r in model.assign(x)], dtype=np.int64)


def auto_n_topics(n: int) -> int:
    """sqrt(n / 2), between 5 and 100, and at most n / 5: ~27 topics for 1,500 texts, 100 from 20,000."""
    return max(2, min(100, max(5, round(math.sqrt(n / 2))), n // 5))


@dataclass(frozen=True)
class TopicFit:
    """A fitted model with what the fit saw: per-document topic ids (-1 = none) and the lineage."""

    model: TopicModel
    assigned: np.ndarray
    lineage: Lineage | None
    seconds: dict[str, float] = field(default_factory=dict)


def fit_topic_model(
    texts: Sequence[str],
    embeddings: np.ndarray,
    *,
    name: str,
    version: str,
    config: TopicFitConfig | None = None,
    previous: TopicModel | None = None,
    metadata: dict[str, Any] | None = None,
    label_embed: Callable[[Sequence[str]], np.ndarray] | None = None,
    label_config: LabelConfig | None = None,
) -> TopicFit:
    """Cluster -> represent -> serve (-> lineage against ``previous``) (-> label): a ``TopicModel`` ready to save.

    With ``label_embed`` (the encoder of ``embeddings``), each topic is labelled with the phrase of its texts
    that best names it (``topics.labels``); topics carried over from ``previous`` keep their labels.

    Raises:
        ValueError: fewer than 10 texts, or texts and embeddings of different lengths.
    """
    config = config or TopicFitConfig()
    if len(texts) != embeddings.shape[0]:
        raise ValueError(f"{len(texts)} texts but {embeddings.shape[0]} embeddings")
    if len(texts) < 10:
        raise ValueError(f"a topic model needs at least 10 texts, got {len(texts)}")
    x = normalise(embeddings)
    n = len(texts)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    k = config.n_topics or auto_n_topics(n)
    clusters = cluster(x, k, texts=texts, sample_max=config.sample_max)
    seconds["cluster"] = time.perf_counter() - started

    started = time.perf_counter()
    min_size = min_topic_size(config, n)
    sizes = np.bincount(clusters, minlength=k)
    kept = [c for c in range(k) if sizes[c] >= min_size]
    if not kept:
        raise ValueError(f"no cluster reached min_topic_size={min_size}; lower it or pass more texts")
    words = represent(texts, x, clusters, config)
    seconds["represent"] = time.perf_counter() - started

    fitted = [
        FittedTopic(normalise(x[clusters == c].mean(axis=0, keepdims=True))[0], tuple(words.get(c, [])), "", 0)
        for c in kept
    ]
    labels = unique_labels([f.keywords for f in fitted], config.label_keywords)
    fitted = [
        FittedTopic(f.centroid, f.keywords, label, int(sizes[c]))
        for f, label, c in zip(fitted, labels, kept, strict=True)
    ]
    lineage = None
    extra: dict[str, Any] = {}
    if previous is not None:
        lineage = carry_over(known_topics(previous), fitted, next_id=int(previous.metadata.get("next_id", 0)))
        carried = list(lineage.topics)
        by_id = {t.id: t for t in previous.topics}
        extra = {
            "lineage": {
                "previous": f"{previous.name}.{previous.version}",
                "kept": list(lineage.kept),
                "new": list(lineage.new),
                "retired": list(lineage.retired),
                "folded": {str(a): b for a, b in lineage.folded.items()},
            },
            "retired": [
                *previous.metadata.get("retired", []),
                *({"id": i, "label": by_id[i].label, "retired_in": version} for i in lineage.retired),
            ],
            # Carried merge aliases take part in assignment (TopicModel.similarities) from the start.
            "aliases": list(previous.metadata.get("aliases", [])),
        }
    else:
        carried = [CarriedTopic(i, f.label, f.keywords, f.size, f.centroid) for i, f in enumerate(fitted)]
    # Temperature target: each document's cluster, as the served topic nearest that cluster's centroid.
    served_centroids = np.stack([t.centroid for t in carried])
    cluster_centroids = normalise(np.stack([x[clusters == c].mean(axis=0) for c in range(k)]))
    target = np.argmax(cluster_centroids @ served_centroids.T, axis=1)[clusters]
    metadata = {
        **(metadata or {}),
        "fit": {**config.__dict__, "n_topics": k, "min_topic_size": min_size, "n_documents": n},
        "next_id": lineage.next_id if lineage is not None else len(carried),
        **extra,
    }
    model = _served(carried, name, version, x, target, config, metadata)
    assigned = assigned_ids(model, x)
    model.metadata["outlier_share"] = round(float((assigned == -1).mean()), 6)
    if label_embed is not None:
        started = time.perf_counter()
        label_config = label_config or LabelConfig()
        keep = lineage.kept if lineage is not None else ()
        phrased = phrase_labels(model, texts, x, label_embed, label_config, keep)
        model.topics = tuple(Topic(t.id, phrased[t.id], t.keywords, t.size) for t in model.topics)
        model.metadata["labels"] = {"method": "phrases", **asdict(label_config)}
        seconds["label"] = time.perf_counter() - started
    return TopicFit(model, assigned, lineage, seconds)


def known_topics(model: TopicModel) -> list[KnownTopic]:
    """A model's live topics plus its merge aliases (``metadata["aliases"]``), for ``carry_over``."""
    known = [KnownTopic(t.id, model.centroids[i], t.keywords, t.label) for i, t in enumerate(model.topics)]
    for alias in model.metadata.get("aliases", []):
        known.append(
            KnownTopic(
                int(alias["id"]),
                np.asarray(alias["centroid"], dtype=np.float32),
                tuple(alias["keywords"]),
                str(alias["label"]),
                merged_into=int(alias["merged_into"]),
            )
        )
    return known


def _served(
    topics: Sequence[CarriedTopic],
    name: str,
    version: str,
    x: np.ndarray,
    target: np.ndarray,
    config: TopicFitConfig,
    metadata: dict[str, Any],
) -> TopicModel:
    model = TopicModel(
        name=name,
        version=version,
        topics=tuple(Topic(t.id, t.label, t.keywords, t.size) for t in topics),
        centroids=np.stack([t.centroid for t in topics]),
        threshold=0.0,
        metadata=metadata,
    )
    sims = model.similarities(x)
    # Rounded down, so the stored threshold never leaves more than max_unassigned without a topic.
    model.threshold = math.floor(threshold_for_abstention(sims.max(axis=1), config.max_unassigned) * 1e6) / 1e6
    model.temperature = round(fit_temperature(sims, target, bounds=TEMPERATURE_BOUNDS), 6)
    return model
