"""Proto <-> domain conversion shared by the services: enums, Interaction, EnrichOptions and the signals.

With each service's own ``service/rpc/<service>/convert.py``, the only place both kinds of type meet.
Requests are converted only after their service's validation accepted them, so the
functions here assume valid input (an unknown enum number raises ``KeyError``).
Enums map through explicit tables, never by number or by name arithmetic.
"""

from __future__ import annotations

from datetime import UTC

from journeymine.v1 import enrichment_service_pb2 as svc_pb
from journeymine.v1 import interaction_pb2 as ix_pb
from journeymine.v1 import signals_pb2 as sig_pb
from pipelines.enrichment.domain import (
    DEFAULT_SIGNALS,
    AspectSentiment,
    AspectSummary,
    Channel,
    Content,
    ContentPart,
    ConversationMetrics,
    Email,
    EnrichedInteraction,
    EnrichOptions,
    Entity,
    Intent,
    Interaction,
    LanguageInfo,
    ModelRef,
    PlainText,
    RatingScale,
    RoleSentiment,
    Satisfaction,
    SatisfactionLabel,
    SentenceSentiment,
    Sentiment,
    SentimentLabel,
    SentimentTrend,
    SignalKind,
    SocialPost,
    SpeakerRole,
    Survey,
    SurveyResponse,
    TextSpan,
    TopicAssignment,
    Transcript,
    Turn,
    TurnSignals,
)

# Defaults the contract documents for zero values of EnrichOptions.
DEFAULT_INTENT_TOP_K = 3
DEFAULT_TOPICS_TOP_K = 1

# --- enum tables --------------------------------------------------------------------------------

CHANNEL_FROM_PROTO: dict[int, Channel] = {
    ix_pb.CHANNEL_UNSPECIFIED: Channel.UNSPECIFIED,
    ix_pb.CHANNEL_CALL: Channel.CALL,
    ix_pb.CHANNEL_CHAT: Channel.CHAT,
    ix_pb.CHANNEL_EMAIL: Channel.EMAIL,
    ix_pb.CHANNEL_SURVEY: Channel.SURVEY,
    ix_pb.CHANNEL_SOCIAL: Channel.SOCIAL,
    ix_pb.CHANNEL_IVR: Channel.IVR,
    ix_pb.CHANNEL_WEB: Channel.WEB,
    ix_pb.CHANNEL_OTHER: Channel.OTHER,
}
CHANNEL_TO_PROTO: dict[Channel, int] = {v: k for k, v in CHANNEL_FROM_PROTO.items()}

ROLE_FROM_PROTO: dict[int, SpeakerRole] = {
    ix_pb.SPEAKER_ROLE_UNSPECIFIED: SpeakerRole.UNSPECIFIED,
    ix_pb.SPEAKER_ROLE_CUSTOMER: SpeakerRole.CUSTOMER,
    ix_pb.SPEAKER_ROLE_AGENT: SpeakerRole.AGENT,
    ix_pb.SPEAKER_ROLE_BOT: SpeakerRole.BOT,
    ix_pb.SPEAKER_ROLE_IVR: SpeakerRole.IVR,
}
ROLE_TO_PROTO: dict[SpeakerRole, int] = {v: k for k, v in ROLE_FROM_PROTO.items()}

SIGNAL_FROM_PROTO: dict[int, SignalKind] = {
    sig_pb.SIGNAL_SENTIMENT: SignalKind.SENTIMENT,
    sig_pb.SIGNAL_INTENT: SignalKind.INTENT,
    sig_pb.SIGNAL_TOPICS: SignalKind.TOPICS,
    sig_pb.SIGNAL_ENTITIES: SignalKind.ENTITIES,
    sig_pb.SIGNAL_ASPECTS: SignalKind.ASPECTS,
}
SIGNAL_TO_PROTO: dict[SignalKind, int] = {v: k for k, v in SIGNAL_FROM_PROTO.items()}

CONTENT_PART_TO_PROTO: dict[ContentPart, int] = {
    ContentPart.TEXT: sig_pb.CONTENT_PART_TEXT,
    ContentPart.TURN: sig_pb.CONTENT_PART_TURN,
    ContentPart.EMAIL_SUBJECT: sig_pb.CONTENT_PART_EMAIL_SUBJECT,
    ContentPart.EMAIL_BODY: sig_pb.CONTENT_PART_EMAIL_BODY,
    ContentPart.SURVEY_ANSWER: sig_pb.CONTENT_PART_SURVEY_ANSWER,
    ContentPart.SOCIAL_TEXT: sig_pb.CONTENT_PART_SOCIAL_TEXT,
}
CONTENT_PART_FROM_PROTO: dict[int, ContentPart] = {v: k for k, v in CONTENT_PART_TO_PROTO.items()}

SENTIMENT_LABEL_TO_PROTO: dict[SentimentLabel, int] = {
    SentimentLabel.NEGATIVE: sig_pb.SENTIMENT_LABEL_NEGATIVE,
    SentimentLabel.NEUTRAL: sig_pb.SENTIMENT_LABEL_NEUTRAL,
    SentimentLabel.POSITIVE: sig_pb.SENTIMENT_LABEL_POSITIVE,
    SentimentLabel.MIXED: sig_pb.SENTIMENT_LABEL_MIXED,
}
SENTIMENT_LABEL_FROM_PROTO: dict[int, SentimentLabel] = {v: k for k, v in SENTIMENT_LABEL_TO_PROTO.items()}
SATISFACTION_LABEL_TO_PROTO: dict[SatisfactionLabel, int] = {
    SatisfactionLabel.DISSATISFIED: sig_pb.SATISFACTION_LABEL_DISSATISFIED,
    SatisfactionLabel.NEUTRAL: sig_pb.SATISFACTION_LABEL_NEUTRAL,
    SatisfactionLabel.SATISFIED: sig_pb.SATISFACTION_LABEL_SATISFIED,
}

ASPECT_SOURCE_TO_PROTO: dict[str, int] = {
    "noun_chunk": sig_pb.ASPECT_SOURCE_NOUN_CHUNK,
    "topic_keyword": sig_pb.ASPECT_SOURCE_TOPIC_KEYWORD,
}


# --- proto -> domain: requests ------------------------------------------------------------------


def turn_from_proto(msg: ix_pb.Turn) -> Turn:
    """A validated proto Turn as a domain Turn (unset offsets become None)."""
    return Turn(
        role=ROLE_FROM_PROTO[msg.role],
        text=msg.text,
        speaker_id=msg.speaker_id,
        start_ms=msg.start_ms if msg.HasField("start_ms") else None,
        end_ms=msg.end_ms if msg.HasField("end_ms") else None,
    )


def _survey_response_from_proto(msg: ix_pb.SurveyResponse) -> SurveyResponse:
    scale = RatingScale(msg.scale.kind, msg.scale.min, msg.scale.max) if msg.HasField("scale") else None
    return SurveyResponse(
        question=msg.question,
        answer=msg.answer,
        rating=msg.rating if msg.HasField("rating") else None,
        scale=scale,
    )


def content_from_proto(msg: ix_pb.Interaction) -> Content:
    """The set member of the ``content`` oneof as its domain type."""
    kind = msg.WhichOneof("content")
    if kind == "transcript":
        return Transcript(tuple(turn_from_proto(t) for t in msg.transcript.turns))
    if kind == "email":
        return Email(subject=msg.email.subject, body=msg.email.body)
    if kind == "survey":
        return Survey(tuple(_survey_response_from_proto(r) for r in msg.survey.responses))
    if kind == "social":
        s = msg.social
        return SocialPost(text=s.text, platform=s.platform, author_handle=s.author_handle, in_reply_to=s.in_reply_to)
    if kind == "text":
        return PlainText(msg.text)
    raise ValueError(f"interaction has no content (oneof content is {kind!r}); validate before converting")


def interaction_from_proto(msg: ix_pb.Interaction) -> Interaction:
    """A validated proto Interaction as a domain Interaction."""
    return Interaction(
        id=msg.id,
        content=content_from_proto(msg),
        customer_id=msg.customer_id,
        journey_id=msg.journey_id,
        channel=CHANNEL_FROM_PROTO[msg.channel],
        occurred_at=msg.occurred_at.ToDatetime(tzinfo=UTC) if msg.HasField("occurred_at") else None,
        language=msg.language,
        attributes=dict(msg.attributes),
    )


def options_from_proto(msg: svc_pb.EnrichOptions) -> EnrichOptions:
    """EnrichOptions with the contract's defaults for zero values."""
    signals = frozenset(SIGNAL_FROM_PROTO[s] for s in msg.signals) if msg.signals else DEFAULT_SIGNALS
    return EnrichOptions(
        signals=signals,
        intent_taxonomy=msg.intent_taxonomy or None,
        intent_top_k=msg.intent_top_k or DEFAULT_INTENT_TOP_K,
        topics_top_k=msg.topics_top_k or DEFAULT_TOPICS_TOP_K,
        topic_model=msg.topic_model or None,
        silence_threshold_ms=msg.silence_threshold_ms or None,
        pin_models=tuple(msg.pin_models),
        sentiment_model=msg.sentiment_model or None,
    )


# --- domain -> proto: signals -------------------------------------------------------------------


def model_ref_to_proto(ref: ModelRef) -> sig_pb.ModelRef:
    return sig_pb.ModelRef(name=ref.name, version=ref.version)


def span_to_proto(span: TextSpan) -> sig_pb.TextSpan:
    return sig_pb.TextSpan(part=CONTENT_PART_TO_PROTO[span.part], index=span.index, start=span.start, end=span.end)


def language_to_proto(info: LanguageInfo) -> sig_pb.LanguageInfo:
    return sig_pb.LanguageInfo(code=info.code, confidence=info.confidence, source=info.source, supported=info.supported)


def sentiment_to_proto(s: Sentiment) -> sig_pb.Sentiment:
    return sig_pb.Sentiment(
        label=SENTIMENT_LABEL_TO_PROTO[s.label],
        negative=s.negative,
        neutral=s.neutral,
        positive=s.positive,
        score=s.score,
        model=model_ref_to_proto(s.model),
    )


def satisfaction_to_proto(s: Satisfaction) -> sig_pb.Satisfaction:
    return sig_pb.Satisfaction(
        label=SATISFACTION_LABEL_TO_PROTO[s.label],
        dissatisfied=s.dissatisfied,
        neutral=s.neutral,
        satisfied=s.satisfied,
        score=s.score,
        model=model_ref_to_proto(s.model),
    )


def sentence_to_proto(s: SentenceSentiment) -> sig_pb.SentenceSentiment:
    return sig_pb.SentenceSentiment(span=span_to_proto(s.span), sentiment=sentiment_to_proto(s.sentiment))


def intent_to_proto(i: Intent) -> sig_pb.Intent:
    return sig_pb.Intent(
        taxonomy=i.taxonomy,
        label=i.label,
        out_of_scope=i.out_of_scope,
        confidence=i.confidence,
        threshold=i.threshold,
        top=[sig_pb.IntentLabel(label=t.label, probability=t.probability) for t in i.top],
        model=model_ref_to_proto(i.model),
        category=i.category,
    )


def topic_to_proto(t: TopicAssignment) -> sig_pb.TopicAssignment:
    return sig_pb.TopicAssignment(
        topic_id=t.topic_id,
        label=t.label,
        keywords=list(t.keywords),
        probability=t.probability,
        model=model_ref_to_proto(t.model),
    )


def entity_to_proto(e: Entity) -> sig_pb.Entity:
    return sig_pb.Entity(text=e.text, label=e.label, span=span_to_proto(e.span), model=model_ref_to_proto(e.model))


def turn_signals_to_proto(t: TurnSignals) -> sig_pb.TurnSignals:
    msg = sig_pb.TurnSignals(turn_index=t.turn_index, role=ROLE_TO_PROTO[t.role], speaker_id=t.speaker_id)
    if t.sentiment is not None:
        msg.sentiment.CopyFrom(sentiment_to_proto(t.sentiment))
    if t.intent is not None:
        msg.intent.CopyFrom(intent_to_proto(t.intent))
    if t.satisfaction is not None:
        msg.satisfaction.CopyFrom(satisfaction_to_proto(t.satisfaction))
    return msg


def role_sentiment_to_proto(r: RoleSentiment) -> sig_pb.RoleSentiment:
    return sig_pb.RoleSentiment(
        role=ROLE_TO_PROTO[r.role], turn_count=r.turn_count, sentiment=sentiment_to_proto(r.sentiment)
    )


def trend_to_proto(t: SentimentTrend) -> sig_pb.SentimentTrend:
    return sig_pb.SentimentTrend(
        opening=sentiment_to_proto(t.opening), closing=sentiment_to_proto(t.closing), shift=t.shift
    )


def conversation_to_proto(m: ConversationMetrics) -> sig_pb.ConversationMetrics:
    return sig_pb.ConversationMetrics(
        turn_count=m.turn_count,
        timed_turn_count=m.timed_turn_count,
        duration_ms=m.duration_ms,
        roles=[
            sig_pb.RoleTalk(
                role=ROLE_TO_PROTO[r.role],
                turn_count=r.turn_count,
                timed_turn_count=r.timed_turn_count,
                word_count=r.word_count,
                talk_ms=r.talk_ms,
                talk_share=r.talk_share,
                avg_turn_ms=r.avg_turn_ms,
                avg_turn_words=r.avg_turn_words,
            )
            for r in m.roles
        ],
        silence_threshold_ms=m.silence_threshold_ms,
        silence_total_ms=m.silence_total_ms,
        longest_silence_ms=m.longest_silence_ms,
        silence_count=m.silence_count,
        overtalk_ms=m.overtalk_ms,
        overtalk_count=m.overtalk_count,
        interruptions=[
            sig_pb.InterruptionCount(by=ROLE_TO_PROTO[i.by], on=ROLE_TO_PROTO[i.on], count=i.count)
            for i in m.interruptions
        ],
        response_count=m.response_count,
        avg_response_ms=m.avg_response_ms,
        max_response_ms=m.max_response_ms,
    )


def aspect_to_proto(a: AspectSentiment) -> sig_pb.AspectSentiment:
    s = a.sentiment
    return sig_pb.AspectSentiment(
        text=a.text,
        aspect=a.aspect,
        source=ASPECT_SOURCE_TO_PROTO[a.source],
        span=span_to_proto(a.span),
        sentence=span_to_proto(a.sentence),
        role=ROLE_TO_PROTO[a.role],
        speaker_id=a.speaker_id,
        sentiment=sentiment_to_proto(s),
        confidence=max(s.negative, s.neutral, s.positive),
    )


def aspect_summary_to_proto(a: AspectSummary) -> sig_pb.AspectSummary:
    return sig_pb.AspectSummary(
        aspect=a.aspect,
        role=ROLE_TO_PROTO[a.role],
        mentions=a.mentions,
        negative=a.negative,
        neutral=a.neutral,
        positive=a.positive,
        score=a.score,
    )


# --- domain -> proto: responses -----------------------------------------------------------------


def enriched_to_proto(r: EnrichedInteraction) -> svc_pb.EnrichedInteraction:
    """One enrichment result; signals the core left empty stay unset."""
    msg = svc_pb.EnrichedInteraction(
        interaction_id=r.interaction_id,
        language=language_to_proto(r.language),
        sentences=[sentence_to_proto(s) for s in r.sentences],
        turns=[turn_signals_to_proto(t) for t in r.turns],
        roles=[role_sentiment_to_proto(x) for x in r.roles],
        topics=[topic_to_proto(t) for t in r.topics],
        entities=[entity_to_proto(e) for e in r.entities],
        models=[model_ref_to_proto(m) for m in r.models],
        warnings=list(r.warnings),
        aspects=[aspect_to_proto(a) for a in r.aspects],
        aspect_summary=[aspect_summary_to_proto(a) for a in r.aspect_summary],
    )
    if r.conversation is not None:
        msg.conversation.CopyFrom(conversation_to_proto(r.conversation))
    if r.sentiment is not None:
        msg.sentiment.CopyFrom(sentiment_to_proto(r.sentiment))
    if r.trend is not None:
        msg.trend.CopyFrom(trend_to_proto(r.trend))
    if r.intent is not None:
        msg.intent.CopyFrom(intent_to_proto(r.intent))
    if r.satisfaction is not None:
        msg.satisfaction.CopyFrom(satisfaction_to_proto(r.satisfaction))
    return msg


# --- domain -> proto: requests (for clients, the CLI and round-trip tests) ----------------------


def turn_to_proto(t: Turn) -> ix_pb.Turn:
    msg = ix_pb.Turn(role=ROLE_TO_PROTO[t.role], speaker_id=t.speaker_id, text=t.text)
    if t.start_ms is not None:
        msg.start_ms = t.start_ms
    if t.end_ms is not None:
        msg.end_ms = t.end_ms
    return msg


def _survey_response_to_proto(r: SurveyResponse) -> ix_pb.SurveyResponse:
    msg = ix_pb.SurveyResponse(question=r.question, answer=r.answer)
    if r.rating is not None:
        msg.rating = r.rating
    if r.scale is not None:
        msg.scale.CopyFrom(ix_pb.RatingScale(kind=r.scale.kind, min=r.scale.min, max=r.scale.max))
    return msg


def interaction_to_proto(i: Interaction) -> ix_pb.Interaction:
    """A domain Interaction as its proto message."""
    msg = ix_pb.Interaction(
        id=i.id,
        customer_id=i.customer_id,
        journey_id=i.journey_id,
        channel=CHANNEL_TO_PROTO[i.channel],
        language=i.language,
        attributes=dict(i.attributes),
    )
    if i.occurred_at is not None:
        msg.occurred_at.FromDatetime(i.occurred_at)
    match i.content:
        case Transcript(turns=turns):
            msg.transcript.SetInParent()  # an empty transcript still selects the oneof
            msg.transcript.turns.extend(turn_to_proto(t) for t in turns)
        case Email(subject=subject, body=body):
            msg.email.CopyFrom(ix_pb.Email(subject=subject, body=body))
        case Survey(responses=responses):
            msg.survey.SetInParent()
            msg.survey.responses.extend(_survey_response_to_proto(r) for r in responses)
        case SocialPost() as s:
            msg.social.CopyFrom(
                ix_pb.SocialPost(
                    platform=s.platform, author_handle=s.author_handle, text=s.text, in_reply_to=s.in_reply_to
                )
            )
        case PlainText(text=text):
            msg.text = text
    return msg


def options_to_proto(o: EnrichOptions) -> svc_pb.EnrichOptions:
    """Domain options as proto; all signals are sent as the empty list the contract defines."""
    signals = [] if o.signals == DEFAULT_SIGNALS else sorted(SIGNAL_TO_PROTO[s] for s in o.signals)
    return svc_pb.EnrichOptions(
        signals=signals,
        intent_taxonomy=o.intent_taxonomy or "",
        intent_top_k=o.intent_top_k,
        topics_top_k=o.topics_top_k,
        topic_model=o.topic_model or "",
        silence_threshold_ms=o.silence_threshold_ms or 0,
        pin_models=list(o.pin_models),
        sentiment_model=o.sentiment_model or "",
    )
