"""TopicsService: each RPC is validate -> convert from proto -> call the core -> convert to proto.

``ListTopics`` and the edits go through ``pipelines.topics.admin`` (the path ``journeymine topics``
takes too); ``GetTopicTrends`` enriches the interactions sent through the shared Enricher (under
the lock the EnrichmentService holds) and rolls them up with ``pipelines.topics.trends``.
"""

from __future__ import annotations

from datetime import timedelta

import grpc

from journeymine.v1 import topics_service_pb2 as tp_pb
from journeymine.v1 import topics_service_pb2_grpc as tp_grpc
from models.topic_model import TopicModel
from pipelines.enrichment.domain import ModelRef
from pipelines.enrichment.enricher import Enricher
from pipelines.enrichment.locks import ModelLocks
from pipelines.topics import admin as topic_admin
from pipelines.topics import trends as topic_trends
from service.config import LimitsConfig
from service.rpc import handlers
from service.rpc.convert import interaction_from_proto
from service.rpc.handlers import UndecodableRequest
from service.rpc.topics.validation import validate_list_topics, validate_merge, validate_rename, validate_trends

SERVICE_NAME = tp_pb.DESCRIPTOR.services_by_name["TopicsService"].full_name
BUCKETS = {tp_pb.TREND_BUCKET_UNSPECIFIED: "day", tp_pb.TREND_BUCKET_DAY: "day", tp_pb.TREND_BUCKET_WEEK: "week"}


class TopicsServicer(tp_grpc.TopicsServiceServicer):
    """Topic models of one shared Enricher: list, trends, rename, merge."""

    def __init__(
        self, *, enricher: Enricher, limits: LimitsConfig | None = None, lock: ModelLocks | None = None
    ) -> None:
        self.enricher = enricher
        self.limits = limits or LimitsConfig()
        # Shared with the EnrichmentService: the Enricher is not thread-safe.
        self._lock = lock or ModelLocks()

    def ListTopics(
        self, request: tp_pb.ListTopicsRequest | UndecodableRequest, context: grpc.ServicerContext
    ) -> tp_pb.ListTopicsResponse:
        request = validate_list_topics(request, self.limits)
        _, model = topic_admin.topic_model(self.enricher.registry, request.model)
        return tp_pb.ListTopicsResponse(
            model=model.name,
            version=model.version,
            topics=topic_infos(model),
            retired=[
                tp_pb.RetiredTopic(id=int(r["id"]), label=str(r["label"]), retired_in=str(r["retired_in"]))
                for r in model.metadata.get("retired", [])
            ],
            aliases=[
                tp_pb.TopicAlias(id=int(a["id"]), label=str(a["label"]), merged_into=int(a["merged_into"]))
                for a in model.metadata.get("aliases", [])
            ],
            threshold=model.threshold,
        )

    def GetTopicTrends(
        self, request: tp_pb.GetTopicTrendsRequest | UndecodableRequest, context: grpc.ServicerContext
    ) -> tp_pb.GetTopicTrendsResponse:
        request = validate_trends(request, self.limits)
        interactions = [interaction_from_proto(m) for m in request.interactions]
        config = emerging_config(request)
        with self._lock:
            stage = self.enricher.topic_stage(request.model or None, field="model")
            events = topic_trends.enriched_events(self.enricher, interactions, topic_model=stage.model.id)
        return trends_to_proto(stage.model, events, BUCKETS[request.bucket], request.by_channel, config)

    def RenameTopic(
        self, request: tp_pb.RenameTopicRequest | UndecodableRequest, context: grpc.ServicerContext
    ) -> tp_pb.TopicEditResponse:
        request = validate_rename(request, self.limits)
        command = f"TopicsService.RenameTopic(model={request.model!r}, topic_id={request.topic_id})"
        _, model = topic_admin.rename(
            self.enricher.registry, request.model, request.topic_id, request.label, command=command
        )
        return tp_pb.TopicEditResponse(model=model.name, version=model.version, topics=topic_infos(model))

    def MergeTopics(
        self, request: tp_pb.MergeTopicsRequest | UndecodableRequest, context: grpc.ServicerContext
    ) -> tp_pb.TopicEditResponse:
        request = validate_merge(request, self.limits)
        ids = list(request.topic_ids)
        command = f"TopicsService.MergeTopics(model={request.model!r}, topic_ids={ids}, into={request.into})"
        _, model = topic_admin.merge(self.enricher.registry, request.model, ids, request.into, command=command)
        return tp_pb.TopicEditResponse(model=model.name, version=model.version, topics=topic_infos(model))


def emerging_config(request: tp_pb.GetTopicTrendsRequest) -> topic_trends.EmergingConfig:
    """The emerging-topic test's settings of a request; zero fields take the defaults."""
    defaults = topic_trends.EmergingConfig()
    return topic_trends.EmergingConfig(
        window=timedelta(days=request.window_days) if request.window_days else defaults.window,
        baseline=timedelta(days=request.baseline_days) if request.baseline_days else defaults.baseline,
        alpha=request.alpha or defaults.alpha,
        min_count=request.min_count or defaults.min_count,
    )


def trends_to_proto(
    model: ModelRef,
    events: list[topic_trends.TopicEvent],
    bucket: str,
    by_channel: bool,
    config: topic_trends.EmergingConfig,
) -> tp_pb.GetTopicTrendsResponse:
    """Roll ``events`` up (trends, topic sentiment, emerging topics) into the wire message."""
    return tp_pb.GetTopicTrendsResponse(
        model=model.name,
        version=model.version,
        interactions=len(events),
        trends=[
            tp_pb.TrendPoint(
                period=p.period,
                channel=p.channel,
                topic_id=p.topic_id,
                label=p.label,
                count=p.count,
                share=p.share,
                mean_sentiment=p.mean_sentiment,
            )
            for p in topic_trends.trends(events, bucket=bucket, by_channel=by_channel)
        ],
        topic_sentiment=[
            tp_pb.TopicSentiment(
                topic_id=t.topic_id,
                label=t.label,
                count=t.count,
                mean_score=t.mean_score,
                negative_share=t.negative_share,
                by_role=[
                    tp_pb.TopicRoleSentiment(role=r.role, count=r.count, mean_score=r.mean_score) for r in t.by_role
                ],
            )
            for t in topic_trends.topic_sentiment(events)
        ],
        emerging=[
            tp_pb.EmergingTopic(
                topic_id=e.topic_id,
                label=e.label,
                window_count=e.window_count,
                window_share=e.window_share,
                baseline_count=e.baseline_count,
                baseline_share=e.baseline_share,
                growth=e.growth,
                z=e.z,
                p_value=e.p_value,
                samples=list(e.samples),
            )
            for e in topic_trends.emerging(events, config)
        ],
    )


def topic_infos(model: TopicModel) -> list[tp_pb.TopicInfo]:
    """A model's topics as wire messages."""
    return [tp_pb.TopicInfo(id=t.id, label=t.label, keywords=list(t.keywords), size=t.size) for t in model.topics]


def method_handlers(servicer: TopicsServicer) -> dict[str, grpc.RpcMethodHandler]:
    """The service's methods with tolerant deserialisers (bad bytes -> INVALID_ARGUMENT, not INTERNAL)."""
    return {
        "ListTopics": handlers.unary_unary(servicer.ListTopics, tp_pb.ListTopicsRequest),
        "GetTopicTrends": handlers.unary_unary(servicer.GetTopicTrends, tp_pb.GetTopicTrendsRequest),
        "RenameTopic": handlers.unary_unary(servicer.RenameTopic, tp_pb.RenameTopicRequest),
        "MergeTopics": handlers.unary_unary(servicer.MergeTopics, tp_pb.MergeTopicsRequest),
    }
