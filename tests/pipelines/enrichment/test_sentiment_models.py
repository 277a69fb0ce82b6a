"""A named sentiment model (a user head from ``journeymine train sentiment``) chosen per call.

The ``reviews`` head of ``user_enricher`` reads the fixture words the other way round, so "I love this" is
positive by the default head and negative by ``reviews``: every test can tell which head produced a signal.
"""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor

import pytest

from models.errors import InvalidInputError, ModelNotLoadedError, NotFoundError
from pipelines.enrichment.domain import (
    EnrichOptions,
    Interaction,
    PlainText,
    SentimentLabel,
    SignalKind,
    SpeakerRole,
    StreamStart,
    Transcript,
    Turn,
)
from pipelines.enrichment.enricher import Enricher
from pipelines.enrichment.microbatch import MicroBatchConfig, MicroBatcher
from pipelines.enrichment.stream import ConversationSession
from tests.pipelines.conftest import SENTIMENT_DATA, assert_same_results, publish_sentiment_head

REVIEWS = EnrichOptions(sentiment_model="reviews")
CALL = [
    (SpeakerRole.CUSTOMER, "I love this"),
    (SpeakerRole.AGENT, "I will help"),
    (SpeakerRole.CUSTOMER, "I lost my card. This is terrible service!"),
    (SpeakerRole.CUSTOMER, "great service thanks"),
]


def text(i: str, body: str) -> Interaction:
    return Interaction(id=i, content=PlainText(body))


def call(i: str = "call") -> Interaction:
    return Interaction(id=i, content=Transcript(tuple(Turn(role, t, f"s{role}") for role, t in CALL)))


def sentiment_ids(result) -> set[str]:
    """The model ids of every sentiment in a result."""
    found = [result.sentiment, *(s.sentiment for s in result.sentences), *(t.sentiment for t in result.turns)]
    found += [r.sentiment for r in result.roles]
    if result.trend is not None:
        found += [result.trend.opening, result.trend.closing]
    return {s.model.id for s in found if s is not None}


def test_a_named_sentiment_model_scores_and_is_recorded(user_enricher: Enricher) -> None:
    default, named = (user_enricher.enrich([text("a", "I love this")], o)[0] for o in (EnrichOptions(), REVIEWS))
    assert default.sentiment is not None and default.sentiment.label == SentimentLabel.POSITIVE
    assert named.sentiment is not None and named.sentiment.label == SentimentLabel.NEGATIVE
    assert sentiment_ids(default) == {"sentiment.v4"} and sentiment_ids(named) == {"sentiment.reviews.v1"}
    ids = [m.id for m in named.models]
    assert "sentiment.reviews.v1" in ids and "sentiment.v4" not in ids
    # Intent and topics do not depend on the sentiment model.
    assert (named.intent, named.topics) == (default.intent, default.topics)


def test_every_sentiment_of_a_transcript_comes_from_the_named_model(user_enricher: Enricher) -> None:
    (r,) = user_enricher.enrich([call()], REVIEWS)
    assert r.trend is not None and r.roles and len(r.turns) == len(CALL)
    assert sentiment_ids(r) == {"sentiment.reviews.v1"}
    # "I love this" opens the call: negative by this head.
    assert r.turns[0].sentiment is not None and r.turns[0].sentiment.label == SentimentLabel.NEGATIVE


def test_the_default_by_name_or_id_is_the_default(user_enricher: Enricher) -> None:
    expected = user_enricher.enrich([call()])
    for name in ("sentiment", "sentiment.v4"):
        assert user_enricher.enrich([call()], EnrichOptions(sentiment_model=name)) == expected


def test_an_unknown_sentiment_model_names_the_valid_ones(user_enricher: Enricher) -> None:
    with pytest.raises(NotFoundError) as info:
        user_enricher.enrich([text("a", "hi")], EnrichOptions(sentiment_model="review"))
    assert info.value.field == "options.sentiment_model"
    assert "'review'" in str(info.value) and "reviews" in str(info.value) and "sentiment" in str(info.value)
    # Even when the call does not ask for sentiment: a typo must not pass silently.
    with pytest.raises(NotFoundError):
        user_enricher.enrich(
            [text("a", "hi")], EnrichOptions(signals=frozenset({SignalKind.INTENT}), sentiment_model="review")
        )


def test_a_head_trained_on_another_encoder_is_refused(user_enricher: Enricher) -> None:
    publish_sentiment_head(user_enricher.registry, "legacy", encoder="encoder.previous.v0")
    with pytest.raises(ModelNotLoadedError, match=r"'encoder\.previous\.v0'"):
        user_enricher.enrich([text("a", "hi")], EnrichOptions(sentiment_model="legacy"))


def test_a_model_trained_after_the_enricher_started_is_found(user_enricher: Enricher) -> None:
    publish_sentiment_head(user_enricher.registry, "fresh", SENTIMENT_DATA)
    (r,) = user_enricher.enrich([text("a", "I love this")], EnrichOptions(sentiment_model="fresh"))
    assert r.sentiment is not None and r.sentiment.model.id == "sentiment.fresh.v1"
    assert r.sentiment.label == SentimentLabel.POSITIVE


def test_micro_batched_calls_with_different_sentiment_models_each_get_their_own(user_enricher: Enricher) -> None:
    e = user_enricher
    batcher = MicroBatcher(
        plan=e.plan,
        send=e.send_parse,
        ahead=e.encode_ahead,
        finish=e.finish,
        config=MicroBatchConfig(max_batch=64, max_wait_ms=50),
    )
    options = [EnrichOptions(), REVIEWS, EnrichOptions(sentiment_model="sentiment")] * 4
    calls = [[text(f"{k}-a", "I love this"), call(f"{k}-call")] for k in range(len(options))]
    expected = [e.enrich(c, o) for c, o in zip(calls, options, strict=True)]
    try:
        with ThreadPoolExecutor(len(calls)) as pool:
            got = list(pool.map(lambda k: batcher.submit(calls[k], options[k]), range(len(calls))))
    finally:
        batcher.close()
    for k, (result, want) in enumerate(zip(got, expected, strict=True)):
        assert_same_results(result, want, path=f"call {k}")
        model = "sentiment.reviews.v1" if options[k] == REVIEWS else "sentiment.v4"
        assert {i for r in result for i in sentiment_ids(r)} == {model}


def test_a_pinned_sentiment_version_is_the_model_used(user_enricher: Enricher) -> None:
    publish_sentiment_head(user_enricher.registry, "reviews", SENTIMENT_DATA)  # v2 reads the words as the default
    latest = user_enricher.enrich([text("a", "I love this")], REVIEWS)[0]
    assert latest.sentiment is not None and latest.sentiment.model.id == "sentiment.reviews.v2"
    pinned = EnrichOptions(pin_models=("sentiment.reviews.v1",))
    (r,) = user_enricher.enrich([text("a", "I love this")], pinned)
    assert r.sentiment is not None and r.sentiment.model.id == "sentiment.reviews.v1"
    assert r.sentiment.label == SentimentLabel.NEGATIVE and "sentiment.reviews.v1" in [m.id for m in r.models]
    agreeing = dataclasses.replace(pinned, sentiment_model="reviews")
    assert user_enricher.enrich([text("a", "I love this")], agreeing)[0] == r
    # Pinning the default's loaded id keeps working, alone or beside the default's name.
    for named in (None, "sentiment"):
        options = EnrichOptions(sentiment_model=named, pin_models=("sentiment.v2",))
        (d,) = user_enricher.enrich([text("a", "I love this")], options)
        assert d.sentiment is not None and d.sentiment.model.id == "sentiment.v2"
        assert d.sentiment.label == SentimentLabel.POSITIVE


def test_sentiment_pins_that_contradict_the_options_or_each_other_are_refused(user_enricher: Enricher) -> None:
    with pytest.raises(InvalidInputError, match=r"options.sentiment_model: is 'reviews', but options.pin_models"):
        user_enricher.enrich([text("a", "hi")], EnrichOptions(sentiment_model="reviews", pin_models=("sentiment.v2",)))
    with pytest.raises(InvalidInputError, match="pin one sentiment model"):
        user_enricher.enrich([text("a", "hi")], EnrichOptions(pin_models=("sentiment.v2", "sentiment.reviews.v1")))
    with pytest.raises(NotFoundError) as info:
        user_enricher.enrich([text("a", "hi")], EnrichOptions(pin_models=("sentiment.reviews.v9",)))
    assert info.value.available == ["sentiment.reviews.v1"]


def test_a_stream_uses_the_named_model_and_ends_where_the_batch_does(user_enricher: Enricher) -> None:
    (batch,) = user_enricher.enrich([call()], REVIEWS)
    session = ConversationSession(enricher=user_enricher, start=StreamStart("call", options=REVIEWS))
    updates = [session.add_turn(Turn(role, t, f"s{role}")) for role, t in CALL]
    assert_same_results([u.turn for u in updates], list(batch.turns))
    assert {s.sentiment.model.id for u in updates for s in u.sentences} == {"sentiment.reviews.v1"}
    final = updates[-1].summary
    assert_same_results(
        (final.customer_sentiment, final.roles, final.trend), (batch.sentiment, batch.roles, batch.trend)
    )


def test_a_stream_refuses_an_unknown_sentiment_model_before_any_turn(user_enricher: Enricher) -> None:
    with pytest.raises(NotFoundError) as info:
        ConversationSession(enricher=user_enricher, start=StreamStart("s", options=EnrichOptions(sentiment_model="x")))
    assert info.value.field == "start.options.sentiment_model"


def test_the_config_names_the_default_sentiment_model(artifacts_dir, nlp, encoder) -> None:
    from models.registry import ModelRegistry
    from pipelines.enrichment.domain import ModelRef
    from pipelines.enrichment.enricher import EnrichConfig

    def build(name: str) -> Enricher:
        return Enricher(
            encoder=encoder,
            registry=ModelRegistry(artifacts_dir=artifacts_dir),
            nlp=nlp,
            nlp_model=ModelRef("nlp.blank_en", "test"),
            config=EnrichConfig(sentiment_model=name),
        )

    result = build("permissive").enrich([text("a", "I love this")])[0]
    assert sentiment_ids(result) == {"sentiment.permissive.v2"}
    assert build("").enrich([text("a", "I love this")])[0].sentiment.model.id == "sentiment.v4"
    with pytest.raises(NotFoundError) as info:
        build("nope")
    assert info.value.field == "enrich.sentiment_model" and "permissive" in info.value.available
