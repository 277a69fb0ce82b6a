"""TopicModel: storage round trip, batch-invariant assignment, and the no-topic threshold."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models.errors import ModelNotLoadedError
from models.topic_model import META_FILE, WEIGHTS_FILE, Topic, TopicModel

DIM = 6


def make_model(threshold: float = 0.5, temperature: float = 0.05) -> TopicModel:
    # Three orthogonal centroids along the first axes (scaled: the model must normalise them).
    centroids = np.eye(3, DIM, dtype=np.float32) * np.array([[2.0], [1.0], [0.5]], dtype=np.float32)
    topics = (
        Topic(0, "refund / money / back", ("refund", "money", "back"), 120),
        Topic(1, "card / lost / stolen", ("card", "lost", "stolen"), 80),
        Topic(2, "delivery / order / late", ("delivery", "order", "late"), 40),
    )
    return TopicModel(
        name="topics.tiny",
        version="v1",
        topics=topics,
        centroids=centroids,
        threshold=threshold,
        temperature=temperature,
        metadata={"seed": 7},
    )


def unit(v: list[float]) -> np.ndarray:
    a = np.array(v + [0.0] * (DIM - len(v)), dtype=np.float32)
    return a / np.linalg.norm(a)


def test_centroids_are_normalised() -> None:
    np.testing.assert_allclose(np.linalg.norm(make_model().centroids, axis=1), 1.0, rtol=1e-6)


def test_round_trip_is_exact(tmp_path: Path) -> None:
    model = make_model()
    model.save(tmp_path)
    loaded = TopicModel.load(tmp_path)
    assert loaded.topics == model.topics
    assert (loaded.name, loaded.version, loaded.threshold, loaded.temperature) == (
        model.name,
        model.version,
        model.threshold,
        model.temperature,
    )
    assert loaded.metadata == model.metadata
    np.testing.assert_array_equal(loaded.centroids, model.centroids)


def test_assigns_nearest_centroid_with_descending_probabilities() -> None:
    result = make_model().assign(unit([0.2, 1.0, 0.1])[None, :], top_k=3)[0]
    assert [topic.id for topic, _ in result] == [1]  # the others are below the 0.5 cosine threshold
    all_three = make_model(threshold=-1.0).assign(unit([0.2, 1.0, 0.1])[None, :], top_k=3)[0]
    assert [topic.id for topic, _ in all_three] == [1, 0, 2]
    probs = [p for _, p in all_three]
    assert probs == sorted(probs, reverse=True)
    assert sum(probs) == pytest.approx(1.0, rel=1e-5)


def test_assignment_alone_equals_assignment_in_a_batch() -> None:
    model = make_model(threshold=0.3)
    rng = np.random.default_rng(3)
    batch = rng.normal(size=(9, DIM)).astype(np.float32)
    batch /= np.linalg.norm(batch, axis=1, keepdims=True)
    together = model.assign(batch, top_k=2)
    alone = [model.assign(batch[i : i + 1], top_k=2)[0] for i in range(len(batch))]
    assert [[t.id for t, _ in row] for row in alone] == [[t.id for t, _ in row] for row in together]
    for a, b in zip(alone, together, strict=True):
        np.testing.assert_allclose([p for _, p in a], [p for _, p in b], rtol=1e-6)


def test_threshold_leaves_far_texts_without_a_topic() -> None:
    far = unit([0.0, 0.0, 0.0, 1.0])[None, :]  # orthogonal to every centroid
    assert make_model(threshold=0.5).assign(far, top_k=3) == [[]]
    near = unit([1.0])[None, :]
    assert [t.id for t, _ in make_model(threshold=0.5).assign(near)[0]] == [0]


def test_empty_input_and_empty_model() -> None:
    assert make_model().assign(np.zeros((0, DIM), dtype=np.float32)) == []
    empty = TopicModel("t", "v1", (), np.zeros((0, DIM), dtype=np.float32), threshold=0.0)
    assert empty.assign(unit([1.0])[None, :]) == [[]]


def test_centroid_count_must_match_topics() -> None:
    with pytest.raises(ModelNotLoadedError, match="2 centroids for 3 topics"):
        TopicModel("t", "v1", make_model().topics, np.eye(2, DIM), threshold=0.0)


@pytest.mark.parametrize("name", [WEIGHTS_FILE, META_FILE])
def test_missing_or_corrupt_file_raises_naming_it(tmp_path: Path, name: str) -> None:
    make_model().save(tmp_path)
    (tmp_path / name).write_bytes(b"garbage")
    with pytest.raises(ModelNotLoadedError, match=f"unreadable: .*{name}"):
        TopicModel.load(tmp_path)
    (tmp_path / name).unlink()
    with pytest.raises(ModelNotLoadedError, match=f"missing: .*{name}"):
        TopicModel.load(tmp_path)
