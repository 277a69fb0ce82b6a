"""Phrase labels of topics: candidates from the documents, c-TF-IDF then centroid ranking, distinct, deterministic."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

import numpy as np
import pytest

from models.topic_model import TopicModel
from models.training.topics.edits import rename_topic
from models.training.topics.fit import TopicFitConfig, fit_topic_model
from models.training.topics.labels import LabelConfig, distinct_labels, phrases, ranked_phrases, relabel

# Each theme's documents share its key phrase; the other words vary.
THEMES = {
    "double charge": ["card", "statement", "refund", "twice", "bank", "amount"],
    "late delivery": ["parcel", "courier", "week", "tracking", "waiting", "box"],
    "password reset": ["login", "email", "locked", "link", "account", "app"],
    "boarding pass": ["flight", "gate", "airport", "seat", "mobile", "print"],
}
OPENERS = ["hi", "hello there", "please help", "i need help", "good morning"]


def corpus(per_theme: int = 25, seed: int = 0) -> tuple[list[str], list[str]]:
    rng = np.random.default_rng(seed)
    texts, gold = [], []
    for phrase, words in THEMES.items():
        for i in range(per_theme):
            a, b = rng.choice(words, size=2, replace=False)
            opener = OPENERS[int(rng.integers(len(OPENERS)))]
            texts.append(f"{opener}, the {phrase} again: {a} and {b}, ref {1000 + i}.")
            gold.append(phrase)
    return texts, gold


class BagOfWords:
    """A fake encoder: a text is the normalised count of its content words, one axis per word of the corpus."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.vocab = {w: i for i, w in enumerate(sorted({w for t in texts for w in self.words(t)}))}

    @staticmethod
    def words(text: str) -> list[str]:
        return [w for w in re.findall(r"[a-z]{2,}", text.lower()) if w not in {"hi", "the", "and", "ref", "again"}]

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        x = np.zeros((len(texts), len(self.vocab)), dtype=np.float32)
        for row, text in enumerate(texts):
            for w in self.words(text):
                if w in self.vocab:
                    x[row, self.vocab[w]] += 1
        return x / np.clip(np.linalg.norm(x, axis=1, keepdims=True), 1e-12, None)


@functools.cache
def fitted() -> tuple[list[str], BagOfWords, TopicModel]:
    """A 4-topic model fitted by the recipe (real BERTopic keywords) on the themes, once per session."""
    texts, _ = corpus()
    embed = BagOfWords(texts)
    fit = fit_topic_model(texts, embed(texts), name="topics.test", version="v1", config=TopicFitConfig(n_topics=4))
    return texts, embed, fit.model


def test_candidates_are_contiguous_words_without_stop_words_at_the_ends() -> None:
    found = phrases("My card ending 4242 was charged twice. I want a refund!")
    assert {"card", "card ending", "charged twice", "charged", "refund"} <= found
    assert "ending was charged" not in found  # the card number breaks the run
    # Never across a digit or punctuation, never starting or ending with a stop or filler word.
    assert not {p for p in found if "4242" in p or p.startswith(("my ", "want ")) or p.endswith(" was")}
    assert "twice refund" not in found and "want" not in found and "my card" not in found
    assert phrases("I'm 100% sure", max_words=2) == {"sure"}
    assert max(len(p.split()) for p in phrases("cash withdrawal atm card limit reached", max_words=2)) == 2


def test_a_fitted_model_is_labelled_with_the_phrase_its_documents_share() -> None:
    texts, embed, model = fitted()
    assert all(" / " in t.label for t in model.topics)  # the recipe's keyword labels
    relabelled = relabel(model, texts, embed, version="v2", embeddings=embed(texts))

    assert sorted(t.label for t in relabelled.topics) == sorted(THEMES)
    # Each topic is named by the phrase of the theme most of its documents come from.
    members = np.array([row[0][0].id if row else -1 for row in model.assign(embed(texts))])
    _, gold = corpus()
    for topic in relabelled.topics:
        themes = [g for g, m in zip(gold, members, strict=True) if m == topic.id]
        assert topic.label == max(set(themes), key=themes.count)
    # Only the labels change.
    assert [(t.id, t.keywords, t.size) for t in relabelled.topics] == [(t.id, t.keywords, t.size) for t in model.topics]
    np.testing.assert_array_equal(relabelled.centroids, model.centroids)
    assert relabelled.metadata["edits"][-1]["previous"] == {str(t.id): t.label for t in model.topics}
    # Deterministic: the same documents give the same labels, whatever their order.
    again = relabel(model, texts[::-1], embed, version="v2", embeddings=embed(texts[::-1]))
    assert [t.label for t in again.topics] == [t.label for t in relabelled.topics]


def test_a_renamed_topic_keeps_its_label_and_no_other_topic_takes_it() -> None:
    texts, embed, model = fitted()
    first = relabel(model, texts, embed, version="v2", embeddings=embed(texts))
    late = next(t.id for t in first.topics if t.label == "late delivery")
    other = next(t.id for t in first.topics if t.id != late)
    # A user names another topic "late delivery": that topic keeps it, and the delivery topic takes its next phrase.
    renamed = rename_topic(model, other, "late delivery", version="v2")
    relabelled = relabel(renamed, texts, embed, version="v3", embeddings=embed(texts), keep=[other])
    labels = {t.id: t.label for t in relabelled.topics}
    assert labels[other] == "late delivery"
    assert labels[late] != "late delivery" and labels[late] in phrases(" ".join(texts))
    assert len(set(labels.values())) == len(labels)


def test_labels_are_distinct_and_fall_back_to_the_keywords() -> None:
    ranked = {0: [("double charge", 0.9), ("charge", 0.8)], 1: [("double charge", 0.95), ("refund", 0.7)], 2: []}
    fallback = {0: "a / b", 1: "c / d", 2: "e / f"}
    assert distinct_labels(ranked, fallback) == {0: "double charge", 1: "refund", 2: "e / f"}
    assert distinct_labels(ranked, fallback, reserved=["double charge"]) == {0: "charge", 1: "refund", 2: "e / f"}


def test_a_phrase_beats_a_single_word_unless_the_word_is_much_closer() -> None:
    texts = ["talk to a human agent now"] * 3 + ["talk to someone please"] * 3 + ["my parcel is late"] * 6
    assigned = np.array([0] * 6 + [1] * 6)

    def embed(candidates: Sequence[str]) -> np.ndarray:
        # "talk" is 0.5 from topic 0's centroid, "human agent" 0.42: within the margin, the phrase wins.
        table = {"talk": 0.5, "human agent": 0.42, "human": 0.3, "agent": 0.3}
        # Unit vectors at that cosine from topic 0's axis; anything else on topic 1's.
        cos = [table.get(c, 0.0) for c in candidates]
        return np.array([[c, (1 - c * c) ** 0.5] for c in cos], dtype=np.float32)

    centroids = {0: np.array([1.0, 0.0]), 1: np.array([0.0, 1.0])}
    ranked = ranked_phrases(texts, assigned, centroids, embed, LabelConfig(phrase_margin=0.15))
    assert ranked[0][0][0] == "human agent"
    ranked = ranked_phrases(texts, assigned, centroids, embed, LabelConfig(phrase_margin=0.05))
    assert ranked[0][0][0] == "talk"
    with pytest.raises(ValueError, match="3 texts but 12"):
        ranked_phrases(texts[:3], assigned, centroids, embed)


def test_the_fit_recipe_labels_with_phrases_and_a_refit_keeps_carried_labels() -> None:
    texts, embed, keyword_model = fitted()
    fit = fit_topic_model(
        texts, embed(texts), name="topics.test", version="v1", config=TopicFitConfig(n_topics=4), label_embed=embed
    )
    assert sorted(t.label for t in fit.model.topics) == sorted(THEMES)
    assert fit.model.metadata["labels"]["method"] == "phrases"
    # Only the labels differ from the keyword-labelled fit.
    assert [t.keywords for t in fit.model.topics] == [t.keywords for t in keyword_model.topics]
    np.testing.assert_array_equal(fit.model.centroids, keyword_model.centroids)

    # A renamed topic keeps its name through a refit that labels with phrases.
    renamed = rename_topic(fit.model, 0, "Billing trouble", version="v2")
    refit = fit_topic_model(
        texts,
        embed(texts),
        name="topics.test",
        version="v3",
        config=TopicFitConfig(n_topics=4),
        previous=renamed,
        label_embed=embed,
    )
    assert {t.id: t.label for t in refit.model.topics} == {t.id: t.label for t in renamed.topics}
