"""Stable topic ids across refits, and the merge / rename edits that survive them.

A refit produces new clusters in arbitrary order. ``carry_over`` matches them to the
previous version's topics one to one (Hungarian assignment on centroid cosine, with
keyword overlap as a tie-breaker and as support for a weaker cosine) and then:

- a matched topic keeps the previous id and label (renames included);
- an unmatched new topic gets a fresh id, never a retired one (``next_id`` only grows);
- an unmatched previous topic is recorded as retired, with the version that retired it;
- a merge is remembered as an *alias*: the merged-away topic's centroid stays in the
  artifact under its old id, pointing at the surviving id. The previous version's
  live topics and aliases are matched together, and a new cluster matching an alias is
  folded into the surviving topic, so a merge holds after every refit.

Match rule (cosine of L2-normalised centroids, Jaccard of keyword sets): a pair may match
when cosine >= ``MIN_COSINE``, or cosine >= ``MIN_COSINE_WITH_KEYWORDS`` and keyword
Jaccard >= ``MIN_KEYWORD_JACCARD``. Among allowed pairs the assignment maximises
``cosine + KEYWORD_WEIGHT * jaccard``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

MIN_COSINE = 0.80
MIN_COSINE_WITH_KEYWORDS = 0.65
MIN_KEYWORD_JACCARD = 0.25
KEYWORD_WEIGHT = 0.2


@dataclass(frozen=True)
class FittedTopic:
    """One cluster of a fresh fit, before ids are decided."""

    centroid: np.ndarray  # L2-normalised
    keywords: tuple[str, ...]
    label: str
    size: int


@dataclass(frozen=True)
class KnownTopic:
    """A topic (or merged-away alias) of the previous version."""

    id: int
    centroid: np.ndarray
    keywords: tuple[str, ...]
    label: str
    merged_into: int | None = None  # set for an alias


@dataclass(frozen=True)
class CarriedTopic:
    id: int
    label: str
    keywords: tuple[str, ...]
    size: int
    centroid: np.ndarray


@dataclass(frozen=True)
class Lineage:
    """What a refit did to the ids; stored in the topic model's metadata."""

    topics: tuple[CarriedTopic, ...]
    kept: tuple[int, ...]
    new: tuple[int, ...]
    retired: tuple[int, ...]
    folded: dict[int, int] = field(default_factory=dict)  # alias id matched -> surviving id
    next_id: int = 0


def keyword_jaccard(a: Sequence[str], b: Sequence[str]) -> float:
    """Size of the intersection over size of the union of the keyword sets (0 when both are empty)."""
    sa, sb = set(a), set(b)
    union = sa | sb
    return len(sa & sb) / len(union) if union else 0.0


def match(previous: Sequence[KnownTopic], fitted: Sequence[FittedTopic]) -> dict[int, int]:
    """One-to-one matches, fitted index -> index into ``previous``, under the module's rule."""
    if not previous or not fitted:
        return {}
    old = np.stack([p.centroid for p in previous]).astype(np.float64)
    new = np.stack([f.centroid for f in fitted]).astype(np.float64)
    cosine = new @ old.T
    jaccard = np.array([[keyword_jaccard(f.keywords, p.keywords) for p in previous] for f in fitted])
    allowed = (cosine >= MIN_COSINE) | ((cosine >= MIN_COSINE_WITH_KEYWORDS) & (jaccard >= MIN_KEYWORD_JACCARD))
    score = np.where(allowed, cosine + KEYWORD_WEIGHT * jaccard, -1e6)
    rows, cols = linear_sum_assignment(score, maximize=True)
    return {int(r): int(c) for r, c in zip(rows, cols, strict=True) if allowed[r, c]}


def carry_over(previous: Sequence[KnownTopic], fitted: Sequence[FittedTopic], *, next_id: int) -> Lineage:
    """Ids for ``fitted``: kept from ``previous`` where matched, folded into a merge target, or new.

    ``next_id`` is the previous version's next free id (0 for a first fit); the result's
    ``next_id`` is at least that, so an id is never reused.
    """
    matches = match(previous, fitted)
    live_ids = {p.id for p in previous if p.merged_into is None}
    groups: dict[int, list[int]] = {}  # surviving id -> fitted indices
    folded: dict[int, int] = {}
    labels: dict[int, str] = {}
    new_ids: list[int] = []
    counter = max([next_id, *(p.id + 1 for p in previous)])
    for index in range(len(fitted)):
        if index in matches:
            known = previous[matches[index]]
            target = known.merged_into if known.merged_into is not None else known.id
            if known.merged_into is not None:
                folded[known.id] = target
            if target in live_ids:
                groups.setdefault(target, []).append(index)
                labels[target] = next(p.label for p in previous if p.id == target)
                continue
        groups[counter] = [index]
        labels[counter] = fitted[index].label
        new_ids.append(counter)
        counter += 1
    topics = tuple(_combine(tid, labels[tid], [fitted[i] for i in groups[tid]]) for tid in sorted(groups))
    kept = tuple(sorted(tid for tid in groups if tid in live_ids))
    retired = tuple(sorted(live_ids - set(groups)))
    return Lineage(topics, kept, tuple(new_ids), retired, folded, counter)


def merge(topics: Sequence[CarriedTopic], ids: Sequence[int], into: int) -> tuple[CarriedTopic, ...]:
    """Fold topics ``ids`` into ``into`` (size-weighted centroid, keywords in order of first appearance)."""
    by_id = {t.id: t for t in topics}
    missing = sorted({*ids, into} - set(by_id))
    if missing:
        raise KeyError(f"no topic with id {missing}; topic ids are {sorted(by_id)}")
    group = [by_id[into], *(by_id[i] for i in ids if i != into)]
    parts = [FittedTopic(t.centroid, t.keywords, t.label, t.size) for t in group]
    combined = _combine(into, by_id[into].label, parts)
    gone = set(ids) - {into}
    return tuple(combined if t.id == into else t for t in topics if t.id not in gone)


def _combine(topic_id: int, label: str, parts: Sequence[FittedTopic]) -> CarriedTopic:
    sizes = np.array([max(p.size, 1) for p in parts], dtype=np.float64)
    centroid = (np.stack([p.centroid for p in parts]) * sizes[:, None]).sum(axis=0)
    centroid /= max(float(np.linalg.norm(centroid)), 1e-12)
    n_keywords = max(len(p.keywords) for p in parts)
    keywords: list[str] = []
    for part in sorted(parts, key=lambda p: -p.size):
        keywords += [k for k in part.keywords if k not in keywords]
    return CarriedTopic(
        topic_id, label, tuple(keywords[:n_keywords]), int(sum(p.size for p in parts)), centroid.astype(np.float32)
    )
