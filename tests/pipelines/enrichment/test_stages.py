from __future__ import annotations

import numpy as np
import pytest

from models.heads import LinearHead
from pipelines.enrichment.domain import OUT_OF_SCOPE, SentimentLabel
from pipelines.enrichment.intent import IntentStage
from pipelines.enrichment.language import LanguageDetector
from pipelines.enrichment.sentiment import SentimentConfig, SentimentStage


def head(labels: tuple[str, ...], threshold: float | None = None) -> LinearHead:
    return LinearHead("h", "v1", labels, np.eye(len(labels), 4), np.zeros(len(labels)), threshold=threshold)


def test_sentiment_pool_is_word_weighted_mean() -> None:
    stage = SentimentStage(head=head(("negative", "neutral", "positive")))
    pooled = stage.pool([np.array([0.8, 0.1, 0.1]), np.array([0.0, 1.0, 0.0])], [1.0, 3.0])
    assert pooled is not None
    assert (pooled.negative, pooled.neutral) == pytest.approx((0.2, 0.775))
    assert pooled.label == SentimentLabel.NEUTRAL


def test_mixed_needs_both_poles_over_threshold() -> None:
    stage = SentimentStage(head=head(("negative", "neutral", "positive")), config=SentimentConfig(mixed_threshold=0.6))
    neg, pos, mild = np.array([0.7, 0.2, 0.1]), np.array([0.1, 0.2, 0.7]), np.array([0.2, 0.3, 0.5])
    mixed = stage.pool([neg, pos], [1, 1])
    assert mixed is not None and mixed.label == SentimentLabel.MIXED
    not_mixed = stage.pool([neg, mild], [1, 1])
    assert not_mixed is not None and not_mixed.label != SentimentLabel.MIXED
    assert stage.pool([], []) is None


def test_sentiment_head_must_have_the_three_labels() -> None:
    with pytest.raises(ValueError, match="negative"):
        SentimentStage(head=head(("pos", "neg", "neu")))


def test_trend_window() -> None:
    stage = SentimentStage(head=head(("negative", "neutral", "positive")))
    assert [stage.window_size(n) for n in (2, 3, 4, 9, 10)] == [1, 1, 2, 3, 4]


def test_intent_threshold_abstains() -> None:
    stage = IntentStage(head=head(("a", "b", "c"), threshold=0.5), taxonomy="t")
    confident = stage.from_proba(np.array([0.7, 0.2, 0.1]), top_k=2)
    assert confident.label == "a" and not confident.out_of_scope
    assert [t.label for t in confident.top] == ["a", "b"]
    unsure = stage.from_proba(np.array([0.4, 0.35, 0.25]))
    assert unsure.out_of_scope and unsure.label == OUT_OF_SCOPE and unsure.confidence == pytest.approx(0.4)


def test_intent_explicit_oos_class_is_never_a_top_label() -> None:
    stage = IntentStage(head=head(("a", OUT_OF_SCOPE, "b")), taxonomy="t")
    result = stage.from_proba(np.array([0.3, 0.5, 0.2]), top_k=5)
    assert result.out_of_scope and result.label == OUT_OF_SCOPE
    assert [t.label for t in result.top] == ["a", "b"]
    assert stage.labels == ("a", "b")


@pytest.mark.parametrize(
    ("text", "code", "supported", "source"),
    [
        ("hi", "en", True, "assumed"),
        ("the app crashes", "en", True, "assumed"),
        ("My card was stolen yesterday and I need a new one", "en", True, "detected"),
        ("Mein Paket ist nicht angekommen, bitte helfen Sie mir", "de", False, "detected"),
        ("こんにちは", "ja", False, "detected"),
    ],
)
def test_language_rules(text: str, code: str, supported: bool, source: str) -> None:
    info = LanguageDetector().detect(text)
    assert (info.code, info.supported, info.source) == (code, supported, source)


def test_declared_language_uses_primary_subtag() -> None:
    info = LanguageDetector().detect("anything", declared="en-GB")
    assert (info.code, info.supported, info.source) == ("en", True, "declared")


def test_mixed_is_decided_by_the_evidence_not_the_pooled_pieces() -> None:
    stage = SentimentStage(head=head(("negative", "neutral", "positive")))
    whole = np.array([0.3, 0.4, 0.3])  # one part, scored as a whole
    sentences = [np.array([0.8, 0.1, 0.1]), np.array([0.1, 0.1, 0.8])]
    pooled = stage.pool([whole], [5.0], evidence=sentences)
    assert pooled is not None and pooled.label == SentimentLabel.MIXED
    assert (pooled.negative, pooled.neutral, pooled.positive) == pytest.approx((0.3, 0.4, 0.3))
    calm = stage.pool([whole], [5.0], evidence=[np.array([0.3, 0.6, 0.1])])
    assert calm is not None and calm.label == SentimentLabel.NEUTRAL


def test_intent_threshold_of_the_encoder_backend_when_the_head_has_one() -> None:
    tuned = head(("a", "b", "c"), threshold=0.5)
    tuned.metadata["backend_thresholds"] = {"onnx-int8": 0.6}
    proba = np.array([0.55, 0.3, 0.15])
    on_int8 = IntentStage(head=tuned, taxonomy="t", backend="onnx-int8")
    assert on_int8.threshold == 0.6 and on_int8.from_proba(proba).out_of_scope
    for backend in (None, "torch", "onnx"):  # torch's threshold, which fp32 ONNX reproduces
        stage = IntentStage(head=tuned, taxonomy="t", backend=backend)
        assert stage.threshold == 0.5 and stage.from_proba(proba).label == "a"
