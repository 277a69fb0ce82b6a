"""Edits of a fitted topic model (rename, merge, partial update); each returns a new version, the input unchanged."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from models.errors import InvalidInputError
from models.topic_lineage import CarriedTopic
from models.topic_model import Topic, TopicModel
from models.training.topics.cluster import normalise
from models.training.topics.fit import TopicFitConfig, fit_topic_model, min_topic_size


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
    x = normalise(embeddings)
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
