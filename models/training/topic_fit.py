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
``serve``      one centroid per cluster of at least ``min_topic_size`` documents; a text takes its
               nearest centroid when the cosine reaches the threshold that leaves at most
               ``max_unassigned`` of the corpus without a topic (the outlier rule), probabilities
               from a temperature fitted on the corpus.
``lineage``    with a previous version, ``models.topic_lineage.carry_over`` keeps the id and label
               of every topic that still exists, gives new ids to new ones and records retired ids.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from models.errors import InvalidInputError
from models.topic_lineage import CarriedTopic, FittedTopic, KnownTopic, Lineage, carry_over
from models.topic_model import Topic, TopicModel
from models.training.metrics import fit_temperature, threshold_for_abstention

# Temperatures for cosine similarities are small: neighbouring centroids sit within ~0.1 cosine.
TEMPERATURE_BOUNDS = (0.005, 1.0)
# Ward on n documents holds n * (n - 1) / 2 float64 distances: 8,000 documents are 256 MB.
SAMPLE_MAX = 8000
# c-TF-IDF words looked at per topic before the cross-topic de-duplication.
WORD_POOL = 30
# Keywords are words of two or more letters: digits (order numbers, amounts) say nothing about a topic.
TOKEN_PATTERN = r"(?u)\b[^\W\d_][^\W\d_]+\b"


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

    x = _normalise(embeddings)
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
    centroids = _normalise(np.stack([x[sample][labels == c].mean(axis=0) for c in range(k)]))
    return np.argmax(x @ centroids.T, axis=1).astype(np.int64)


def represent(
    texts: Sequence[str], embeddings: np.ndarray, clusters: np.ndarray, config: TopicFitConfig
) -> dict[int, list[str]]:
    """c-TF-IDF keywords per cluster through BERTopic's manual mode, de-duplicated across clusters."""
    from bertopic import BERTopic
    from bertopic.cluster import BaseCluster
    from bertopic.dimensionality import BaseDimensionalityReduction
    from bertopic.vectorizers import ClassTfidfTransformer
    from sklearn.feature_extraction.text import CountVectorizer

    # No min_df: BERTopic fits the vectorizer on one joined document per topic, so min_df=2 would
    # drop exactly the words that belong to a single topic.
    model = BERTopic(
        umap_model=BaseDimensionalityReduction(),
        hdbscan_model=BaseCluster(),
        vectorizer_model=CountVectorizer(stop_words="english", token_pattern=TOKEN_PATTERN),
        ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=True),
        top_n_words=WORD_POOL,
        calculate_probabilities=False,
    )
    model.fit(list(texts), embeddings=embeddings, y=clusters.tolist())
    # BERTopic may renumber topics by size; its per-document topics tell us which is which.
    rename: dict[int, int] = {}
    for cluster_id, topic_id in zip(clusters.tolist(), model.topics_, strict=True):
        rename.setdefault(int(topic_id), int(cluster_id))
    pools = {rename[t]: [(w, float(s)) for w, s in (model.get_topic(t) or []) if w] for t in rename}
    return dedupe_keywords(common_words(texts, clusters, pools), config.n_keywords)


def common_words(
    texts: Sequence[str], clusters: np.ndarray, pools: dict[int, list[tuple[str, float]]]
) -> dict[int, list[tuple[str, float]]]:
    """Each topic's pool without words found in fewer than max(2, 5 %) of its documents (typos, names, one-offs).

    c-TF-IDF rewards words rare elsewhere, so a single document's misspelling can top a small topic;
    a keyword must be shared by the topic's documents. A topic left with fewer than 3 words keeps its pool.
    """
    pattern = re.compile(TOKEN_PATTERN)
    out: dict[int, list[tuple[str, float]]] = {}
    for topic, words in pools.items():
        members = np.flatnonzero(clusters == topic)
        df = Counter(w for i in members for w in set(pattern.findall(texts[int(i)].lower())))
        floor = max(2, math.ceil(0.05 * len(members)))
        kept = [(w, score) for w, score in words if df[w] >= floor]
        out[topic] = kept if len(kept) >= 3 else words
    return out


def dedupe_keywords(pools: dict[int, list[tuple[str, float]]], n_keywords: int) -> dict[int, list[str]]:
    """Each word stays only with the topic where it scores highest; a topic left with < 3 words keeps its own top."""
    owner: dict[str, tuple[float, int]] = {}
    for topic, words in pools.items():
        for word, score in words:
            if word not in owner or (score, -topic) > (owner[word][0], -owner[word][1]):
                owner[word] = (score, topic)
    result: dict[int, list[str]] = {}
    for topic, words in pools.items():
        own = [w for w, _ in words if owner[w][1] == topic][:n_keywords]
        result[topic] = own if len(own) >= min(3, len(words)) else [w for w, _ in words][:n_keywords]
    return result


def unique_labels(keyword_lists: Sequence[Sequence[str]], n: int) -> list[str]:
    """Top ``n`` keywords joined with ' / ', extended by further keywords (or an index) where labels collide."""
    labels: list[str] = []
    seen: set[str] = set()
    for i, words in enumerate(keyword_lists):
        k = n
        label = " / ".join(words[:k]) or f"topic {i}"
        while label in seen and k < len(words):
            k += 1
            label = " / ".join(words[:k])
        if label in seen:
            label = f"{label} ({i})"
        seen.add(label)
        labels.append(label)
    return labels


def fit_topic_model(
    texts: Sequence[str],
    embeddings: np.ndarray,
    *,
    name: str,
    version: str,
    config: TopicFitConfig | None = None,
    previous: TopicModel | None = None,
    metadata: dict[str, Any] | None = None,
) -> TopicFit:
    """Cluster -> represent -> serve (-> lineage against ``previous``): a ``TopicModel`` ready to save.

    Raises:
        ValueError: fewer than 10 texts, or texts and embeddings of different lengths.
    """
    config = config or TopicFitConfig()
    if len(texts) != embeddings.shape[0]:
        raise ValueError(f"{len(texts)} texts but {embeddings.shape[0]} embeddings")
    if len(texts) < 10:
        raise ValueError(f"a topic model needs at least 10 texts, got {len(texts)}")
    x = _normalise(embeddings)
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
        FittedTopic(_normalise(x[clusters == c].mean(axis=0, keepdims=True))[0], tuple(words.get(c, [])), "", 0)
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
    cluster_centroids = _normalise(np.stack([x[clusters == c].mean(axis=0) for c in range(k)]))
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


def _normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return x / np.clip(np.linalg.norm(x, axis=1, keepdims=True), 1e-12, None)


# --- edits and partial updates: each returns a new model (a new version), the input is not changed ----------


def rename_topic(model: TopicModel, topic_id: int, label: str, *, version: str) -> TopicModel:
    """``model`` with topic ``topic_id`` labelled ``label``; matched topics keep labels on refits, so this persists."""
    label = label.strip()
    if not label:
        raise InvalidInputError.single("label", "is empty; give the topic a readable label")
    ids = [t.id for t in model.topics]
    if topic_id not in ids:
        raise InvalidInputError.single("topic_id", f"no topic with id {topic_id}; topic ids are {ids}")
    if any(t.label == label and t.id != topic_id for t in model.topics):
        owner = next(t.id for t in model.topics if t.label == label)
        raise InvalidInputError.single("label", f"{label!r} is already topic {owner}'s label; choose another")
    topics = tuple(Topic(t.id, label, t.keywords, t.size) if t.id == topic_id else t for t in model.topics)
    edits = [*model.metadata.get("edits", []), {"op": "rename", "topic": topic_id, "label": label, "in": version}]
    return _copy(model, version, topics, model.centroids, {"edits": edits})


def merge_topics(model: TopicModel, ids: Sequence[int], into: int, *, version: str) -> TopicModel:
    """``model`` with topics ``ids`` folded into ``into``; the folded centroids stay as aliases of ``into``.

    The target keeps its own centroid, and a text close to a folded topic's centroid is assigned to the
    target (``TopicModel.similarities``), so a merge never blurs either theme. Refits match the aliases
    too, so the merge holds (``models.topic_lineage``).
    """
    others = sorted(set(ids) - {into})
    if not others:
        raise InvalidInputError.single("topic_ids", "name at least one topic to merge, other than `into`")
    known = [t.id for t in model.topics]
    for field_name, missing in (("into", [into] if into not in known else []), ("topic_ids", set(others) - set(known))):
        if missing:
            raise InvalidInputError.single(field_name, f"no topic with id {sorted(missing)}; topic ids are {known}")
    by_id = {t.id: (i, t) for i, t in enumerate(model.topics)}
    # Aliases that pointed at a folded topic now point at the target.
    aliases = [
        {**a, "merged_into": into} if int(a["merged_into"]) in others else a for a in model.metadata.get("aliases", [])
    ]
    aliases += [
        {
            "id": i,
            "label": by_id[i][1].label,
            "keywords": list(by_id[i][1].keywords),
            "centroid": [round(float(v), 6) for v in model.centroids[by_id[i][0]]],
            "merged_into": into,
        }
        for i in others
    ]
    target = by_id[into][1]
    keywords = list(target.keywords)
    for i in others:
        keywords += [k for k in by_id[i][1].keywords if k not in keywords]
    size = target.size + sum(by_id[i][1].size for i in others)
    merged = Topic(into, target.label, tuple(keywords[: max(len(target.keywords), 1)]), size)
    topics = tuple(merged if t.id == into else t for t in model.topics if t.id not in others)
    rows = [by_id[t.id][0] for t in topics]
    edits = [*model.metadata.get("edits", []), {"op": "merge", "topics": others, "into": into, "in": version}]
    return _copy(model, version, topics, model.centroids[rows], {"aliases": aliases, "edits": edits})


@dataclass(frozen=True)
class PartialUpdate:
    """What ``partial_update`` did: the new model, the new topic ids and how many documents nothing explained."""

    model: TopicModel
    new_ids: tuple[int, ...]
    unexplained: int


def partial_update(
    model: TopicModel,
    texts: Sequence[str],
    embeddings: np.ndarray,
    *,
    version: str,
    config: TopicFitConfig | None = None,
) -> PartialUpdate:
    """Add topics for the documents no existing topic explains; existing topics, ids and centroids stay as they are.

    The documents below the model's threshold are clustered on their own (``fit_topic_model``); a cluster
    becomes a new topic unless it matches an existing topic (``models.topic_lineage`` rule). Too few
    unexplained documents (under ``2 * min_topic_size``) add nothing.
    """
    config = config or TopicFitConfig()
    x = _normalise(embeddings)
    sims = model.similarities(x) if len(model.topics) else np.zeros((x.shape[0], 0), dtype=np.float32)
    best = sims.max(axis=1) if sims.shape[1] else np.full(x.shape[0], -1.0)
    loose = np.flatnonzero(best < model.threshold)
    min_size = min_topic_size(config, len(texts))
    next_id = int(model.metadata.get("next_id", max((t.id for t in model.topics), default=-1) + 1))
    new: list[CarriedTopic] = []
    if len(loose) >= max(10, 2 * min_size):
        sub = fit_topic_model(
            [texts[int(i)] for i in loose],
            x[loose],
            name=model.name,
            version=version,
            config=TopicFitConfig(**{**config.__dict__, "min_topic_size": min_size, "max_unassigned": 0.0}),
            previous=model,
        )
        assert sub.lineage is not None
        # Only clusters that match nothing existing are new; the rest are already covered by a topic.
        new = [t for t in sub.lineage.topics if t.id in set(sub.lineage.new)]
        taken = {t.label for t in model.topics}
        new = [
            CarriedTopic(
                next_id + i,
                t.label if t.label not in taken else f"{t.label} ({next_id + i})",
                t.keywords,
                t.size,
                t.centroid,
            )
            for i, t in enumerate(new)
        ]
    topics = model.topics + tuple(Topic(t.id, t.label, t.keywords, t.size) for t in new)
    centroids = np.vstack([model.centroids, *(t.centroid[None, :] for t in new)]) if new else model.centroids
    edits = [*model.metadata.get("edits", []), {"op": "partial", "documents": len(texts), "new": [t.id for t in new]}]
    updated = _copy(model, version, topics, centroids, {"edits": edits, "next_id": next_id + len(new)})
    return PartialUpdate(updated, tuple(t.id for t in new), len(loose))


def _copy(
    model: TopicModel, version: str, topics: tuple[Topic, ...], centroids: np.ndarray, metadata: dict[str, Any]
) -> TopicModel:
    return TopicModel(
        name=model.name,
        version=version,
        topics=topics,
        centroids=centroids,
        threshold=model.threshold,
        temperature=model.temperature,
        metadata={**model.metadata, **metadata},
    )


def topic_card_sections(model: TopicModel, *, command: str) -> list[tuple[str, str]]:
    """MODEL_CARD.md sections of a user topic model: command, fit settings, lineage and edits, topics."""
    from models.training import cards

    fit = model.metadata.get("fit", {})
    settings = [[k, v] for k, v in sorted(fit.items())]
    settings += [["threshold (cosine)", model.threshold], ["temperature", model.temperature]]
    settings += [["without a topic at fit", f"{model.metadata.get('outlier_share', 0):.1%}"]]
    sections = [
        ("Command", f"```\n{command}\n```\n\nWritten {cards.today()} (UTC)."),
        ("Fit", cards.table(["setting", "value"], settings)),
    ]
    history = []
    lineage = model.metadata.get("lineage")
    if lineage:
        history.append(
            f"Refit of `{lineage['previous']}`: kept {lineage['kept']}, new {lineage['new']}, "
            f"retired {lineage['retired']}, folded into merge targets {lineage['folded'] or 'none'}."
        )
    history += [f"- {edit}" for edit in model.metadata.get("edits", [])]
    if model.metadata.get("retired"):
        history.append(f"Retired so far: {model.metadata['retired']}.")
    if history:
        sections.append(("History", "\n".join(history)))
    sections.append(
        (
            "Topics",
            cards.table(
                ["id", "label", "size", "keywords"],
                [[t.id, t.label, t.size, ", ".join(t.keywords)] for t in model.topics],
            ),
        )
    )
    return sections


def write_topic_card(folder: Any, model: TopicModel, *, command: str) -> None:
    """Write ``MODEL_CARD.md`` for ``model`` into ``folder``."""
    from models.training import cards

    cards.write_card(folder, f"{model.name} {model.version} — topic model", topic_card_sections(model, command=command))
