"""Fast fixtures for the core: a hashing encoder and tiny heads trained in the test session.

The real encoder and the shipped artifacts are exercised in tests/service; here the
point is the recipe (segmentation, pooling, batching), so everything is small and exact.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import spacy
from sklearn.linear_model import LogisticRegression

from models.heads import LinearHead
from models.registry import SPECS, ModelRegistry
from models.topic_model import Topic, TopicModel
from pipelines.enrichment.domain import ModelRef
from pipelines.enrichment.enricher import Enricher

DIM = 64


class HashingEncoder:
    """Bag of hashed words, L2-normalised: deterministic and independent of batch composition."""

    name = "encoder.hashing"
    version = "test"
    dim = DIM

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in text.lower().replace(".", " ").replace("!", " ").replace("?", " ").split():
                h = int(hashlib.md5(word.encode()).hexdigest(), 16)
                out[i, h % DIM] += 1.0 if (h >> 8) % 2 else -1.0
            norm = np.linalg.norm(out[i])
            out[i] = out[i] / norm if norm else out[i]
        return out


SENTIMENT_DATA = {
    "negative": ["terrible service", "I hate this", "awful broken app", "angry about the charge", "worst ever"],
    "neutral": ["my account number is ten", "I called on monday", "what is the address", "the order", "ok"],
    "positive": ["great service thanks", "I love this", "wonderful helpful agent", "happy now", "excellent"],
}
# A user's sentiment head that reads the fixture words the other way round: on "I love this" it disagrees with
# the default head, so a test can tell which head produced a signal.
REVIEWS_DATA = {
    "negative": SENTIMENT_DATA["positive"],
    "neutral": SENTIMENT_DATA["neutral"],
    "positive": SENTIMENT_DATA["negative"],
}
INTENT_DATA = {
    "card_lost": ["I lost my card", "my card is gone", "card stolen", "lost card help"],
    "refund": ["I want a refund", "refund my money", "give my money back", "refund the charge"],
    "greeting": ["hi", "hello there", "good morning", "hey"],
}


def _train_head(
    name: str, version: str, data: dict[str, list[str]], encoder: HashingEncoder, threshold: float | None
) -> LinearHead:
    labels = tuple(data)
    texts = [t for label in labels for t in data[label]]
    y = [label for label in labels for _ in data[label]]
    clf = LogisticRegression(C=10.0, max_iter=1000).fit(encoder.encode(texts), y)
    order = [list(clf.classes_).index(label) for label in labels]
    metadata = {"dialogue_acts": ["greeting"]} if "greeting" in labels else {}
    return LinearHead(
        name, version, labels, clf.coef_[order], clf.intercept_[order], threshold=threshold, metadata=metadata
    )


# (customer turn, the agent turn before it) by satisfaction label: the agent's failure is what the customer answers.
SATISFACTION_DATA = {
    "dissatisfied": [
        ("no that is wrong", "sorry I cannot find it"),
        ("that is not what I asked", "here is a flight to paris"),
        ("still broken nobody helps", "please try again later"),
        ("no find something else", "I booked the wrong hotel"),
    ],
    "neutral": [
        ("my account number is ten", "what is your account number"),
        ("I called on monday", "when did you call"),
        ("what is the address", "anything else"),
        ("the order", "which one"),
    ],
    "satisfied": [
        ("great thanks that works", "done it is booked"),
        ("perfect thank you", "your refund is on its way"),
        ("wonderful helpful", "I fixed the account"),
        ("excellent happy now", "the card is unblocked"),
    ],
}


def train_satisfaction_head(name: str, version: str, encoder: HashingEncoder) -> LinearHead:
    """A satisfaction head on (customer, agent) embedding pairs, as ``pipelines.enrichment.satisfaction`` reads them."""
    from models.satisfaction import LABELS, pair_features

    rows = [(pair, label) for label in LABELS for pair in SATISFACTION_DATA[label]]
    x = np.vstack([pair_features(encoder.encode([c])[0], encoder.encode([a])[0]) for (c, a), _ in rows])
    clf = LogisticRegression(C=10.0, max_iter=1000).fit(x, [label for _, label in rows])
    order = [list(clf.classes_).index(label) for label in LABELS]
    return LinearHead(name, version, LABELS, clf.coef_[order], clf.intercept_[order])


POSITIVE_WORDS = {"lovely", "great", "helpful", "friendly", "fast", "excellent"}
NEGATIVE_WORDS = {"weeks", "terrible", "slow", "rude", "broken", "late", "never"}


def write_stub_aspect_artifact(directory: Path, name: str, version: str) -> None:
    """Files AspectModel.load accepts (the transformer is never run in these tests: FakeAspectModel scores)."""
    from safetensors.numpy import save_file

    from models.aspect import ADAPTER_FILE, LABELS, WEIGHTS_FILE, write_meta

    directory.mkdir(parents=True, exist_ok=True)
    save_file(
        {"weight": np.zeros((3, 2 * DIM), np.float32), "bias": np.zeros(3, np.float32)}, str(directory / WEIGHTS_FILE)
    )
    save_file({"stub": np.zeros(1, np.float32)}, str(directory / ADAPTER_FILE))
    (directory / "adapter_config.json").write_text("{}")
    write_meta(directory, {"name": name, "version": version, "labels": list(LABELS), "metadata": {}})


class FakeAspectModel:
    """Polarity of a span from the words after it, up to the next span: conditioned on the aspect like the real one."""

    name = "aspect"
    version = "v1"

    def __init__(self) -> None:
        self.queries: list[Any] = []

    def predict_proba(self, queries: Sequence[Any]) -> list[np.ndarray]:
        out = []
        for q in queries:
            self.queries.append(q)
            rows = []
            ends = [s for s, _ in q.spans[1:]] + [len(q.text)]
            for (_, end), stop in zip(q.spans, ends, strict=True):
                words = set(q.text[end:stop].lower().replace(",", " ").replace(".", " ").split())
                if words & NEGATIVE_WORDS:
                    rows.append([0.8, 0.15, 0.05])
                elif words & POSITIVE_WORDS:
                    rows.append([0.05, 0.15, 0.8])
                else:
                    rows.append([0.2, 0.6, 0.2])
            out.append(np.asarray(rows, dtype=np.float32).reshape(len(q.spans), 3))
        return out


@pytest.fixture(scope="session")
def artifacts_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("artifacts")
    enc = HashingEncoder()
    paths = {spec.id: root / spec.path for spec in SPECS}
    for spec in SPECS:
        if spec.kind == "sentiment":
            _train_head(spec.name, spec.version, SENTIMENT_DATA, enc, None).save(paths[spec.id])
        if spec.kind == "intent":
            _train_head(spec.name, spec.version, INTENT_DATA, enc, 0.4).save(paths[spec.id])
        if spec.kind == "aspect":
            write_stub_aspect_artifact(paths[spec.id], spec.name, spec.version)
        if spec.kind == "satisfaction":
            train_satisfaction_head(spec.name, spec.version, enc).save(paths[spec.id])
    centroids = np.vstack([enc.encode(texts).mean(axis=0) for texts in INTENT_DATA.values()])
    topics = tuple(Topic(i, label, (label,), 4) for i, label in enumerate(INTENT_DATA))
    for spec in SPECS:
        if spec.kind == "topics":
            TopicModel(spec.name, spec.version, topics, centroids, threshold=0.1).save(paths[spec.id])
    return root


def publish_sentiment_head(
    registry: ModelRegistry, name: str, data: dict[str, list[str]] = REVIEWS_DATA, *, encoder: str | None = None
) -> str:
    """Publish the next version of the user sentiment head ``name`` (as ``journeymine train sentiment`` does);
    ``encoder`` is the encoder id it records (default: the registry's). Returns its id."""
    recorded = encoder or registry.encoder_id or "encoder.hashing.test"

    def write(folder: Path, version: str) -> None:
        head = _train_head(f"sentiment.{name}", version, data, HashingEncoder(), None)
        head.metadata = {**head.metadata, "encoder": recorded, "source": "user"}
        head.save(folder)

    return registry.publish_user_model("sentiment", name, write).id


@pytest.fixture
def user_enricher(artifacts_dir: Path, nlp: object, encoder: HashingEncoder, tmp_path: Path) -> Enricher:
    """An Enricher whose registry has a user folder holding the sentiment head ``reviews`` (REVIEWS_DATA)."""
    registry = ModelRegistry(
        artifacts_dir=artifacts_dir, user_dir=tmp_path / "models", encoder_id=f"{encoder.name}.{encoder.version}"
    )
    publish_sentiment_head(registry, "reviews")
    return Enricher(encoder=encoder, registry=registry, nlp=nlp, nlp_model=ModelRef("nlp.blank_en", "test"))


@pytest.fixture(scope="session")
def nlp():
    pipeline = spacy.blank("en")
    pipeline.add_pipe("sentencizer")
    return pipeline


@pytest.fixture
def encoder() -> HashingEncoder:
    return HashingEncoder()


@pytest.fixture
def enricher(artifacts_dir: Path, nlp: object, encoder: HashingEncoder) -> Enricher:
    return Enricher(
        encoder=encoder,
        registry=ModelRegistry(artifacts_dir=artifacts_dir),
        nlp=nlp,
        nlp_model=ModelRef("nlp.blank_en", "test"),
    )


def assert_same_results(actual: Any, expected: Any, tol: float = 1e-5, path: str = "result") -> None:
    """Recursive equality of result trees: exact for everything but floats, which may differ by ``tol``."""
    if dataclasses.is_dataclass(actual) and not isinstance(actual, type):
        assert type(actual) is type(expected), path
        for f in dataclasses.fields(actual):
            assert_same_results(getattr(actual, f.name), getattr(expected, f.name), tol, f"{path}.{f.name}")
    elif isinstance(actual, (list, tuple)):
        assert len(actual) == len(expected), f"{path}: {len(actual)} != {len(expected)}"
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_same_results(a, e, tol, f"{path}[{i}]")
    elif isinstance(actual, float):
        assert actual == pytest.approx(expected, abs=tol), path
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"
