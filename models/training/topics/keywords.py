"""The topic recipe's ``represent`` step: c-TF-IDF keywords per cluster, de-duplicated, and unique labels."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from models.training.topics.fit import TopicFitConfig

# c-TF-IDF words looked at per topic before the cross-topic de-duplication.
WORD_POOL = 30
# Keywords are words of two or more letters: digits (order numbers, amounts) say nothing about a topic.
TOKEN_PATTERN = r"(?u)\b[^\W\d_][^\W\d_]+\b"


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
