"""Figures of a topic model fitted on a labelled corpus: size, outliers, coherence, diversity, agreement.

    n_topics        topics found
    outlier_share   share of documents left without a topic (-1)
    npmi            mean NPMI coherence of each topic's top words, document co-occurrence over the corpus
                    itself (Bouma 2009; the "C_NPMI" of Röder et al. 2015 with boolean-document windows)
    diversity       unique words among all topics' top words / (topics x words) (Dieng et al. 2020)
    nmi, ari        agreement of the topic assignment with the gold ``label`` (outliers count as one cluster,
                    so dumping documents in -1 is not free)

Words are lower-cased tokens of two or more letters, the tokens c-TF-IDF keywords are made of
(``models.training.topics.fit.TOKEN_PATTERN``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from models.training.topics.keywords import TOKEN_PATTERN

TOP_WORDS = 10
_TOKEN = re.compile(TOKEN_PATTERN)


def tokens(text: str) -> set[str]:
    """The distinct lower-cased word tokens of ``text``."""
    return set(_TOKEN.findall(text.lower()))


def topic_diversity(keywords: Sequence[Sequence[str]], top_n: int = TOP_WORDS) -> float:
    """Unique words among the top ``top_n`` of every topic, over ``topics x top_n`` (1.0: no word shared)."""
    tops = [list(words)[:top_n] for words in keywords if words]
    total = sum(len(t) for t in tops)
    return len({w for t in tops for w in t}) / total if total else 0.0


def npmi_coherence(keywords: Sequence[Sequence[str]], texts: Sequence[str], top_n: int = TOP_WORDS) -> float:
    """Mean over topics of the mean pairwise NPMI of their top words, counted by document co-occurrence.

    A pair that never co-occurs scores -1; a word absent from the corpus makes its pairs -1 too.
    """
    docs = [tokens(t) for t in texts]
    n = len(docs)
    if n == 0:
        return 0.0
    vocab = {w for words in keywords for w in list(words)[:top_n]}
    index: dict[str, set[int]] = {w: set() for w in vocab}
    for i, doc in enumerate(docs):
        for w in doc & vocab:
            index[w].add(i)
    scores: list[float] = []
    for words in keywords:
        top = list(words)[:top_n]
        pairs = list(itertools.combinations(top, 2))
        if not pairs:
            continue
        total = 0.0
        for a, b in pairs:
            joint = len(index[a] & index[b])
            if joint == 0:
                total -= 1.0
                continue
            p_ab = joint / n
            p_a, p_b = len(index[a]) / n, len(index[b]) / n
            if p_ab >= 1.0:
                total += 1.0
                continue
            total += float(np.log(p_ab / (p_a * p_b)) / -np.log(p_ab))
        scores.append(total / len(pairs))
    return float(np.mean(scores)) if scores else 0.0


def agreement(gold: Sequence[str], assigned: Sequence[int]) -> dict[str, float]:
    """NMI (arithmetic mean normalisation) and ARI of ``assigned`` (-1 = outlier) against ``gold``."""
    if len(gold) != len(assigned):
        raise ValueError(f"{len(gold)} gold labels but {len(assigned)} assignments")
    return {
        "nmi": float(normalized_mutual_info_score(list(gold), list(assigned))),
        "ari": float(adjusted_rand_score(list(gold), list(assigned))),
    }


def topic_figures(
    texts: Sequence[str], gold: Sequence[str] | None, assigned: Sequence[int], keywords: Sequence[Sequence[str]]
) -> dict[str, float | int | None]:
    """Every figure above for one fit; ``nmi``/``ari`` are None without gold labels."""
    arr = np.asarray(assigned)
    figures: dict[str, float | int | None] = {
        "n": len(texts),
        "n_topics": len(keywords),
        "outlier_share": float((arr == -1).mean()) if len(arr) else 0.0,
        "npmi": npmi_coherence(keywords, texts),
        "diversity": topic_diversity(keywords),
        "nmi": None,
        "ari": None,
    }
    if gold is not None:
        figures.update(agreement(gold, assigned))
    return figures
