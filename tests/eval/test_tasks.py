"""The eval core on the small fake Enricher: registry, label checks, restriction, intent distributions."""

from __future__ import annotations

import re
import threading

import numpy as np
import pytest

from eval.data import LabelledRow
from eval.predict import intent_predictions
from eval.tasks import TASKS, EvalConfig, TaskNotAvailableError, evaluate, get_task
from models.errors import InvalidInputError, NotFoundError
from models.heads import restrict
from pipelines.enrichment.domain import EnrichOptions, Interaction, PlainText, SignalKind


def rows(*pairs, **fields):
    return [LabelledRow(text, label, dict(fields)) for text, label in pairs]


def test_task_registry_snapshot():
    assert {name: type(task).__name__ for name, task in TASKS.items()} == {
        "sentiment": "SentimentTask",
        "intent": "IntentTask",
        "topics": "TopicsTask",
        "aspect": "AspectTask",
        "score": "UnavailableTask",
    }
    assert TASKS["aspect"].baselines == ("sentence",)
    assert TASKS["sentiment"].baselines == ("vader",)
    assert TASKS["intent"].baselines == ("logreg",)
    assert TASKS["topics"].baselines == ("bertopic",)


@pytest.mark.parametrize(("task", "where"), [("score", "run `journeymine eval score --data FILE`")])
def test_tasks_over_other_inputs_say_where_they_run(task, where, enricher):
    expected = f"{task!r} is not evaluated from labelled rows: it reads labelled journeys, {where}"
    with pytest.raises(TaskNotAvailableError, match=re.escape(expected)):
        evaluate(rows(("hi", "x")), EvalConfig(task), enricher=enricher)


def test_unknown_task_and_baseline():
    with pytest.raises(NotFoundError, match="Valid eval task names are: aspect, intent, score, sentiment, topics"):
        get_task("emotion")
    with pytest.raises(
        InvalidInputError, match="unknown baseline 'vader' for task 'intent'; valid baselines are: logreg"
    ):
        evaluate(rows(("hi", "greeting")), EvalConfig("intent", baseline="vader"), enricher=None)


def test_binary_sentiment_set_is_scored_over_its_two_labels(enricher):
    data = rows(("terrible service", "negative"), ("I love this", "positive"), ("awful broken app", "negative"))
    result = evaluate(data, EvalConfig("sentiment"), enricher=enricher)
    assert result["restricted_to"] == ["negative", "positive"]
    assert result["model"] == "sentiment.v4"
    assert set(result["per_class"]) <= {"negative", "positive"}
    # Same path as production: document probabilities from enrich, renormalised over the two labels.
    out = enricher.enrich(
        [Interaction(str(i), PlainText(r.text), language="en") for i, r in enumerate(data)],
        EnrichOptions(signals=frozenset({SignalKind.SENTIMENT})),
    )
    full = np.array([[o.sentiment.negative, o.sentiment.neutral, o.sentiment.positive] for o in out])
    expected = restrict(full, ("negative", "neutral", "positive"), ("negative", "positive"))
    pred = [("negative", "positive")[i] for i in expected.argmax(axis=1)]
    assert result["accuracy"] == pytest.approx(np.mean([p == r.label for p, r in zip(pred, data, strict=True)]))
    assert result["ece_rows"] == 3


def test_sentiment_of_a_user_model_is_scored_with_that_model(user_enricher):
    # The user head ``reviews`` reads the fixture words the other way round (tests/pipelines/conftest.py).
    data = rows(("I love this", "negative"), ("terrible service", "positive"), ("great service thanks", "negative"))
    default = evaluate(data, EvalConfig("sentiment"), enricher=user_enricher)
    for name in ("reviews", "sentiment.reviews.v1"):
        result = evaluate(data, EvalConfig("sentiment", model=name), enricher=user_enricher)
        assert result["model"] == "sentiment.reviews.v1"
        assert result["accuracy"] == 1.0 and default["accuracy"] == 0.0
    assert default["model"] == "sentiment.v4"
    assert evaluate(data, EvalConfig("sentiment", model="sentiment"), enricher=user_enricher)["model"] == "sentiment.v4"


def test_an_unknown_sentiment_model_names_the_valid_ones(user_enricher):
    with pytest.raises(NotFoundError) as info:
        evaluate(rows(("hi", "neutral")), EvalConfig("sentiment", model="review"), enricher=user_enricher)
    assert str(info.value) == (
        "Unknown sentiment model: 'review'. Valid sentiment model names are: permissive, reviews, sentiment"
    )
    assert info.value.field == "model"


def test_single_label_sentiment_set_is_not_restricted_to_one_label(enricher):
    result = evaluate(rows(("great service thanks", "positive")), EvalConfig("sentiment"), enricher=enricher)
    assert result["restricted_to"] == ["negative", "neutral", "positive"]


def test_sentiment_gold_labels_must_be_known(enricher):
    with pytest.raises(InvalidInputError, match=r"gold labels 'mixed', 'pos' are not sentiment labels.*--label-map"):
        evaluate(rows(("a", "mixed"), ("b", "pos"), ("c", "negative")), EvalConfig("sentiment"), enricher=enricher)


def test_intent_with_out_of_scope_rows_reports_oos_figures_and_slices(enricher):
    data = [
        LabelledRow("I lost my card", "card_lost", {"channel": "chat"}),
        LabelledRow("refund my money", "refund", {"channel": "chat"}),
        LabelledRow("hello there", "greeting", {"channel": "email"}),
        LabelledRow("what is the weather on mars", "out_of_scope", {"channel": "email"}),
    ]
    result = evaluate(data, EvalConfig("intent", model="banking77", slice_by=("channel",)), enricher=enricher)
    assert result["model"] == "intent.banking77.v2" and result["taxonomy"] == "banking77"
    for key in ("n", "accuracy", "macro_f1", "macro_recall", "ece", "in_scope_accuracy", "oos_recall", "auroc"):
        assert key in result
    assert result["n"] == 4
    assert set(result["slices"]["channel"]) == {"chat", "email"}
    assert result["slices"]["channel"]["chat"]["n"] == 2
    # The fake head has no out_of_scope class: the gold out-of-scope row cannot enter calibration.
    assert result["ece_rows"] == 3
    assert result["auroc"] is not None


def test_intent_gold_labels_must_belong_to_the_taxonomy(enricher):
    with pytest.raises(
        InvalidInputError, match=r"gold labels 'weather' are not 'banking77' taxonomy labels.*label map"
    ):
        evaluate(rows(("sunny?", "weather")), EvalConfig("intent", model="banking77"), enricher=enricher)
    with pytest.raises(NotFoundError, match="Unknown intent taxonomy: 'nope'"):
        evaluate(rows(("hi", "greeting")), EvalConfig("intent", model="nope"), enricher=enricher)


def test_intent_distribution_from_enrich_equals_the_head_and_batched_equals_single(enricher, encoder):
    texts = ["I lost my card", "refund the charge please", "good morning", "blue whales sing"]
    stage = enricher.intent_stage("banking77")
    batched = intent_predictions(enricher, stage, texts)
    direct = stage.head.predict_proba(encoder.encode(texts))
    assert np.allclose(batched.proba, direct, atol=1e-6)
    assert np.allclose(batched.proba.sum(axis=1), 1.0, atol=1e-6)
    single = [intent_predictions(enricher, stage, [t]) for t in texts]
    assert [s.labels[0] for s in single] == batched.labels
    assert np.allclose(np.vstack([s.proba for s in single]), batched.proba, atol=1e-6)
    assert np.allclose(batched.oos_score, 1 - direct.max(axis=1), atol=1e-6)


def test_every_enricher_call_holds_the_lock(enricher, monkeypatch):
    lock = threading.Lock()
    held = []
    original = enricher.enrich

    def spy(*args, **kwargs):
        held.append(lock.locked())
        return original(*args, **kwargs)

    monkeypatch.setattr(enricher, "enrich", spy)
    evaluate(rows(("I lost my card", "card_lost")), EvalConfig("intent"), enricher=enricher, lock=lock)
    assert held == [True]


def test_logreg_baseline_needs_training_rows(enricher):
    with pytest.raises(InvalidInputError, match="--baseline-train FILE"):
        evaluate(rows(("I lost my card", "card_lost")), EvalConfig("intent", baseline="logreg"), enricher=enricher)


def test_logreg_baseline_side_by_side(enricher, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the embedding cache goes under ./.cache
    train = rows(
        *[(t, "card_lost") for t in ["I lost my card", "my card is gone", "card stolen", "lost card help"]],
        *[(t, "refund") for t in ["I want a refund", "refund my money", "give my money back", "refund the charge"]],
        *[(t, "greeting") for t in ["hi", "hello there", "good morning", "hey"]],
    )
    data = rows(("my card is stolen", "card_lost"), ("refund please", "refund"))
    result = evaluate(data, EvalConfig("intent", baseline="logreg"), enricher=enricher, baseline_train=train * 3)
    logreg = result["baselines"]["logreg"]
    assert logreg["n"] == 2 and 0 <= logreg["accuracy"] <= 1
    assert logreg["trained"]["train_rows"] == 36
    assert (tmp_path / ".cache" / "embeddings").is_dir()


def test_logreg_training_embeddings_reuse_the_recipes_cache_layout(enricher, tmp_path, monkeypatch):
    from pathlib import Path

    from models.training.embeddings import CachedEmbedder

    monkeypatch.chdir(tmp_path)
    cache = CachedEmbedder(
        cache_dir=Path(".cache/embeddings"),
        encoder_factory=lambda: enricher.encoder,
        encoder_id=enricher.encoder_model.id,
    )
    in_scope = rows(*[(t, "card_lost") for t in ["I lost my card", "card stolen"]], ("refund me", "refund"))
    in_scope += rows(("give my money back", "refund"), ("hi", "greeting"), ("hello there", "greeting"))
    oos = rows(("whales sing", "out_of_scope"), ("the sky is blue", "out_of_scope"))
    train = (in_scope + oos) * 3
    data = rows(("card stolen", "card_lost"))
    evaluate(data, EvalConfig("intent", baseline="logreg"), enricher=enricher, baseline_train=train)
    # No whole-list entry existed: in-scope and out-of-scope rows are cached as two lists (CLINC150's layout).
    assert cache.has([r.text for r in train if r.label != "out_of_scope"])
    assert cache.has([r.text for r in train if r.label == "out_of_scope"])
    assert not cache.has([r.text for r in train])
    # A whole-list entry (the customer_service recipe's layout) is used as it is.
    calls = []
    cache.embed([r.text for r in train])
    monkeypatch.setattr(enricher.encoder, "encode", lambda texts: calls.append(texts) or np.zeros((len(texts), 64)))
    evaluate(data, EvalConfig("intent", baseline="logreg"), enricher=enricher, baseline_train=train)
    assert all(len(c) == 1 for c in calls)  # only the one row to score was encoded


def test_logreg_baseline_reads_the_baseline_encoder_not_the_enrichers(enricher, tmp_path, monkeypatch):
    from tests.pipelines.conftest import HashingEncoder

    monkeypatch.chdir(tmp_path)
    pretrained = HashingEncoder()
    pretrained.version = "pretrained"
    train = rows(
        *[(t, "card_lost") for t in ["I lost my card", "card stolen"]],
        *[(t, "refund") for t in ["refund me", "give my money back"]],
    )
    data = rows(("card stolen", "card_lost"), ("refund me", "refund"))
    enricher.encoder.calls.clear()
    result = evaluate(
        data,
        EvalConfig("intent", baseline="logreg"),
        enricher=enricher,
        baseline_train=train * 3,
        baseline_encoder=lambda: pretrained,
    )
    assert result["baselines"]["logreg"]["n"] == 2
    baseline_texts = [t for call in pretrained.calls for t in call]
    assert sorted(baseline_texts) == sorted([r.text for r in train * 3] + [r.text for r in data])
    # The shipped model's scoring went through the enricher; no training row touched its encoder.
    enricher_texts = {t for call in enricher.encoder.calls for t in call}
    assert enricher_texts and not enricher_texts & {"I lost my card", "give my money back"}
