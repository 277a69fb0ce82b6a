from journeymine.v1 import interaction_pb2 as _interaction_pb2
from journeymine.v1 import signals_pb2 as _signals_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EnrichOptions(_message.Message):
    __slots__ = ("signals", "intent_taxonomy", "intent_top_k", "topics_top_k", "topic_model", "silence_threshold_ms", "pin_models", "sentiment_model")
    SIGNALS_FIELD_NUMBER: _ClassVar[int]
    INTENT_TAXONOMY_FIELD_NUMBER: _ClassVar[int]
    INTENT_TOP_K_FIELD_NUMBER: _ClassVar[int]
    TOPICS_TOP_K_FIELD_NUMBER: _ClassVar[int]
    TOPIC_MODEL_FIELD_NUMBER: _ClassVar[int]
    SILENCE_THRESHOLD_MS_FIELD_NUMBER: _ClassVar[int]
    PIN_MODELS_FIELD_NUMBER: _ClassVar[int]
    SENTIMENT_MODEL_FIELD_NUMBER: _ClassVar[int]
    signals: _containers.RepeatedScalarFieldContainer[_signals_pb2.Signal]
    intent_taxonomy: str
    intent_top_k: int
    topics_top_k: int
    topic_model: str
    silence_threshold_ms: int
    pin_models: _containers.RepeatedScalarFieldContainer[str]
    sentiment_model: str
    def __init__(self, signals: _Optional[_Iterable[_Union[_signals_pb2.Signal, str]]] = ..., intent_taxonomy: _Optional[str] = ..., intent_top_k: _Optional[int] = ..., topics_top_k: _Optional[int] = ..., topic_model: _Optional[str] = ..., silence_threshold_ms: _Optional[int] = ..., pin_models: _Optional[_Iterable[str]] = ..., sentiment_model: _Optional[str] = ...) -> None: ...

class EnrichRequest(_message.Message):
    __slots__ = ("interactions", "options")
    INTERACTIONS_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    interactions: _containers.RepeatedCompositeFieldContainer[_interaction_pb2.Interaction]
    options: EnrichOptions
    def __init__(self, interactions: _Optional[_Iterable[_Union[_interaction_pb2.Interaction, _Mapping]]] = ..., options: _Optional[_Union[EnrichOptions, _Mapping]] = ...) -> None: ...

class EnrichedInteraction(_message.Message):
    __slots__ = ("interaction_id", "language", "sentiment", "sentences", "turns", "roles", "trend", "intent", "topics", "entities", "models", "warnings", "conversation", "aspects", "aspect_summary", "satisfaction")
    INTERACTION_ID_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    SENTIMENT_FIELD_NUMBER: _ClassVar[int]
    SENTENCES_FIELD_NUMBER: _ClassVar[int]
    TURNS_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    TREND_FIELD_NUMBER: _ClassVar[int]
    INTENT_FIELD_NUMBER: _ClassVar[int]
    TOPICS_FIELD_NUMBER: _ClassVar[int]
    ENTITIES_FIELD_NUMBER: _ClassVar[int]
    MODELS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    ASPECTS_FIELD_NUMBER: _ClassVar[int]
    ASPECT_SUMMARY_FIELD_NUMBER: _ClassVar[int]
    SATISFACTION_FIELD_NUMBER: _ClassVar[int]
    interaction_id: str
    language: _signals_pb2.LanguageInfo
    sentiment: _signals_pb2.Sentiment
    sentences: _containers.RepeatedCompositeFieldContainer[_signals_pb2.SentenceSentiment]
    turns: _containers.RepeatedCompositeFieldContainer[_signals_pb2.TurnSignals]
    roles: _containers.RepeatedCompositeFieldContainer[_signals_pb2.RoleSentiment]
    trend: _signals_pb2.SentimentTrend
    intent: _signals_pb2.Intent
    topics: _containers.RepeatedCompositeFieldContainer[_signals_pb2.TopicAssignment]
    entities: _containers.RepeatedCompositeFieldContainer[_signals_pb2.Entity]
    models: _containers.RepeatedCompositeFieldContainer[_signals_pb2.ModelRef]
    warnings: _containers.RepeatedScalarFieldContainer[str]
    conversation: _signals_pb2.ConversationMetrics
    aspects: _containers.RepeatedCompositeFieldContainer[_signals_pb2.AspectSentiment]
    aspect_summary: _containers.RepeatedCompositeFieldContainer[_signals_pb2.AspectSummary]
    satisfaction: _signals_pb2.Satisfaction
    def __init__(self, interaction_id: _Optional[str] = ..., language: _Optional[_Union[_signals_pb2.LanguageInfo, _Mapping]] = ..., sentiment: _Optional[_Union[_signals_pb2.Sentiment, _Mapping]] = ..., sentences: _Optional[_Iterable[_Union[_signals_pb2.SentenceSentiment, _Mapping]]] = ..., turns: _Optional[_Iterable[_Union[_signals_pb2.TurnSignals, _Mapping]]] = ..., roles: _Optional[_Iterable[_Union[_signals_pb2.RoleSentiment, _Mapping]]] = ..., trend: _Optional[_Union[_signals_pb2.SentimentTrend, _Mapping]] = ..., intent: _Optional[_Union[_signals_pb2.Intent, _Mapping]] = ..., topics: _Optional[_Iterable[_Union[_signals_pb2.TopicAssignment, _Mapping]]] = ..., entities: _Optional[_Iterable[_Union[_signals_pb2.Entity, _Mapping]]] = ..., models: _Optional[_Iterable[_Union[_signals_pb2.ModelRef, _Mapping]]] = ..., warnings: _Optional[_Iterable[str]] = ..., conversation: _Optional[_Union[_signals_pb2.ConversationMetrics, _Mapping]] = ..., aspects: _Optional[_Iterable[_Union[_signals_pb2.AspectSentiment, _Mapping]]] = ..., aspect_summary: _Optional[_Iterable[_Union[_signals_pb2.AspectSummary, _Mapping]]] = ..., satisfaction: _Optional[_Union[_signals_pb2.Satisfaction, _Mapping]] = ...) -> None: ...

class EnrichResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[EnrichedInteraction]
    def __init__(self, results: _Optional[_Iterable[_Union[EnrichedInteraction, _Mapping]]] = ...) -> None: ...

class StreamStart(_message.Message):
    __slots__ = ("interaction_id", "customer_id", "journey_id", "channel", "language", "options")
    INTERACTION_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    JOURNEY_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    interaction_id: str
    customer_id: str
    journey_id: str
    channel: _interaction_pb2.Channel
    language: str
    options: EnrichOptions
    def __init__(self, interaction_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., journey_id: _Optional[str] = ..., channel: _Optional[_Union[_interaction_pb2.Channel, str]] = ..., language: _Optional[str] = ..., options: _Optional[_Union[EnrichOptions, _Mapping]] = ...) -> None: ...

class EnrichStreamRequest(_message.Message):
    __slots__ = ("start", "turn")
    START_FIELD_NUMBER: _ClassVar[int]
    TURN_FIELD_NUMBER: _ClassVar[int]
    start: StreamStart
    turn: _interaction_pb2.Turn
    def __init__(self, start: _Optional[_Union[StreamStart, _Mapping]] = ..., turn: _Optional[_Union[_interaction_pb2.Turn, _Mapping]] = ...) -> None: ...

class ConversationSummary(_message.Message):
    __slots__ = ("turn_count", "customer_sentiment", "roles", "trend", "intent", "topics", "conversation", "aspect_summary", "satisfaction")
    TURN_COUNT_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_SENTIMENT_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    TREND_FIELD_NUMBER: _ClassVar[int]
    INTENT_FIELD_NUMBER: _ClassVar[int]
    TOPICS_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    ASPECT_SUMMARY_FIELD_NUMBER: _ClassVar[int]
    SATISFACTION_FIELD_NUMBER: _ClassVar[int]
    turn_count: int
    customer_sentiment: _signals_pb2.Sentiment
    roles: _containers.RepeatedCompositeFieldContainer[_signals_pb2.RoleSentiment]
    trend: _signals_pb2.SentimentTrend
    intent: _signals_pb2.Intent
    topics: _containers.RepeatedCompositeFieldContainer[_signals_pb2.TopicAssignment]
    conversation: _signals_pb2.ConversationMetrics
    aspect_summary: _containers.RepeatedCompositeFieldContainer[_signals_pb2.AspectSummary]
    satisfaction: _signals_pb2.Satisfaction
    def __init__(self, turn_count: _Optional[int] = ..., customer_sentiment: _Optional[_Union[_signals_pb2.Sentiment, _Mapping]] = ..., roles: _Optional[_Iterable[_Union[_signals_pb2.RoleSentiment, _Mapping]]] = ..., trend: _Optional[_Union[_signals_pb2.SentimentTrend, _Mapping]] = ..., intent: _Optional[_Union[_signals_pb2.Intent, _Mapping]] = ..., topics: _Optional[_Iterable[_Union[_signals_pb2.TopicAssignment, _Mapping]]] = ..., conversation: _Optional[_Union[_signals_pb2.ConversationMetrics, _Mapping]] = ..., aspect_summary: _Optional[_Iterable[_Union[_signals_pb2.AspectSummary, _Mapping]]] = ..., satisfaction: _Optional[_Union[_signals_pb2.Satisfaction, _Mapping]] = ...) -> None: ...

class EnrichStreamResponse(_message.Message):
    __slots__ = ("turn", "sentences", "entities", "summary", "warnings", "aspects")
    TURN_FIELD_NUMBER: _ClassVar[int]
    SENTENCES_FIELD_NUMBER: _ClassVar[int]
    ENTITIES_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    ASPECTS_FIELD_NUMBER: _ClassVar[int]
    turn: _signals_pb2.TurnSignals
    sentences: _containers.RepeatedCompositeFieldContainer[_signals_pb2.SentenceSentiment]
    entities: _containers.RepeatedCompositeFieldContainer[_signals_pb2.Entity]
    summary: ConversationSummary
    warnings: _containers.RepeatedScalarFieldContainer[str]
    aspects: _containers.RepeatedCompositeFieldContainer[_signals_pb2.AspectSentiment]
    def __init__(self, turn: _Optional[_Union[_signals_pb2.TurnSignals, _Mapping]] = ..., sentences: _Optional[_Iterable[_Union[_signals_pb2.SentenceSentiment, _Mapping]]] = ..., entities: _Optional[_Iterable[_Union[_signals_pb2.Entity, _Mapping]]] = ..., summary: _Optional[_Union[ConversationSummary, _Mapping]] = ..., warnings: _Optional[_Iterable[str]] = ..., aspects: _Optional[_Iterable[_Union[_signals_pb2.AspectSentiment, _Mapping]]] = ...) -> None: ...

class GetModelsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ModelInfo(_message.Message):
    __slots__ = ("name", "version", "kind", "description", "metadata")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: str
    kind: str
    description: str
    metadata: _containers.ScalarMap[str, str]
    def __init__(self, name: _Optional[str] = ..., version: _Optional[str] = ..., kind: _Optional[str] = ..., description: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ...) -> None: ...

class TaxonomyInfo(_message.Message):
    __slots__ = ("name", "version", "labels", "supports_out_of_scope", "threshold", "is_default")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    SUPPORTS_OUT_OF_SCOPE_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    IS_DEFAULT_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: str
    labels: _containers.RepeatedScalarFieldContainer[str]
    supports_out_of_scope: bool
    threshold: float
    is_default: bool
    def __init__(self, name: _Optional[str] = ..., version: _Optional[str] = ..., labels: _Optional[_Iterable[str]] = ..., supports_out_of_scope: _Optional[bool] = ..., threshold: _Optional[float] = ..., is_default: _Optional[bool] = ...) -> None: ...

class TopicModelInfo(_message.Message):
    __slots__ = ("name", "version", "topic_count", "is_default")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    TOPIC_COUNT_FIELD_NUMBER: _ClassVar[int]
    IS_DEFAULT_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: str
    topic_count: int
    is_default: bool
    def __init__(self, name: _Optional[str] = ..., version: _Optional[str] = ..., topic_count: _Optional[int] = ..., is_default: _Optional[bool] = ...) -> None: ...

class GetModelsResponse(_message.Message):
    __slots__ = ("models", "taxonomies", "topic_models")
    MODELS_FIELD_NUMBER: _ClassVar[int]
    TAXONOMIES_FIELD_NUMBER: _ClassVar[int]
    TOPIC_MODELS_FIELD_NUMBER: _ClassVar[int]
    models: _containers.RepeatedCompositeFieldContainer[ModelInfo]
    taxonomies: _containers.RepeatedCompositeFieldContainer[TaxonomyInfo]
    topic_models: _containers.RepeatedCompositeFieldContainer[TopicModelInfo]
    def __init__(self, models: _Optional[_Iterable[_Union[ModelInfo, _Mapping]]] = ..., taxonomies: _Optional[_Iterable[_Union[TaxonomyInfo, _Mapping]]] = ..., topic_models: _Optional[_Iterable[_Union[TopicModelInfo, _Mapping]]] = ...) -> None: ...
