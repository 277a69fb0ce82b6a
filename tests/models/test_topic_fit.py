"""The topic-fitting core on a small synthetic corpus with known themes (real BERTopic, fake embeddings)."""

from __future__ import annotations

import numpy as np
import pytest

from models.errors import InvalidInputError
from models.training.topics.cluster import cluster
from models.training.topics.fit import TopicFitConfig, auto_n_topics, fit_topic_model
from models.training.topics.keywords import dedupe_keywords, unique_labels

DIM = 32
THEMES = {
    "refund": ["refund", "money", "back", "returned"],
    "card": ["card", "lost", "stolen", "blocked"],
    "delivery": ["delivery", "late", "parcel", "courier"],
    "password": ["password", "login", "reset", "locked"],
}


def corpus(per_theme: int = 30, seed: int = 0) -> tuple[list[str], np.ndarray, list[str]]:
    """Texts built from each theme's words, embedded near the theme's axis."""
    rng = np.random.default_rng(seed)
    axes = np.eye(DIM)[: len(THEMES)] * 3
    texts, vectors, gold = [], [], []
    for t, (theme, words) in enumerate(THEMES.items()):
        for i in range(per_theme):
            picked = rng.choice(words, size=3, replace=False)
            texts.append(f"my {picked[0]} {picked[1]} issue {picked[2]} number {i}")
            vectors.append(axes[t] + rng.normal(scale=0.3, size=DIM))
            gold.append(theme)
    x = np.asarray(vectors, dtype=np.float32)
    return texts, x / np.linalg.norm(x, axis=1, keepdims=True), gold


def test_auto_topic_count_grows_with_the_corpus_within_bounds() -> None:
    assert auto_n_topics(1500) == 27
    assert auto_n_topics(50_000) == 100
    assert auto_n_topics(40) == 5
    assert auto_n_topics(15) == 3  # at most n / 5
    assert auto_n_topics(12) == 2


def test_ward_clusters_have_no_random_step() -> None:
    _, x, gold = corpus()
    a, b = cluster(x, 4), cluster(x.copy(), 4)
    assert (a == b).all()
    # One cluster per theme.
    assert len({(g, c) for g, c in zip(gold, a, strict=True)}) == 4


def test_large_corpora_cluster_a_hash_sample_and_assign_the_rest() -> None:
    from models.training.topics.cluster import hash_sample

    texts, x, gold = corpus(per_theme=60)
    sample = hash_sample(texts, 100)
    assert len(sample) == 100 and (np.diff(sample) > 0).all()
    # The sample depends on the texts only: a corpus that grew keeps the texts it shares with the old one.
    grown = hash_sample([*texts, *(f"new text {i}" for i in range(40))], 100)
    assert len(set(sample.tolist()) & set(grown.tolist())) >= 60
    labels = cluster(x, 4, texts=texts, sample_max=100)
    assert labels.shape == (240,) and set(labels.tolist()) == {0, 1, 2, 3}
    assert len({(g, c) for g, c in zip(gold, labels, strict=True)}) == 4


def test_keywords_are_owned_by_the_topic_that_scores_them_highest() -> None:
    pools = {
        0: [("card", 0.9), ("issue", 0.5), ("lost", 0.4), ("stolen", 0.3)],
        1: [("issue", 0.7), ("refund", 0.6), ("money", 0.2)],
        2: [("issue", 0.1), ("late", 0.05)],  # left with one word: keeps its own list
    }
    out = dedupe_keywords(pools, 10)
    assert out == {0: ["card", "lost", "stolen"], 1: ["issue", "refund", "money"], 2: ["issue", "late"]}
    assert unique_labels([("a", "b", "c"), ("a", "b", "d")], 2) == ["a / b", "a / b / d"]


def test_fit_finds_the_themes_with_keywords_and_at_most_the_outlier_share() -> None:
    texts, x, _ = corpus()
    fit = fit_topic_model(texts, x, name="topics.test", version="v1", config=TopicFitConfig(n_topics=4))
    model = fit.model
    assert [t.id for t in model.topics] == [0, 1, 2, 3]
    for topic in model.topics:
        theme = next(name for name, words in THEMES.items() if topic.keywords[0] in words)
        assert set(topic.keywords[:2]) <= set(THEMES[theme])
    assert (fit.assigned == -1).mean() <= 0.10 + 1e-9
    assert model.metadata["fit"]["n_topics"] == 4 and model.metadata["next_id"] == 4
    # Serving agrees with the fit, alone or in a batch.
    alone = [model.assign(x[i : i + 1])[0] for i in range(5)]
    assert [r[0][0].id if r else -1 for r in alone] == fit.assigned[:5].tolist()


def test_refit_on_most_of_the_texts_keeps_every_id_and_label() -> None:
    texts, x, _ = corpus()
    first = fit_topic_model(texts, x, name="topics.test", version="v1", config=TopicFitConfig(n_topics=4))
    first.model.topics = tuple(
        type(t)(t.id, "renamed" if t.id == 2 else t.label, t.keywords, t.size) for t in first.model.topics
    )
    again = fit_topic_model(
        texts[5:], x[5:], name="topics.test", version="v2", config=TopicFitConfig(n_topics=4), previous=first.model
    )
    # Every id carries over; only texts at the no-topic threshold (recalibrated on the new corpus) may move.
    assert (again.assigned == first.assigned[5:]).mean() >= 0.9
    both = (again.assigned >= 0) & (first.assigned[5:] >= 0)
    assert (again.assigned[both] == first.assigned[5:][both]).all()
    assert {t.id: t.label for t in again.model.topics}[2] == "renamed"
    assert again.model.metadata["lineage"]["kept"] == [0, 1, 2, 3] and again.model.metadata["lineage"]["new"] == []


def test_refit_without_a_theme_retires_it_and_a_new_theme_gets_a_fresh_id() -> None:
    texts, x, gold = corpus()
    first = fit_topic_model(texts, x, name="topics.test", version="v1", config=TopicFitConfig(n_topics=4))
    keep = [i for i, g in enumerate(gold) if g != "password"]
    rng = np.random.default_rng(5)
    billing = np.eye(DIM)[6] * 3 + rng.normal(scale=0.3, size=(30, DIM))
    billing /= np.linalg.norm(billing, axis=1, keepdims=True)
    new_texts = [texts[i] for i in keep] + [f"my invoice bill wrong charge {i}" for i in range(30)]
    second = fit_topic_model(
        new_texts,
        np.vstack([x[keep], billing]).astype(np.float32),
        name="topics.test",
        version="v2",
        config=TopicFitConfig(n_topics=4),
        previous=first.model,
    )
    password_ids = first.assigned[[i for i, g in enumerate(gold) if g == "password"]]
    gone = int(np.bincount(password_ids[password_ids >= 0]).argmax())
    lineage = second.model.metadata["lineage"]
    assert lineage["retired"] == [gone] and lineage["new"] == [4]
    assert sorted(lineage["kept"]) == sorted({0, 1, 2, 3} - {gone})
    assert second.model.metadata["retired"] == [
        {"id": gone, "label": first.model.topics[gone].label, "retired_in": "v2"}
    ]
    assert second.model.metadata["next_id"] == 5
    assert "invoice" in next(t for t in second.model.topics if t.id == 4).keywords


def test_bad_input_is_a_clear_error() -> None:
    texts, x, _ = corpus(per_theme=2)
    with pytest.raises(ValueError, match="at least 10 texts"):
        fit_topic_model(texts, x, name="t", version="v1")
    with pytest.raises(ValueError, match="8 texts but 7 embeddings"):
        fit_topic_model(texts, x[:7], name="t", version="v1")
    with pytest.raises(ValueError, match="n_topics must be at least 2"):
        TopicFitConfig(n_topics=1)


def test_rename_and_merge_persist_through_a_refit() -> None:
    from models.training.topics.edits import merge_topics, rename_topic

    texts, x, _ = corpus()
    first = fit_topic_model(texts, x, name="topics.test", version="v1", config=TopicFitConfig(n_topics=4))
    renamed = rename_topic(first.model, 1, "Card problems", version="v2")
    assert {t.id: t.label for t in renamed.topics}[1] == "Card problems"
    assert {t.id: t.label for t in first.model.topics}[1] != "Card problems"  # the input is not changed
    merged = merge_topics(renamed, [3], 2, version="v3")
    assert [t.id for t in merged.topics] == [0, 1, 2]
    assert merged.metadata["aliases"][0]["id"] == 3 and merged.metadata["aliases"][0]["merged_into"] == 2
    assert [e["op"] for e in merged.metadata["edits"]] == ["rename", "merge"]
    # The folded theme's texts now land on the target, and the target's own texts stay there: nothing blurs.
    before = first.assigned
    after = np.array([r[0][0].id if r else -1 for r in merged.assign(x)])
    assert (after[before == 3] == 2).all() and (after[before == 2] == 2).all()
    assert (after[before == 0] == 0).all()
    # A refit on the same data finds topic 3's cluster again: it folds into 2, and the rename holds.
    refit = fit_topic_model(
        texts, x, name="topics.test", version="v4", config=TopicFitConfig(n_topics=4), previous=merged
    )
    assert {t.id: t.label for t in refit.model.topics}[1] == "Card problems"
    assert [t.id for t in refit.model.topics] == [0, 1, 2]
    assert refit.model.metadata["lineage"]["folded"] == {"3": 2}
    assert refit.model.metadata["lineage"]["new"] == []
    with pytest.raises(InvalidInputError, match="no topic with id 3"):
        rename_topic(merged, 3, "gone", version="v5")
    with pytest.raises(InvalidInputError, match="already topic 1's label"):
        rename_topic(merged, 0, "Card problems", version="v5")
    with pytest.raises(InvalidInputError, match="at least one topic to merge"):
        merge_topics(merged, [2], 2, version="v5")
    with pytest.raises(InvalidInputError, match=r"no topic with id \[9\]"):
        merge_topics(merged, [0, 9], 1, version="v5")


def test_partial_update_adds_a_new_theme_and_leaves_existing_topics_alone() -> None:
    from models.training.topics.edits import partial_update

    texts, x, _ = corpus()
    first = fit_topic_model(texts, x, name="topics.test", version="v1", config=TopicFitConfig(n_topics=4))
    rng = np.random.default_rng(9)
    billing = np.eye(DIM)[7] * 3 + rng.normal(scale=0.3, size=(25, DIM))
    billing /= np.linalg.norm(billing, axis=1, keepdims=True)
    batch_texts = [f"invoice bill charge wrong amount {i}" for i in range(25)] + texts[:10]
    batch = np.vstack([billing, x[:10]]).astype(np.float32)
    update = partial_update(first.model, batch_texts, batch, version="v2", config=TopicFitConfig(n_topics=2))
    assert update.new_ids == (4,) and update.unexplained >= 25
    assert update.model.topics[:4] == first.model.topics
    np.testing.assert_array_equal(update.model.centroids[:4], first.model.centroids)
    assert "invoice" in update.model.topics[4].keywords and update.model.metadata["next_id"] == 5
    # Documents the model already explains add nothing.
    again = partial_update(update.model, texts, x, version="v3")
    assert again.new_ids == () and len(again.model.topics) == 5
