"""Proto <-> domain conversion: round trips, the contract's defaults, and every enum table."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from journeymine.v1 import enrichment_service_pb2 as svc_pb
from journeymine.v1 import interaction_pb2 as ix_pb
from journeymine.v1 import signals_pb2 as sig_pb
from pipelines.enrichment.domain import (
    DEFAULT_SIGNALS,
    Channel,
    ContentPart,
    ConversationSummary,
    Email,
    EnrichedInteraction,
    EnrichOptions,
    Entity,
    Intent,
    IntentLabel,
    Interaction,
    LanguageInfo,
    ModelCatalog,
    ModelInfo,
    ModelRef,
    PlainText,
    RatingScale,
    RoleSentiment,
    SentenceSentiment,
    Sentiment,
    SentimentLabel,
    SentimentTrend,
    SignalKind,
    SocialPost,
    SpeakerRole,
    Survey,
    SurveyResponse,
    TaxonomyInfo,
    TextSpan,
    TopicAssignment,
    TopicModelInfo,
    Transcript,
    Turn,
    TurnSignals,
    TurnUpdate,
)
from service.rpc import convert
from service.rpc.enrichment import convert as enrichment_convert

SENT_MODEL = ModelRef("sentiment", "v1")
INTENT_MODEL = ModelRef("intent.banking77", "v1")
TOPIC_MODEL = ModelRef("topics.customer_service", "v1")
NLP_MODEL = ModelRef("nlp.en_core_web_sm", "v3.8.0")

CONTENTS = [
    Transcript(
        (
            Turn(SpeakerRole.CUSTOMER, "I was charged twice.", "c1", 0, 1500),
            Turn(SpeakerRole.AGENT, "Let me check that.", "a7"),
            Turn(SpeakerRole.BOT, "Transferring you.", start_ms=2000),
            Turn(SpeakerRole.IVR, "Press one.", end_ms=10),
        )
    ),
    Email("Refund", "Please refund me.\n\nThanks,\nAnn"),
    Survey(
        (
            SurveyResponse("How likely are you to recommend us?", "", 9.0, RatingScale("NPS", 0, 10)),
            SurveyResponse("Anything else?", "Great support."),
            SurveyResponse("Rating only", "", 0.0),
        )
    ),
    SocialPost("@bank your app is down again", "twitter", "@ann", "12345"),
    PlainText("The card arrived quickly."),
]


def sentiment(label: SentimentLabel = SentimentLabel.NEGATIVE) -> Sentiment:
    return Sentiment(label, 0.7, 0.2, 0.1, -0.6, SENT_MODEL)


def intent() -> Intent:
    top = (IntentLabel("card_charged_twice", 0.8), IntentLabel("refund", 0.1))
    return Intent("banking77", "card_charged_twice", False, 0.8, 0.3, top, INTENT_MODEL)


def topic() -> TopicAssignment:
    return TopicAssignment(4, "billing", ("charge", "refund"), 0.9, TOPIC_MODEL)


@pytest.mark.parametrize("content", CONTENTS, ids=lambda c: type(c).__name__)
def test_interaction_round_trips_for_every_content_kind(content):
    interaction = Interaction(
        id="i-1",
        content=content,
        customer_id="cust-9",
        journey_id="j-3",
        channel=Channel.CHAT,
        occurred_at=datetime(2024, 5, 1, 12, 30, 15, 250000, tzinfo=UTC),
        language="en-GB",
        attributes={"queue": "billing", "tier": "gold"},
    )
    msg = convert.interaction_to_proto(interaction)
    back = convert.interaction_from_proto(ix_pb.Interaction.FromString(msg.SerializeToString()))
    assert back == interaction


def test_unset_optionals_stay_none():
    msg = ix_pb.Interaction(id="x", transcript=ix_pb.Transcript(turns=[ix_pb.Turn(role=1, text="hi")]))
    msg.survey.responses.add(answer="ok")  # switches the oneof to survey
    got = convert.interaction_from_proto(msg)
    assert got.occurred_at is None
    assert got.content == Survey((SurveyResponse("", "ok", None, None),))
    turn = convert.turn_from_proto(ix_pb.Turn(role=ix_pb.SPEAKER_ROLE_AGENT, text="hello"))
    assert (turn.start_ms, turn.end_ms, turn.role) == (None, None, SpeakerRole.AGENT)
    # An explicit zero offset is present, not None.
    assert convert.turn_from_proto(ix_pb.Turn(role=1, text="a", start_ms=0)).start_ms == 0


def test_interaction_without_content_is_refused():
    with pytest.raises(ValueError, match="no content"):
        convert.content_from_proto(ix_pb.Interaction(id="x"))


def test_options_defaults_for_zero_values():
    assert convert.options_from_proto(svc_pb.EnrichOptions()) == EnrichOptions(
        signals=DEFAULT_SIGNALS, intent_taxonomy=None, intent_top_k=3, topics_top_k=1
    )


def test_options_aspects_threshold_pins_and_sentiment_model_round_trip():
    msg = svc_pb.EnrichOptions(
        signals=[sig_pb.SIGNAL_SENTIMENT, sig_pb.SIGNAL_ASPECTS],
        silence_threshold_ms=1500,
        pin_models=["sentiment.v2"],
        sentiment_model="reviews",
    )
    got = convert.options_from_proto(msg)
    assert got.signals == {SignalKind.SENTIMENT, SignalKind.ASPECTS}
    assert (got.silence_threshold_ms, got.pin_models, got.sentiment_model) == (1500, ("sentiment.v2",), "reviews")
    assert convert.options_from_proto(svc_pb.EnrichOptions()).sentiment_model is None  # empty: the default
    assert convert.options_from_proto(convert.options_to_proto(got)) == got
    # The empty list means every signal but aspects, which a caller must ask for.
    assert SignalKind.ASPECTS not in convert.options_from_proto(svc_pb.EnrichOptions()).signals


def test_conversation_metrics_to_proto():
    from pipelines.enrichment.conversation import conversation_metrics

    turns = (
        Turn(SpeakerRole.CUSTOMER, "hi", start_ms=0, end_ms=5000),
        Turn(SpeakerRole.AGENT, "so", start_ms=4000, end_ms=9000),
    )
    msg = convert.conversation_to_proto(conversation_metrics(turns))
    assert (msg.turn_count, msg.duration_ms, msg.overtalk_ms, msg.response_count) == (2, 9000, 1000, 1)
    assert [(i.by, i.on, i.count) for i in msg.interruptions] == [
        (ix_pb.SPEAKER_ROLE_AGENT, ix_pb.SPEAKER_ROLE_CUSTOMER, 1)
    ]
    assert {r.role: r.talk_ms for r in msg.roles} == {ix_pb.SPEAKER_ROLE_CUSTOMER: 5000, ix_pb.SPEAKER_ROLE_AGENT: 5000}


def test_options_explicit_values():
    msg = svc_pb.EnrichOptions(
        signals=[sig_pb.SIGNAL_INTENT, sig_pb.SIGNAL_TOPICS, sig_pb.SIGNAL_INTENT],
        intent_taxonomy="clinc150",
        intent_top_k=5,
        topics_top_k=2,
    )
    got = convert.options_from_proto(msg)
    assert got == EnrichOptions(frozenset({SignalKind.INTENT, SignalKind.TOPICS}), "clinc150", 5, 2)
    assert convert.options_from_proto(convert.options_to_proto(got)) == got
    assert list(convert.options_to_proto(EnrichOptions()).signals) == []


def test_stream_start_defaults_and_values():
    bare = enrichment_convert.stream_start_from_proto(svc_pb.StreamStart(interaction_id="call-1"))
    assert bare.channel == Channel.CALL  # unset channel: the live-call default
    assert bare.options == EnrichOptions()
    full = enrichment_convert.stream_start_from_proto(
        svc_pb.StreamStart(
            interaction_id="c",
            customer_id="u",
            journey_id="j",
            channel=ix_pb.CHANNEL_CHAT,
            language="en",
            options=svc_pb.EnrichOptions(intent_taxonomy="banking77"),
        )
    )
    assert (full.customer_id, full.journey_id, full.channel, full.language) == ("u", "j", Channel.CHAT, "en")
    assert full.options.intent_taxonomy == "banking77"


@pytest.mark.parametrize(
    ("table", "domain_enum", "proto_enum", "skip_zero"),
    [
        (convert.CHANNEL_FROM_PROTO, Channel, ix_pb.Channel, False),
        (convert.ROLE_FROM_PROTO, SpeakerRole, ix_pb.SpeakerRole, False),
        (convert.SIGNAL_FROM_PROTO, SignalKind, sig_pb.Signal, True),
        (convert.CONTENT_PART_FROM_PROTO, ContentPart, sig_pb.ContentPart, True),
        (convert.SENTIMENT_LABEL_FROM_PROTO, SentimentLabel, sig_pb.SentimentLabel, True),
    ],
)
def test_enum_tables_are_complete_bijections(table, domain_enum, proto_enum, skip_zero):
    proto_numbers = {n for n in proto_enum.values() if not (skip_zero and n == 0)}
    assert set(table) == proto_numbers
    assert set(table.values()) == set(domain_enum)
    # Names line up too: CHANNEL_CALL <-> Channel.CALL, so no row is crossed.
    for number, member in table.items():
        assert proto_enum.Name(number).endswith(member.name)


def test_enriched_interaction_to_proto_carries_every_signal():
    span = TextSpan(ContentPart.TURN, 2, 4, 18)
    result = EnrichedInteraction(
        interaction_id="i-1",
        language=LanguageInfo("en", 0.97, "detected", True),
        sentiment=sentiment(SentimentLabel.MIXED),
        sentences=(SentenceSentiment(span, sentiment()),),
        turns=(
            TurnSignals(0, SpeakerRole.CUSTOMER, "c1", sentiment(), intent()),
            TurnSignals(1, SpeakerRole.AGENT, "a1", sentiment(SentimentLabel.POSITIVE), None),
            TurnSignals(2, SpeakerRole.BOT, "", None, None),
        ),
        roles=(RoleSentiment(SpeakerRole.CUSTOMER, 1, sentiment()),),
        trend=SentimentTrend(sentiment(), sentiment(SentimentLabel.POSITIVE), 1.2),
        intent=intent(),
        topics=(topic(),),
        entities=(Entity("Visa", "ORG", span, NLP_MODEL),),
        models=(SENT_MODEL, INTENT_MODEL),
        warnings=("note",),
    )
    msg = convert.enriched_to_proto(result)
    assert msg.interaction_id == "i-1"
    assert (msg.language.code, msg.language.source, msg.language.supported) == ("en", "detected", True)
    assert msg.language.confidence == pytest.approx(0.97)
    assert msg.sentiment.label == sig_pb.SENTIMENT_LABEL_MIXED
    assert (msg.sentiment.negative, msg.sentiment.score) == (pytest.approx(0.7), pytest.approx(-0.6))
    assert msg.sentences[0].span == sig_pb.TextSpan(part=sig_pb.CONTENT_PART_TURN, index=2, start=4, end=18)
    assert [t.role for t in msg.turns] == [
        ix_pb.SPEAKER_ROLE_CUSTOMER,
        ix_pb.SPEAKER_ROLE_AGENT,
        ix_pb.SPEAKER_ROLE_BOT,
    ]
    assert msg.turns[0].HasField("intent") and not msg.turns[1].HasField("intent")
    assert not msg.turns[2].HasField("sentiment")
    assert msg.turns[0].intent.top[0].label == "card_charged_twice"
    assert msg.roles[0].turn_count == 1
    assert msg.trend.shift == pytest.approx(1.2)
    assert msg.trend.closing.label == sig_pb.SENTIMENT_LABEL_POSITIVE
    assert (msg.intent.taxonomy, msg.intent.out_of_scope, msg.intent.threshold) == (
        "banking77",
        False,
        pytest.approx(0.3),
    )
    assert list(msg.topics[0].keywords) == ["charge", "refund"]
    assert msg.entities[0].span.index == 2
    assert list(msg.warnings) == ["note"]
    assert [(m.name, m.version) for m in msg.models] == [("sentiment", "v1"), ("intent.banking77", "v1")]
    refs = [
        msg.sentiment.model,
        msg.sentences[0].sentiment.model,
        msg.turns[0].sentiment.model,
        msg.turns[0].intent.model,
        msg.roles[0].sentiment.model,
        msg.trend.opening.model,
        msg.intent.model,
        msg.topics[0].model,
        msg.entities[0].model,
    ]
    assert all(r.name and r.version for r in refs)


def test_empty_signals_stay_unset():
    msg = convert.enriched_to_proto(EnrichedInteraction("x", LanguageInfo("de", 0.99, "detected", False)))
    for name in ("sentiment", "trend", "intent"):
        assert not msg.HasField(name)
    assert not msg.language.supported


def test_turn_update_to_proto():
    summary = ConversationSummary(3, sentiment(), (), None, intent(), (topic(),))
    update = TurnUpdate(TurnSignals(2, SpeakerRole.CUSTOMER, "c", sentiment(), intent()), (), (), summary, ("w",))
    msg = enrichment_convert.turn_update_to_proto(update)
    assert msg.turn.turn_index == 2
    assert msg.summary.turn_count == 3
    assert msg.summary.customer_sentiment.model.name == "sentiment"
    assert not msg.summary.HasField("trend")
    assert msg.summary.topics[0].topic_id == 4
    assert list(msg.warnings) == ["w"]


def test_catalog_to_proto():
    cat = ModelCatalog(
        models=(ModelInfo("sentiment", "v1", "sentiment", "3-class", {"id": "sentiment.v1"}),),
        taxonomies=(TaxonomyInfo("banking77", "v1", ("a", "b"), False, 0.0, False),),
        topic_models=(TopicModelInfo("customer_service", "v1", 12, True),),
    )
    msg = enrichment_convert.catalog_to_proto(cat)
    assert dict(msg.models[0].metadata) == {"id": "sentiment.v1"}
    assert list(msg.taxonomies[0].labels) == ["a", "b"]
    assert (msg.topic_models[0].topic_count, msg.topic_models[0].is_default) == (12, True)
