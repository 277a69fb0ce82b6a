"""Readable topic labels: the phrase from a topic's own documents that best names it ("seat assignment").

c-TF-IDF keywords tell topics apart but do not name them (``debit / direct / removed``). The label is
chosen KeyBERT-style, as BERTopic's ``KeyBERTInspired`` does for words, but over phrases and without its
random sampling, so the same documents always give the same labels:

1. *candidates*: the 1-3 word phrases of a topic's documents, contiguous words only (never across a digit
   or punctuation), neither starting nor ending with a stop word or a filler word ("want", "need", "hi"),
   found in at least ``max(2, 5 %)`` of the topic's documents (the keyword rule of ``topics.keywords``);
2. *c-TF-IDF* over those phrases (share of the topic's documents with the phrase times
   ``log(1 + mean topic size / documents with it in any topic)``) keeps the ``pool`` best, phrases that
   are frequent in the topic and rare elsewhere;
3. *centroid similarity*: each is embedded with the encoder the topics were fitted on and ranked by its
   cosine with the topic's centroid; the best phrase of two or more words wins unless a single word is
   closer by more than ``phrase_margin`` (0.15; one word rarely names a theme: "talk" against "human agent");
4. *distinct*: topics are labelled in id order, and a topic whose best phrase is already a label takes
   its next; one with no candidate keeps the label it had (its keywords).

Keywords are left as they are: the label is one more field, not a replacement.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from models.topic_model import Topic, TopicModel

# Words customers wrap requests in; a phrase that starts or ends with one names the request, not the topic.
FILLER = frozenset(
    {
        "want", "wanna", "need", "like", "would", "help", "please", "pls", "know", "tell", "hi", "hello",
        "hey", "thanks", "thank", "trying", "tried", "try", "got", "get", "getting", "did", "does", "let",
        "ok", "okay", "yes", "im", "id", "ive", "dont", "cant", "way", "able", "possible", "use", "check",
        "problem", "problems", "issue", "issues", "question", "questions",
    }
)  # fmt: skip
STOP = ENGLISH_STOP_WORDS | FILLER
# A word is two or more letters (an apostrophe inside allowed); anything else (digits, punctuation) breaks a phrase.
_TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*|\S")


@dataclass(frozen=True)
class LabelConfig:
    """How labels are chosen (see the module docstring); recorded in the model's metadata."""

    max_words: int = 3
    pool: int = 15  # c-TF-IDF candidates ranked by centroid similarity
    min_share: float = 0.05  # a candidate is in at least max(2, min_share) of the topic's documents
    phrase_margin: float = 0.15  # a single word must be this much closer to win over a phrase

    def __post_init__(self) -> None:
        if not 1 <= self.max_words <= 5:
            raise ValueError(f"max_words must be between 1 and 5, got {self.max_words}")
        if self.pool < 1:
            raise ValueError(f"pool must be at least 1, got {self.pool}")


def phrases(text: str, max_words: int = 3) -> set[str]:
    """The candidate phrases of one text: contiguous 1..max_words words, no stop or filler word at either end."""
    runs: list[list[str]] = [[]]
    for token in _TOKEN.findall(text.lower()):
        word = token.replace("'", "")
        if len(word) >= 2 and word.isalpha():
            runs[-1].append(word)
        elif runs[-1]:
            runs.append([])
    found = set()
    for run in runs:
        for n in range(1, max_words + 1):
            for i in range(len(run) - n + 1):
                gram = run[i : i + n]
                if gram[0] not in STOP and gram[-1] not in STOP:
                    found.add(" ".join(gram))
    return found


def ranked_phrases(
    texts: Sequence[str],
    assigned: np.ndarray,
    centroids: Mapping[int, np.ndarray],
    embed: Callable[[Sequence[str]], np.ndarray],
    config: LabelConfig | None = None,
) -> dict[int, list[tuple[str, float]]]:
    """Per topic id, its candidate phrases with their cosine to the centroid, best label first.

    Args:
        texts: the documents the topics were fitted on.
        assigned: each document's topic id (-1: none).
        centroids: topic id -> L2-normalised centroid in the encoder's space.
        embed: the encoder (texts -> one row each).
    """
    config = config or LabelConfig()
    if len(texts) != len(assigned):
        raise ValueError(f"{len(texts)} texts but {len(assigned)} topic assignments")
    per_doc = [phrases(t, config.max_words) if a in centroids else set() for t, a in zip(texts, assigned, strict=True)]
    members = {tid: np.flatnonzero(assigned == tid) for tid in centroids}
    sizes = [len(m) for m in members.values() if len(m)]
    mean_size = float(np.mean(sizes)) if sizes else 0.0
    everywhere = Counter(p for doc in per_doc for p in doc)
    pools: dict[int, list[str]] = {}
    for tid, rows in members.items():
        df = Counter(p for i in rows for p in per_doc[int(i)])
        floor = max(2, math.ceil(config.min_share * len(rows)))
        scored = [(df[p] / len(rows) * math.log(1 + mean_size / everywhere[p]), p) for p in df if df[p] >= floor]
        # Ties by the phrase itself: the order of a Counter is the order documents were read.
        pools[tid] = [p for _, p in sorted(scored, key=lambda sp: (-sp[0], sp[1]))[: config.pool]]
    unique = sorted({p for pool in pools.values() for p in pool})
    if not unique:
        return {tid: [] for tid in centroids}
    vectors = np.asarray(embed(unique), dtype=np.float32)
    vectors /= np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
    row = {p: i for i, p in enumerate(unique)}
    ranked: dict[int, list[tuple[str, float]]] = {}
    for tid, pool in pools.items():
        centroid = np.asarray(centroids[tid], dtype=np.float32)
        centroid = centroid / max(float(np.linalg.norm(centroid)), 1e-12)
        sims = [(p, float(vectors[row[p]] @ centroid)) for p in pool]
        ranked[tid] = _prefer_phrases(sims, config.phrase_margin)
    return ranked


def _prefer_phrases(sims: list[tuple[str, float]], margin: float) -> list[tuple[str, float]]:
    """By cosine, best first, with single words behind phrases unless closer by more than ``margin``."""

    def key(item: tuple[str, float]) -> tuple[float, str]:
        phrase, sim = item
        return (-(sim + (margin if " " in phrase else 0.0)), phrase)

    return sorted(sims, key=key)


def distinct_labels(
    ranked: Mapping[int, Sequence[tuple[str, float]]], fallback: Mapping[int, str], reserved: Sequence[str] = ()
) -> dict[int, str]:
    """One label per topic id of ``fallback`` (in id order): its best phrase not yet taken (nor ``reserved``),
    else its ``fallback`` label."""
    labels: dict[int, str] = {}
    taken: set[str] = set(reserved)
    for tid in sorted(fallback):
        label = next((p for p, _ in ranked.get(tid, ()) if p not in taken), None)
        if label is None:
            label = fallback[tid] if fallback[tid] not in taken else f"{fallback[tid]} ({tid})"
        taken.add(label)
        labels[tid] = label
    return labels


def phrase_labels(
    model: TopicModel,
    texts: Sequence[str],
    embeddings: np.ndarray,
    embed: Callable[[Sequence[str]], np.ndarray],
    config: LabelConfig | None = None,
    keep: Sequence[int] = (),
) -> dict[int, str]:
    """Topic id -> its phrase label from ``texts``; topics in ``keep`` (renames, carried labels) keep theirs.

    Each text joins the topic the model serves it (none below the threshold), so the phrases come from the
    documents a topic actually answers for.

    Args:
        texts: the documents to draw phrases from (the fit corpus), with their ``embeddings``.
        embed: the encoder the model was fitted with, for the candidate phrases.
    """
    if len(texts) != embeddings.shape[0]:
        raise ValueError(f"{len(texts)} texts but {embeddings.shape[0]} embeddings")
    assigned = np.array([row[0][0].id if row else -1 for row in model.assign(embeddings)], dtype=np.int64)
    kept = set(keep)
    centroids = {t.id: model.centroids[i] for i, t in enumerate(model.topics) if t.id not in kept}
    ranked = ranked_phrases(texts, assigned, centroids, embed, config)
    # Kept labels are reserved, so no new label repeats one of them.
    labels = {t.id: t.label for t in model.topics if t.id in kept}
    fallback = {t.id: t.label for t in model.topics if t.id not in kept}
    return labels | distinct_labels(ranked, fallback, reserved=list(labels.values()))


def relabel(
    model: TopicModel,
    texts: Sequence[str],
    embed: Callable[[Sequence[str]], np.ndarray],
    *,
    version: str,
    embeddings: np.ndarray,
    config: LabelConfig | None = None,
    keep: Sequence[int] = (),
) -> TopicModel:
    """``model`` as ``version`` with ``phrase_labels``; centroids, keywords and thresholds unchanged.

    The edit (with every label it replaced) is appended to ``metadata["edits"]``.
    """
    config = config or LabelConfig()
    labels = phrase_labels(model, texts, embeddings, embed, config, keep)
    topics = tuple(Topic(t.id, labels[t.id], t.keywords, t.size) for t in model.topics)
    changed = {str(t.id): t.label for t in model.topics if labels[t.id] != t.label}
    edit = {"op": "relabel", "in": version, "method": "phrases", "config": asdict(config), "previous": changed}
    return TopicModel(
        name=model.name,
        version=version,
        topics=topics,
        centroids=model.centroids,
        threshold=model.threshold,
        temperature=model.temperature,
        metadata={**model.metadata, "edits": [*model.metadata.get("edits", []), edit]},
    )
