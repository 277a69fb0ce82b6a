"""Validation of TopicsService requests against ``LimitsConfig``; paths name what to fix.

Like ``service.rpc.enrichment.validation``, descriptions name bad numbers and names, never the caller's text.
"""

from __future__ import annotations

from journeymine.v1 import topics_service_pb2 as tp_pb
from service.config import LimitsConfig
from service.rpc.fields import Violations, check_decoded, validate_short
from service.rpc.handlers import UndecodableRequest
from service.rpc.messages import validate_interaction

MAX_DAYS = 3660


def validate_list_topics(
    request: tp_pb.ListTopicsRequest | UndecodableRequest, limits: LimitsConfig
) -> tp_pb.ListTopicsRequest:
    """The request, checked."""
    request = check_decoded(request)
    v = Violations()
    validate_short(v, "model", request.model, limits)
    v.raise_if_any()
    return request


def validate_trends(
    request: tp_pb.GetTopicTrendsRequest | UndecodableRequest, limits: LimitsConfig
) -> tp_pb.GetTopicTrendsRequest:
    """The request, checked: model name, interactions (each with occurred_at), bucket and test settings."""
    request = check_decoded(request)
    v = Violations()
    validate_short(v, "model", request.model, limits)
    n, cap = len(request.interactions), limits.max_trend_interactions
    if n == 0:
        v.add("interactions", f"is empty; send between 1 and {cap} interactions, each with occurred_at")
    elif n > cap:
        v.add("interactions", f"has {n} interactions; send at most {cap} (max_trend_interactions)")
    for i, interaction in enumerate(request.interactions):
        validate_interaction(v, f"interactions[{i}]", interaction, limits)
        if not interaction.HasField("occurred_at"):
            v.add(f"interactions[{i}].occurred_at", "is not set; topic trends place every interaction in time")
    if request.bucket not in tp_pb.TrendBucket.values():
        names = ", ".join(tp_pb.TrendBucket.keys())
        v.add("bucket", f"unknown value {request.bucket}; valid values are: {names}")
    for name in ("window_days", "baseline_days", "min_count"):
        value = getattr(request, name)
        if not 0 <= value <= MAX_DAYS:
            v.add(name, f"is {value}; use 0 (the default) or a whole number up to {MAX_DAYS}")
    if not 0.0 <= request.alpha < 1.0:
        v.add("alpha", f"is {request.alpha}; use 0 (the default, 0.01) or a significance level in (0, 1)")
    v.raise_if_any()
    return request


def validate_rename(
    request: tp_pb.RenameTopicRequest | UndecodableRequest, limits: LimitsConfig
) -> tp_pb.RenameTopicRequest:
    """The request, checked (the model and topic are checked against the model by the core)."""
    request = check_decoded(request)
    v = Violations()
    validate_short(v, "model", request.model, limits)
    if not request.label.strip():
        v.add("label", "is empty; give the topic a readable label")
    validate_short(v, "label", request.label, limits)
    v.raise_if_any()
    return request


def validate_merge(
    request: tp_pb.MergeTopicsRequest | UndecodableRequest, limits: LimitsConfig
) -> tp_pb.MergeTopicsRequest:
    """The request, checked."""
    request = check_decoded(request)
    v = Violations()
    validate_short(v, "model", request.model, limits)
    if not request.topic_ids:
        v.add("topic_ids", "is empty; name the topics to fold into `into`")
    v.raise_if_any()
    return request
