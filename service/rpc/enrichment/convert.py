"""Proto <-> domain conversion of the EnrichmentService's own messages: responses, stream start and updates, catalog.

The Interaction, options and signal conversions every service shares live in ``service.rpc.convert``.
"""

from __future__ import annotations

from collections.abc import Sequence

from journeymine.v1 import enrichment_service_pb2 as svc_pb
from journeymine.v1 import interaction_pb2 as ix_pb
from pipelines.enrichment.domain import (
    Channel,
    ConversationSummary,
    EnrichedInteraction,
    ModelCatalog,
    StreamStart,
    TurnUpdate,
)
from service.rpc.convert import (
    CHANNEL_FROM_PROTO,
    aspect_summary_to_proto,
    aspect_to_proto,
    conversation_to_proto,
    enriched_to_proto,
    entity_to_proto,
    intent_to_proto,
    options_from_proto,
    role_sentiment_to_proto,
    satisfaction_to_proto,
    sentence_to_proto,
    sentiment_to_proto,
    topic_to_proto,
    trend_to_proto,
    turn_signals_to_proto,
)


def stream_start_from_proto(msg: svc_pb.StreamStart) -> StreamStart:
    """The first message of a live stream as a domain StreamStart."""
    # proto3 cannot tell "unset" from UNSPECIFIED; an unset channel takes the domain's
    # default for live conversations (a call) rather than claiming to be "unspecified".
    channel = CHANNEL_FROM_PROTO[msg.channel] if msg.channel != ix_pb.CHANNEL_UNSPECIFIED else Channel.CALL
    return StreamStart(
        interaction_id=msg.interaction_id,
        customer_id=msg.customer_id,
        journey_id=msg.journey_id,
        channel=channel,
        language=msg.language,
        options=options_from_proto(msg.options),
    )


def enrich_response_to_proto(results: Sequence[EnrichedInteraction]) -> svc_pb.EnrichResponse:
    return svc_pb.EnrichResponse(results=[enriched_to_proto(r) for r in results])


def summary_to_proto(s: ConversationSummary) -> svc_pb.ConversationSummary:
    msg = svc_pb.ConversationSummary(
        turn_count=s.turn_count,
        roles=[role_sentiment_to_proto(r) for r in s.roles],
        topics=[topic_to_proto(t) for t in s.topics],
        aspect_summary=[aspect_summary_to_proto(a) for a in s.aspect_summary],
    )
    if s.conversation is not None:
        msg.conversation.CopyFrom(conversation_to_proto(s.conversation))
    if s.customer_sentiment is not None:
        msg.customer_sentiment.CopyFrom(sentiment_to_proto(s.customer_sentiment))
    if s.trend is not None:
        msg.trend.CopyFrom(trend_to_proto(s.trend))
    if s.intent is not None:
        msg.intent.CopyFrom(intent_to_proto(s.intent))
    if s.satisfaction is not None:
        msg.satisfaction.CopyFrom(satisfaction_to_proto(s.satisfaction))
    return msg


def turn_update_to_proto(u: TurnUpdate) -> svc_pb.EnrichStreamResponse:
    return svc_pb.EnrichStreamResponse(
        turn=turn_signals_to_proto(u.turn),
        sentences=[sentence_to_proto(s) for s in u.sentences],
        entities=[entity_to_proto(e) for e in u.entities],
        summary=summary_to_proto(u.summary),
        warnings=list(u.warnings),
        aspects=[aspect_to_proto(a) for a in u.aspects],
    )


def catalog_to_proto(c: ModelCatalog) -> svc_pb.GetModelsResponse:
    return svc_pb.GetModelsResponse(
        models=[
            svc_pb.ModelInfo(
                name=m.name, version=m.version, kind=m.kind, description=m.description, metadata=dict(m.metadata)
            )
            for m in c.models
        ],
        taxonomies=[
            svc_pb.TaxonomyInfo(
                name=t.name,
                version=t.version,
                labels=list(t.labels),
                supports_out_of_scope=t.supports_out_of_scope,
                threshold=t.threshold,
                is_default=t.is_default,
            )
            for t in c.taxonomies
        ],
        topic_models=[
            svc_pb.TopicModelInfo(name=t.name, version=t.version, topic_count=t.topic_count, is_default=t.is_default)
            for t in c.topic_models
        ],
    )
