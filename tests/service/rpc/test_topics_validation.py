"""TopicsService request validation: every bad field is named with its fix."""

from __future__ import annotations

import pytest

from journeymine.v1 import interaction_pb2 as ix_pb
from journeymine.v1 import topics_service_pb2 as tp_pb
from models.errors import InvalidInputError
from service.config import LimitsConfig
from service.rpc.handlers import UndecodableRequest
from service.rpc.topics.validation import validate_list_topics, validate_merge, validate_rename, validate_trends

LIMITS = LimitsConfig(max_trend_interactions=3, max_id_chars=16)


def fields(call) -> dict[str, str]:
    with pytest.raises(InvalidInputError) as info:
        call()
    return {v.field: v.description for v in info.value.violations}


def timed(text: str = "my card was stolen") -> ix_pb.Interaction:
    msg = ix_pb.Interaction(id="a", text=text)
    msg.occurred_at.seconds = 1_790_000_000
    return msg


def test_trends_name_every_bad_field() -> None:
    request = tp_pb.GetTopicTrendsRequest(
        model="x" * 20,
        interactions=[timed(), ix_pb.Interaction(id="b", text="no time"), timed("   ")],
        bucket=7,
        window_days=-1,
        alpha=1.5,
    )
    found = fields(lambda: validate_trends(request, LIMITS))
    assert "at most 16" in found["model"]
    assert "topic trends place every interaction in time" in found["interactions[1].occurred_at"]
    assert "interactions[2].text" in found
    assert "valid values are: TREND_BUCKET_UNSPECIFIED, TREND_BUCKET_DAY, TREND_BUCKET_WEEK" in found["bucket"]
    assert "is -1" in found["window_days"] and "is 1.5" in found["alpha"]


def test_trends_need_between_one_and_the_cap_interactions() -> None:
    assert "is empty" in fields(lambda: validate_trends(tp_pb.GetTopicTrendsRequest(), LIMITS))["interactions"]
    many = tp_pb.GetTopicTrendsRequest(interactions=[timed()] * 4)
    assert "max_trend_interactions" in fields(lambda: validate_trends(many, LIMITS))["interactions"]
    ok = tp_pb.GetTopicTrendsRequest(interactions=[timed()], bucket=tp_pb.TREND_BUCKET_WEEK)
    assert validate_trends(ok, LIMITS) is ok


def test_edits_and_listing() -> None:
    assert (
        "is empty" in fields(lambda: validate_rename(tp_pb.RenameTopicRequest(model="m", label=" "), LIMITS))["label"]
    )
    assert "is empty" in fields(lambda: validate_merge(tp_pb.MergeTopicsRequest(model="m"), LIMITS))["topic_ids"]
    bad_bytes = UndecodableRequest("ListTopicsRequest", "invalid UTF-8")
    assert "not a valid ListTopicsRequest" in fields(lambda: validate_list_topics(bad_bytes, LIMITS))["request"]
