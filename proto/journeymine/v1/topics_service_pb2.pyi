from journeymine.v1 import interaction_pb2 as _interaction_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TrendBucket(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TREND_BUCKET_UNSPECIFIED: _ClassVar[TrendBucket]
    TREND_BUCKET_DAY: _ClassVar[TrendBucket]
    TREND_BUCKET_WEEK: _ClassVar[TrendBucket]
TREND_BUCKET_UNSPECIFIED: TrendBucket
TREND_BUCKET_DAY: TrendBucket
TREND_BUCKET_WEEK: TrendBucket

class TopicInfo(_message.Message):
    __slots__ = ("id", "label", "keywords", "size")
    ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    KEYWORDS_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    id: int
    label: str
    keywords: _containers.RepeatedScalarFieldContainer[str]
    size: int
    def __init__(self, id: _Optional[int] = ..., label: _Optional[str] = ..., keywords: _Optional[_Iterable[str]] = ..., size: _Optional[int] = ...) -> None: ...

class RetiredTopic(_message.Message):
    __slots__ = ("id", "label", "retired_in")
    ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    RETIRED_IN_FIELD_NUMBER: _ClassVar[int]
    id: int
    label: str
    retired_in: str
    def __init__(self, id: _Optional[int] = ..., label: _Optional[str] = ..., retired_in: _Optional[str] = ...) -> None: ...

class TopicAlias(_message.Message):
    __slots__ = ("id", "label", "merged_into")
    ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    MERGED_INTO_FIELD_NUMBER: _ClassVar[int]
    id: int
    label: str
    merged_into: int
    def __init__(self, id: _Optional[int] = ..., label: _Optional[str] = ..., merged_into: _Optional[int] = ...) -> None: ...

class ListTopicsRequest(_message.Message):
    __slots__ = ("model",)
    MODEL_FIELD_NUMBER: _ClassVar[int]
    model: str
    def __init__(self, model: _Optional[str] = ...) -> None: ...

class ListTopicsResponse(_message.Message):
    __slots__ = ("model", "version", "topics", "retired", "aliases", "threshold")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    TOPICS_FIELD_NUMBER: _ClassVar[int]
    RETIRED_FIELD_NUMBER: _ClassVar[int]
    ALIASES_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    model: str
    version: str
    topics: _containers.RepeatedCompositeFieldContainer[TopicInfo]
    retired: _containers.RepeatedCompositeFieldContainer[RetiredTopic]
    aliases: _containers.RepeatedCompositeFieldContainer[TopicAlias]
    threshold: float
    def __init__(self, model: _Optional[str] = ..., version: _Optional[str] = ..., topics: _Optional[_Iterable[_Union[TopicInfo, _Mapping]]] = ..., retired: _Optional[_Iterable[_Union[RetiredTopic, _Mapping]]] = ..., aliases: _Optional[_Iterable[_Union[TopicAlias, _Mapping]]] = ..., threshold: _Optional[float] = ...) -> None: ...

class GetTopicTrendsRequest(_message.Message):
    __slots__ = ("model", "interactions", "bucket", "by_channel", "window_days", "baseline_days", "alpha", "min_count")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    INTERACTIONS_FIELD_NUMBER: _ClassVar[int]
    BUCKET_FIELD_NUMBER: _ClassVar[int]
    BY_CHANNEL_FIELD_NUMBER: _ClassVar[int]
    WINDOW_DAYS_FIELD_NUMBER: _ClassVar[int]
    BASELINE_DAYS_FIELD_NUMBER: _ClassVar[int]
    ALPHA_FIELD_NUMBER: _ClassVar[int]
    MIN_COUNT_FIELD_NUMBER: _ClassVar[int]
    model: str
    interactions: _containers.RepeatedCompositeFieldContainer[_interaction_pb2.Interaction]
    bucket: TrendBucket
    by_channel: bool
    window_days: int
    baseline_days: int
    alpha: float
    min_count: int
    def __init__(self, model: _Optional[str] = ..., interactions: _Optional[_Iterable[_Union[_interaction_pb2.Interaction, _Mapping]]] = ..., bucket: _Optional[_Union[TrendBucket, str]] = ..., by_channel: _Optional[bool] = ..., window_days: _Optional[int] = ..., baseline_days: _Optional[int] = ..., alpha: _Optional[float] = ..., min_count: _Optional[int] = ...) -> None: ...

class TrendPoint(_message.Message):
    __slots__ = ("period", "channel", "topic_id", "label", "count", "share", "mean_sentiment")
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    TOPIC_ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    SHARE_FIELD_NUMBER: _ClassVar[int]
    MEAN_SENTIMENT_FIELD_NUMBER: _ClassVar[int]
    period: str
    channel: str
    topic_id: int
    label: str
    count: int
    share: float
    mean_sentiment: float
    def __init__(self, period: _Optional[str] = ..., channel: _Optional[str] = ..., topic_id: _Optional[int] = ..., label: _Optional[str] = ..., count: _Optional[int] = ..., share: _Optional[float] = ..., mean_sentiment: _Optional[float] = ...) -> None: ...

class TopicRoleSentiment(_message.Message):
    __slots__ = ("role", "count", "mean_score")
    ROLE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    MEAN_SCORE_FIELD_NUMBER: _ClassVar[int]
    role: str
    count: int
    mean_score: float
    def __init__(self, role: _Optional[str] = ..., count: _Optional[int] = ..., mean_score: _Optional[float] = ...) -> None: ...

class TopicSentiment(_message.Message):
    __slots__ = ("topic_id", "label", "count", "mean_score", "negative_share", "by_role")
    TOPIC_ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    MEAN_SCORE_FIELD_NUMBER: _ClassVar[int]
    NEGATIVE_SHARE_FIELD_NUMBER: _ClassVar[int]
    BY_ROLE_FIELD_NUMBER: _ClassVar[int]
    topic_id: int
    label: str
    count: int
    mean_score: float
    negative_share: float
    by_role: _containers.RepeatedCompositeFieldContainer[TopicRoleSentiment]
    def __init__(self, topic_id: _Optional[int] = ..., label: _Optional[str] = ..., count: _Optional[int] = ..., mean_score: _Optional[float] = ..., negative_share: _Optional[float] = ..., by_role: _Optional[_Iterable[_Union[TopicRoleSentiment, _Mapping]]] = ...) -> None: ...

class EmergingTopic(_message.Message):
    __slots__ = ("topic_id", "label", "window_count", "window_share", "baseline_count", "baseline_share", "growth", "z", "p_value", "samples")
    TOPIC_ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    WINDOW_COUNT_FIELD_NUMBER: _ClassVar[int]
    WINDOW_SHARE_FIELD_NUMBER: _ClassVar[int]
    BASELINE_COUNT_FIELD_NUMBER: _ClassVar[int]
    BASELINE_SHARE_FIELD_NUMBER: _ClassVar[int]
    GROWTH_FIELD_NUMBER: _ClassVar[int]
    Z_FIELD_NUMBER: _ClassVar[int]
    P_VALUE_FIELD_NUMBER: _ClassVar[int]
    SAMPLES_FIELD_NUMBER: _ClassVar[int]
    topic_id: int
    label: str
    window_count: int
    window_share: float
    baseline_count: int
    baseline_share: float
    growth: float
    z: float
    p_value: float
    samples: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, topic_id: _Optional[int] = ..., label: _Optional[str] = ..., window_count: _Optional[int] = ..., window_share: _Optional[float] = ..., baseline_count: _Optional[int] = ..., baseline_share: _Optional[float] = ..., growth: _Optional[float] = ..., z: _Optional[float] = ..., p_value: _Optional[float] = ..., samples: _Optional[_Iterable[str]] = ...) -> None: ...

class GetTopicTrendsResponse(_message.Message):
    __slots__ = ("model", "version", "interactions", "trends", "topic_sentiment", "emerging")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    INTERACTIONS_FIELD_NUMBER: _ClassVar[int]
    TRENDS_FIELD_NUMBER: _ClassVar[int]
    TOPIC_SENTIMENT_FIELD_NUMBER: _ClassVar[int]
    EMERGING_FIELD_NUMBER: _ClassVar[int]
    model: str
    version: str
    interactions: int
    trends: _containers.RepeatedCompositeFieldContainer[TrendPoint]
    topic_sentiment: _containers.RepeatedCompositeFieldContainer[TopicSentiment]
    emerging: _containers.RepeatedCompositeFieldContainer[EmergingTopic]
    def __init__(self, model: _Optional[str] = ..., version: _Optional[str] = ..., interactions: _Optional[int] = ..., trends: _Optional[_Iterable[_Union[TrendPoint, _Mapping]]] = ..., topic_sentiment: _Optional[_Iterable[_Union[TopicSentiment, _Mapping]]] = ..., emerging: _Optional[_Iterable[_Union[EmergingTopic, _Mapping]]] = ...) -> None: ...

class RenameTopicRequest(_message.Message):
    __slots__ = ("model", "topic_id", "label")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    TOPIC_ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    model: str
    topic_id: int
    label: str
    def __init__(self, model: _Optional[str] = ..., topic_id: _Optional[int] = ..., label: _Optional[str] = ...) -> None: ...

class MergeTopicsRequest(_message.Message):
    __slots__ = ("model", "topic_ids", "into")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    TOPIC_IDS_FIELD_NUMBER: _ClassVar[int]
    INTO_FIELD_NUMBER: _ClassVar[int]
    model: str
    topic_ids: _containers.RepeatedScalarFieldContainer[int]
    into: int
    def __init__(self, model: _Optional[str] = ..., topic_ids: _Optional[_Iterable[int]] = ..., into: _Optional[int] = ...) -> None: ...

class TopicEditResponse(_message.Message):
    __slots__ = ("model", "version", "topics")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    TOPICS_FIELD_NUMBER: _ClassVar[int]
    model: str
    version: str
    topics: _containers.RepeatedCompositeFieldContainer[TopicInfo]
    def __init__(self, model: _Optional[str] = ..., version: _Optional[str] = ..., topics: _Optional[_Iterable[_Union[TopicInfo, _Mapping]]] = ...) -> None: ...
