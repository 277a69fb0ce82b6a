"""The satisfaction stage: customer turns read beside the agent turn they answer, pooled over a conversation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models.registry import SPECS, ModelRegistry
from models.satisfaction import pool
from pipelines.enrichment.domain import (
    EnrichOptions,
    Interaction,
    ModelRef,
    PlainText,
    SatisfactionLabel,
    SignalKind,
    SpeakerRole,
    StreamStart,
    Transcript,
    Turn,
)
from pipelines.enrichment.enricher import EnrichConfig, Enricher
from pipelines.enrichment.stream import ConversationSession
from tests.pipelines.conftest import HashingEncoder, assert_same_results

AGENT, CUSTOMER = SpeakerRole.AGENT, SpeakerRole.CUSTOMER


def transcript(*turns: tuple[SpeakerRole, str], i: str = "call") -> Interaction:
    return Interaction(id=i, content=Transcript(tuple(Turn(role, text, role.value) for role, text in turns)))


FAILED = transcript(
    (CUSTOMER, "I want a flight"),
    (AGENT, "sorry I cannot find it"),
    (CUSTOMER, "no that is wrong"),
    (AGENT, "please try again later"),
    (CUSTOMER, "still broken nobody helps"),
)
HELPED = transcript(
    (CUSTOMER, "I want a flight"),
    (AGENT, "done it is booked"),
    (CUSTOMER, "great thanks that works"),
)


def test_a_conversation_is_the_mean_of_its_customer_turns() -> None:
    probas = np.array([[0.05, 0.9, 0.05], [0.7, 0.2, 0.1], [0.05, 0.15, 0.8]])
    assert pool(probas) == pytest.approx(probas.mean(axis=0))
    assert pool(probas).sum() == pytest.approx(1.0)


def test_customer_turns_and_the_conversation_carry_satisfaction(enricher: Enricher) -> None:
    failed, helped = enricher.enrich([FAILED, HELPED])
    for result in (failed, helped):
        for turn in result.turns:
            assert (turn.satisfaction is not None) == (turn.role == CUSTOMER)
        assert result.satisfaction is not None
        assert "satisfaction.v1" in {m.id for m in result.models}
    assert failed.satisfaction is not None and helped.satisfaction is not None
    assert failed.satisfaction.label == SatisfactionLabel.DISSATISFIED
    assert helped.satisfaction.label == SatisfactionLabel.SATISFIED
    assert failed.satisfaction.score < 0 < helped.satisfaction.score
    last = failed.turns[-1].satisfaction
    assert last is not None
    assert last.score == pytest.approx(last.satisfied - last.dissatisfied)
    assert last.dissatisfied + last.neutral + last.satisfied == pytest.approx(1.0)


def test_a_turn_is_read_with_the_agent_turn_before_it(enricher: Enricher) -> None:
    after_failure = transcript((AGENT, "sorry I cannot find it"), (CUSTOMER, "the order"))
    after_help = transcript((AGENT, "done it is booked"), (CUSTOMER, "the order"))
    alone = transcript((CUSTOMER, "the order"))
    scores = []
    for call in (after_failure, after_help, alone):
        turn = next(t for t in enricher.enrich([call])[0].turns if t.role == CUSTOMER)
        assert turn.satisfaction is not None
        scores.append(turn.satisfaction.score)
    assert scores[0] < scores[2] < scores[1]


def test_only_transcripts_with_sentiment_get_satisfaction(enricher: Enricher) -> None:
    (text,) = enricher.enrich([Interaction(id="t", content=PlainText("no that is wrong"))])
    assert text.satisfaction is None
    assert "satisfaction.v1" not in {m.id for m in text.models}
    (call,) = enricher.enrich([FAILED], EnrichOptions(signals=frozenset({SignalKind.INTENT})))
    assert call.satisfaction is None
    assert all(t.satisfaction is None for t in call.turns)


def test_the_stream_ends_with_the_batch_satisfaction(enricher: Enricher) -> None:
    session = ConversationSession(enricher=enricher, start=StreamStart("call"))
    assert isinstance(FAILED.content, Transcript)
    updates = [session.add_turn(turn) for turn in FAILED.content.turns]
    (batch,) = enricher.enrich([FAILED])
    assert_same_results(updates[-1].summary.satisfaction, batch.satisfaction)
    for update, turn in zip(updates, batch.turns, strict=True):
        assert_same_results(update.turn.satisfaction, turn.satisfaction)


@pytest.mark.parametrize("how", ["no model in the registry", "switched off in the config"])
def test_without_a_satisfaction_model_nothing_is_estimated(artifacts_dir: Path, nlp: object, how: str) -> None:
    if how == "no model in the registry":
        registry, config = (
            ModelRegistry(artifacts_dir=artifacts_dir, specs=tuple(s for s in SPECS if s.kind != "satisfaction")),
            EnrichConfig(),
        )
    else:
        registry, config = ModelRegistry(artifacts_dir=artifacts_dir), EnrichConfig(satisfaction=False)
    bare = Enricher(
        encoder=HashingEncoder(), registry=registry, nlp=nlp, nlp_model=ModelRef("nlp.blank_en", "test"), config=config
    )
    assert bare.satisfaction is None
    (result,) = bare.enrich([FAILED])
    assert result.satisfaction is None
    assert all(t.satisfaction is None for t in result.turns)
    assert result.sentiment is not None
