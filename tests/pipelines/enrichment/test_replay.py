"""Deterministic replay: results name every model used; pinned versions are used or the call is refused."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from models.errors import InvalidInputError, NotFoundError
from models.registry import ModelRegistry
from pipelines.enrichment.domain import (
    EnrichOptions,
    Interaction,
    ModelRef,
    PlainText,
    SpeakerRole,
    StreamStart,
    Transcript,
    Turn,
)
from pipelines.enrichment.enricher import Enricher
from pipelines.enrichment.stream import ConversationSession
from tests.pipelines.conftest import INTENT_DATA, HashingEncoder, _train_head, assert_same_results


def call(i: int = 0) -> Interaction:
    turns = (
        Turn(SpeakerRole.AGENT, "hello there, how can I help", "a", 0, 1500),
        Turn(SpeakerRole.CUSTOMER, f"I lost my card {i}. terrible service", "c", 1800, 5000),
        Turn(SpeakerRole.AGENT, "I am sorry, I will block it", "a", 4800, 7000),
        Turn(SpeakerRole.CUSTOMER, "great service thanks", "c", 9500, 10000),
    )
    return Interaction(f"call-{i}", Transcript(turns))


def test_same_input_same_versions_same_result(enricher: Enricher) -> None:
    first = enricher.enrich([call()])[0]
    pinned = EnrichOptions(pin_models=tuple(m.id for m in first.models))
    replay = enricher.enrich([call()], pinned)[0]
    again = enricher.enrich([call()], pinned)[0]
    in_a_crowd = enricher.enrich([Interaction("x", PlainText("awful broken app")), call(), call(7)], pinned)[1]
    assert again == replay and in_a_crowd == replay  # exact, floats included
    # Replay computes text by text: the same labels as a batched call, floats equal up to rounding.
    assert_same_results(replay, first)
    assert first.conversation is not None and first.conversation.overtalk_ms == 200


def test_result_names_every_model_it_used(enricher: Enricher) -> None:
    result = enricher.enrich([call()], EnrichOptions(intent_taxonomy="banking77"))[0]
    ids = [m.id for m in result.models]
    assert ids == ["nlp.blank_en.test", "encoder.hashing.test", "sentiment.v4", "satisfaction.v1",
                   "intent.banking77.v2", "topics.customer_service.v3"]  # fmt: skip
    assert result.intent is not None and result.intent.model.id == "intent.banking77.v2"


def test_pinned_intent_version_is_the_taxonomy_used(enricher: Enricher) -> None:
    result = enricher.enrich([call()], EnrichOptions(pin_models=("intent.clinc150.v2",)))[0]
    assert result.intent is not None and result.intent.taxonomy == "clinc150"
    agreeing = EnrichOptions(intent_taxonomy="clinc150", pin_models=("intent.clinc150.v2",))
    assert enricher.enrich([call()], agreeing)[0].intent == result.intent


def test_a_version_that_is_not_loaded_is_refused_naming_the_available_ones(enricher: Enricher) -> None:
    with pytest.raises(NotFoundError) as info:
        enricher.enrich([call()], EnrichOptions(pin_models=("sentiment.v2", "sentiment.v1")))
    assert info.value.field == "options.pin_models[1]" and info.value.available == [
        "sentiment.v2",
        "sentiment.v3",
        "sentiment.v4",
    ]
    assert "Unknown model version: 'sentiment.v1'" in str(info.value)
    with pytest.raises(NotFoundError) as info:
        enricher.enrich([call()], EnrichOptions(pin_models=("intent.banking77.v1",)))
    assert info.value.available == ["intent.banking77.v2"]
    with pytest.raises(NotFoundError) as info:
        enricher.enrich([call()], EnrichOptions(pin_models=("nonsense",)))
    assert "sentiment.v2" in info.value.available and "encoder.hashing.test" in info.value.available


def test_pins_that_contradict_the_options_are_refused(enricher: Enricher) -> None:
    with pytest.raises(InvalidInputError, match=r"options.intent_taxonomy: is 'banking77', but options.pin_models"):
        enricher.enrich([call()], EnrichOptions(intent_taxonomy="banking77", pin_models=("intent.clinc150.v2",)))
    with pytest.raises(InvalidInputError, match="pin one intent model"):
        enricher.enrich([call()], EnrichOptions(pin_models=("intent.clinc150.v2", "intent.banking77.v2")))


def test_a_stream_refuses_a_bad_pin_before_any_turn(enricher: Enricher) -> None:
    start = StreamStart("s", options=EnrichOptions(pin_models=("topics.customer_service.v1",)))
    with pytest.raises(NotFoundError) as info:
        ConversationSession(enricher=enricher, start=start)
    assert info.value.field == "start.options.pin_models[0]"
    ok = dataclasses.replace(start, options=EnrichOptions(pin_models=("topics.customer_service.v2",)))
    assert ConversationSession(enricher=enricher, start=ok).topics is not None


def test_an_older_user_taxonomy_version_can_be_pinned(artifacts_dir: Path, nlp: object, tmp_path: Path) -> None:
    registry = ModelRegistry(artifacts_dir=artifacts_dir, user_dir=tmp_path / "models")
    enricher = Enricher(encoder=HashingEncoder(), registry=registry, nlp=nlp, nlp_model=ModelRef("nlp.blank_en", "t"))
    for _ in range(2):  # v1, then v2
        registry.publish_user_model(
            "intent",
            "returns",
            lambda folder, v: _train_head("intent.returns", v, INTENT_DATA, HashingEncoder(), 0.3).save(folder),
        )
    latest = enricher.enrich([call()], EnrichOptions(intent_taxonomy="returns"))[0]
    pinned = enricher.enrich([call()], EnrichOptions(intent_taxonomy="returns", pin_models=("intent.returns.v1",)))[0]
    assert latest.intent is not None and latest.intent.model.id == "intent.returns.v2"
    assert pinned.intent is not None and pinned.intent.model.id == "intent.returns.v1"
    assert "intent.returns.v1" in [m.id for m in pinned.models]
