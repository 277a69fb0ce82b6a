import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from journeymine.v1 import enrichment_service_pb2 as _enrichment_service_pb2
from journeymine.v1 import interaction_pb2 as _interaction_pb2
from journeymine.v1 import signals_pb2 as _signals_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Outcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OUTCOME_UNSPECIFIED: _ClassVar[Outcome]
    OUTCOME_RESOLVED: _ClassVar[Outcome]
    OUTCOME_UNRESOLVED: _ClassVar[Outcome]
    OUTCOME_TRANSFERRED: _ClassVar[Outcome]
    OUTCOME_ABANDONED: _ClassVar[Outcome]
    OUTCOME_CALLBACK: _ClassVar[Outcome]
    OUTCOME_PURCHASE: _ClassVar[Outcome]
    OUTCOME_CANCELLATION: _ClassVar[Outcome]
    OUTCOME_ESCALATED: _ClassVar[Outcome]

class RecordStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RECORD_STATUS_UNSPECIFIED: _ClassVar[RecordStatus]
    RECORD_STATUS_STORED: _ClassVar[RecordStatus]
    RECORD_STATUS_DUPLICATE: _ClassVar[RecordStatus]

class AlertRule(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ALERT_RULE_UNSPECIFIED: _ClassVar[AlertRule]
    ALERT_RULE_SCORE_DROP: _ClassVar[AlertRule]
    ALERT_RULE_CHURN_RISK_INTENT: _ClassVar[AlertRule]
    ALERT_RULE_SENTIMENT_SHIFT: _ClassVar[AlertRule]
    ALERT_RULE_REPEAT_UNRESOLVED: _ClassVar[AlertRule]
    ALERT_RULE_EMERGING_TOPIC: _ClassVar[AlertRule]
OUTCOME_UNSPECIFIED: Outcome
OUTCOME_RESOLVED: Outcome
OUTCOME_UNRESOLVED: Outcome
OUTCOME_TRANSFERRED: Outcome
OUTCOME_ABANDONED: Outcome
OUTCOME_CALLBACK: Outcome
OUTCOME_PURCHASE: Outcome
OUTCOME_CANCELLATION: Outcome
OUTCOME_ESCALATED: Outcome
RECORD_STATUS_UNSPECIFIED: RecordStatus
RECORD_STATUS_STORED: RecordStatus
RECORD_STATUS_DUPLICATE: RecordStatus
ALERT_RULE_UNSPECIFIED: AlertRule
ALERT_RULE_SCORE_DROP: AlertRule
ALERT_RULE_CHURN_RISK_INTENT: AlertRule
ALERT_RULE_SENTIMENT_SHIFT: AlertRule
ALERT_RULE_REPEAT_UNRESOLVED: AlertRule
ALERT_RULE_EMERGING_TOPIC: AlertRule

class TouchpointAttributes(_message.Message):
    __slots__ = ("ivr_path", "page", "hold_seconds", "handle_seconds", "rating", "rating_min", "rating_max", "extra")
    class ExtraEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    IVR_PATH_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    HOLD_SECONDS_FIELD_NUMBER: _ClassVar[int]
    HANDLE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    RATING_MIN_FIELD_NUMBER: _ClassVar[int]
    RATING_MAX_FIELD_NUMBER: _ClassVar[int]
    EXTRA_FIELD_NUMBER: _ClassVar[int]
    ivr_path: _containers.RepeatedScalarFieldContainer[str]
    page: str
    hold_seconds: float
    handle_seconds: float
    rating: float
    rating_min: float
    rating_max: float
    extra: _containers.ScalarMap[str, str]
    def __init__(self, ivr_path: _Optional[_Iterable[str]] = ..., page: _Optional[str] = ..., hold_seconds: _Optional[float] = ..., handle_seconds: _Optional[float] = ..., rating: _Optional[float] = ..., rating_min: _Optional[float] = ..., rating_max: _Optional[float] = ..., extra: _Optional[_Mapping[str, str]] = ...) -> None: ...

class Touchpoint(_message.Message):
    __slots__ = ("id", "customer_id", "journey_id", "channel", "occurred_at", "stage", "outcome", "attributes", "interaction", "signals")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    JOURNEY_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    INTERACTION_FIELD_NUMBER: _ClassVar[int]
    SIGNALS_FIELD_NUMBER: _ClassVar[int]
    id: str
    customer_id: str
    journey_id: str
    channel: _interaction_pb2.Channel
    occurred_at: _timestamp_pb2.Timestamp
    stage: str
    outcome: Outcome
    attributes: TouchpointAttributes
    interaction: _interaction_pb2.Interaction
    signals: _enrichment_service_pb2.EnrichedInteraction
    def __init__(self, id: _Optional[str] = ..., customer_id: _Optional[str] = ..., journey_id: _Optional[str] = ..., channel: _Optional[_Union[_interaction_pb2.Channel, str]] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., stage: _Optional[str] = ..., outcome: _Optional[_Union[Outcome, str]] = ..., attributes: _Optional[_Union[TouchpointAttributes, _Mapping]] = ..., interaction: _Optional[_Union[_interaction_pb2.Interaction, _Mapping]] = ..., signals: _Optional[_Union[_enrichment_service_pb2.EnrichedInteraction, _Mapping]] = ...) -> None: ...

class RecordTouchpointsRequest(_message.Message):
    __slots__ = ("touchpoints", "options")
    TOUCHPOINTS_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    touchpoints: _containers.RepeatedCompositeFieldContainer[Touchpoint]
    options: _enrichment_service_pb2.EnrichOptions
    def __init__(self, touchpoints: _Optional[_Iterable[_Union[Touchpoint, _Mapping]]] = ..., options: _Optional[_Union[_enrichment_service_pb2.EnrichOptions, _Mapping]] = ...) -> None: ...

class Redaction(_message.Message):
    __slots__ = ("kind", "placeholder", "span")
    KIND_FIELD_NUMBER: _ClassVar[int]
    PLACEHOLDER_FIELD_NUMBER: _ClassVar[int]
    SPAN_FIELD_NUMBER: _ClassVar[int]
    kind: str
    placeholder: str
    span: _signals_pb2.TextSpan
    def __init__(self, kind: _Optional[str] = ..., placeholder: _Optional[str] = ..., span: _Optional[_Union[_signals_pb2.TextSpan, _Mapping]] = ...) -> None: ...

class TouchpointSignals(_message.Message):
    __slots__ = ("sentiment", "sentiment_label", "sentiment_shift", "sentiment_low", "customer_turns", "intent", "intent_taxonomy", "intent_confidence", "topics", "rating", "models", "corrections", "agent_turns", "agent_failures", "satisfaction", "intent_category", "customer_intents")
    SENTIMENT_FIELD_NUMBER: _ClassVar[int]
    SENTIMENT_LABEL_FIELD_NUMBER: _ClassVar[int]
    SENTIMENT_SHIFT_FIELD_NUMBER: _ClassVar[int]
    SENTIMENT_LOW_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_TURNS_FIELD_NUMBER: _ClassVar[int]
    INTENT_FIELD_NUMBER: _ClassVar[int]
    INTENT_TAXONOMY_FIELD_NUMBER: _ClassVar[int]
    INTENT_CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    TOPICS_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    MODELS_FIELD_NUMBER: _ClassVar[int]
    CORRECTIONS_FIELD_NUMBER: _ClassVar[int]
    AGENT_TURNS_FIELD_NUMBER: _ClassVar[int]
    AGENT_FAILURES_FIELD_NUMBER: _ClassVar[int]
    SATISFACTION_FIELD_NUMBER: _ClassVar[int]
    INTENT_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_INTENTS_FIELD_NUMBER: _ClassVar[int]
    sentiment: float
    sentiment_label: _signals_pb2.SentimentLabel
    sentiment_shift: float
    sentiment_low: float
    customer_turns: int
    intent: str
    intent_taxonomy: str
    intent_confidence: float
    topics: _containers.RepeatedScalarFieldContainer[str]
    rating: float
    models: _containers.RepeatedScalarFieldContainer[str]
    corrections: int
    agent_turns: int
    agent_failures: int
    satisfaction: float
    intent_category: str
    customer_intents: _containers.RepeatedCompositeFieldContainer[CustomerIntent]
    def __init__(self, sentiment: _Optional[float] = ..., sentiment_label: _Optional[_Union[_signals_pb2.SentimentLabel, str]] = ..., sentiment_shift: _Optional[float] = ..., sentiment_low: _Optional[float] = ..., customer_turns: _Optional[int] = ..., intent: _Optional[str] = ..., intent_taxonomy: _Optional[str] = ..., intent_confidence: _Optional[float] = ..., topics: _Optional[_Iterable[str]] = ..., rating: _Optional[float] = ..., models: _Optional[_Iterable[str]] = ..., corrections: _Optional[int] = ..., agent_turns: _Optional[int] = ..., agent_failures: _Optional[int] = ..., satisfaction: _Optional[float] = ..., intent_category: _Optional[str] = ..., customer_intents: _Optional[_Iterable[_Union[CustomerIntent, _Mapping]]] = ...) -> None: ...

class CustomerIntent(_message.Message):
    __slots__ = ("part", "index", "sentence", "label", "category", "confidence")
    PART_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    SENTENCE_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    part: _signals_pb2.ContentPart
    index: int
    sentence: int
    label: str
    category: str
    confidence: float
    def __init__(self, part: _Optional[_Union[_signals_pb2.ContentPart, str]] = ..., index: _Optional[int] = ..., sentence: _Optional[int] = ..., label: _Optional[str] = ..., category: _Optional[str] = ..., confidence: _Optional[float] = ...) -> None: ...

class RecordResult(_message.Message):
    __slots__ = ("touchpoint_id", "status", "redactions", "signals", "warnings")
    TOUCHPOINT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REDACTIONS_FIELD_NUMBER: _ClassVar[int]
    SIGNALS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    touchpoint_id: str
    status: RecordStatus
    redactions: _containers.RepeatedCompositeFieldContainer[Redaction]
    signals: TouchpointSignals
    warnings: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, touchpoint_id: _Optional[str] = ..., status: _Optional[_Union[RecordStatus, str]] = ..., redactions: _Optional[_Iterable[_Union[Redaction, _Mapping]]] = ..., signals: _Optional[_Union[TouchpointSignals, _Mapping]] = ..., warnings: _Optional[_Iterable[str]] = ...) -> None: ...

class RecordTouchpointsResponse(_message.Message):
    __slots__ = ("results", "stored", "duplicates", "alerts")
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    STORED_FIELD_NUMBER: _ClassVar[int]
    DUPLICATES_FIELD_NUMBER: _ClassVar[int]
    ALERTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[RecordResult]
    stored: int
    duplicates: int
    alerts: _containers.RepeatedCompositeFieldContainer[Alert]
    def __init__(self, results: _Optional[_Iterable[_Union[RecordResult, _Mapping]]] = ..., stored: _Optional[int] = ..., duplicates: _Optional[int] = ..., alerts: _Optional[_Iterable[_Union[Alert, _Mapping]]] = ...) -> None: ...

class GetJourneyRequest(_message.Message):
    __slots__ = ("customer_id", "journey_id", "start", "end")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    JOURNEY_ID_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    journey_id: str
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    def __init__(self, customer_id: _Optional[str] = ..., journey_id: _Optional[str] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RedactedPart(_message.Message):
    __slots__ = ("part", "index", "role", "text")
    PART_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    part: _signals_pb2.ContentPart
    index: int
    role: _interaction_pb2.SpeakerRole
    text: str
    def __init__(self, part: _Optional[_Union[_signals_pb2.ContentPart, str]] = ..., index: _Optional[int] = ..., role: _Optional[_Union[_interaction_pb2.SpeakerRole, str]] = ..., text: _Optional[str] = ...) -> None: ...

class StoredTouchpoint(_message.Message):
    __slots__ = ("id", "customer_id", "journey_id", "channel", "occurred_at", "recorded_at", "stage", "outcome", "attributes", "signals", "parts", "redactions")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    JOURNEY_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    SIGNALS_FIELD_NUMBER: _ClassVar[int]
    PARTS_FIELD_NUMBER: _ClassVar[int]
    REDACTIONS_FIELD_NUMBER: _ClassVar[int]
    id: str
    customer_id: str
    journey_id: str
    channel: _interaction_pb2.Channel
    occurred_at: _timestamp_pb2.Timestamp
    recorded_at: _timestamp_pb2.Timestamp
    stage: str
    outcome: Outcome
    attributes: TouchpointAttributes
    signals: TouchpointSignals
    parts: _containers.RepeatedCompositeFieldContainer[RedactedPart]
    redactions: _containers.RepeatedCompositeFieldContainer[Redaction]
    def __init__(self, id: _Optional[str] = ..., customer_id: _Optional[str] = ..., journey_id: _Optional[str] = ..., channel: _Optional[_Union[_interaction_pb2.Channel, str]] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recorded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., stage: _Optional[str] = ..., outcome: _Optional[_Union[Outcome, str]] = ..., attributes: _Optional[_Union[TouchpointAttributes, _Mapping]] = ..., signals: _Optional[_Union[TouchpointSignals, _Mapping]] = ..., parts: _Optional[_Iterable[_Union[RedactedPart, _Mapping]]] = ..., redactions: _Optional[_Iterable[_Union[Redaction, _Mapping]]] = ...) -> None: ...

class GetJourneyResponse(_message.Message):
    __slots__ = ("customer_id", "touchpoints")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    TOUCHPOINTS_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    touchpoints: _containers.RepeatedCompositeFieldContainer[StoredTouchpoint]
    def __init__(self, customer_id: _Optional[str] = ..., touchpoints: _Optional[_Iterable[_Union[StoredTouchpoint, _Mapping]]] = ...) -> None: ...

class GetCustomerScoreRequest(_message.Message):
    __slots__ = ("customer_id", "journey_id", "as_of")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    JOURNEY_ID_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    journey_id: str
    as_of: _timestamp_pb2.Timestamp
    def __init__(self, customer_id: _Optional[str] = ..., journey_id: _Optional[str] = ..., as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Driver(_message.Message):
    __slots__ = ("dimension", "key", "points", "evidence_count")
    DIMENSION_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_COUNT_FIELD_NUMBER: _ClassVar[int]
    dimension: str
    key: str
    points: float
    evidence_count: int
    def __init__(self, dimension: _Optional[str] = ..., key: _Optional[str] = ..., points: _Optional[float] = ..., evidence_count: _Optional[int] = ...) -> None: ...

class ScorePoint(_message.Message):
    __slots__ = ("at", "score", "low", "high")
    AT_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    LOW_FIELD_NUMBER: _ClassVar[int]
    HIGH_FIELD_NUMBER: _ClassVar[int]
    at: _timestamp_pb2.Timestamp
    score: float
    low: float
    high: float
    def __init__(self, at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., score: _Optional[float] = ..., low: _Optional[float] = ..., high: _Optional[float] = ...) -> None: ...

class GetCustomerScoreResponse(_message.Message):
    __slots__ = ("customer_id", "journey_id", "as_of", "score", "low", "high", "touchpoint_count", "evidence_count", "drivers", "trend", "half_life_days")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    JOURNEY_ID_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    LOW_FIELD_NUMBER: _ClassVar[int]
    HIGH_FIELD_NUMBER: _ClassVar[int]
    TOUCHPOINT_COUNT_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_COUNT_FIELD_NUMBER: _ClassVar[int]
    DRIVERS_FIELD_NUMBER: _ClassVar[int]
    TREND_FIELD_NUMBER: _ClassVar[int]
    HALF_LIFE_DAYS_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    journey_id: str
    as_of: _timestamp_pb2.Timestamp
    score: float
    low: float
    high: float
    touchpoint_count: int
    evidence_count: int
    drivers: _containers.RepeatedCompositeFieldContainer[Driver]
    trend: _containers.RepeatedCompositeFieldContainer[ScorePoint]
    half_life_days: float
    def __init__(self, customer_id: _Optional[str] = ..., journey_id: _Optional[str] = ..., as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., score: _Optional[float] = ..., low: _Optional[float] = ..., high: _Optional[float] = ..., touchpoint_count: _Optional[int] = ..., evidence_count: _Optional[int] = ..., drivers: _Optional[_Iterable[_Union[Driver, _Mapping]]] = ..., trend: _Optional[_Iterable[_Union[ScorePoint, _Mapping]]] = ..., half_life_days: _Optional[float] = ...) -> None: ...

class Alert(_message.Message):
    __slots__ = ("id", "rule", "customer_id", "journey_id", "raised_at", "occurred_at", "message", "touchpoint_ids", "details")
    class DetailsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    JOURNEY_ID_FIELD_NUMBER: _ClassVar[int]
    RAISED_AT_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    TOUCHPOINT_IDS_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    id: int
    rule: AlertRule
    customer_id: str
    journey_id: str
    raised_at: _timestamp_pb2.Timestamp
    occurred_at: _timestamp_pb2.Timestamp
    message: str
    touchpoint_ids: _containers.RepeatedScalarFieldContainer[str]
    details: _containers.ScalarMap[str, str]
    def __init__(self, id: _Optional[int] = ..., rule: _Optional[_Union[AlertRule, str]] = ..., customer_id: _Optional[str] = ..., journey_id: _Optional[str] = ..., raised_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., message: _Optional[str] = ..., touchpoint_ids: _Optional[_Iterable[str]] = ..., details: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ListAlertsRequest(_message.Message):
    __slots__ = ("customer_id", "rules", "after_id", "start", "end", "limit")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    RULES_FIELD_NUMBER: _ClassVar[int]
    AFTER_ID_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    rules: _containers.RepeatedScalarFieldContainer[AlertRule]
    after_id: int
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    limit: int
    def __init__(self, customer_id: _Optional[str] = ..., rules: _Optional[_Iterable[_Union[AlertRule, str]]] = ..., after_id: _Optional[int] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., limit: _Optional[int] = ...) -> None: ...

class ListAlertsResponse(_message.Message):
    __slots__ = ("alerts",)
    ALERTS_FIELD_NUMBER: _ClassVar[int]
    alerts: _containers.RepeatedCompositeFieldContainer[Alert]
    def __init__(self, alerts: _Optional[_Iterable[_Union[Alert, _Mapping]]] = ...) -> None: ...

class WatchAlertsRequest(_message.Message):
    __slots__ = ("customer_id", "rules", "after_id")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    RULES_FIELD_NUMBER: _ClassVar[int]
    AFTER_ID_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    rules: _containers.RepeatedScalarFieldContainer[AlertRule]
    after_id: int
    def __init__(self, customer_id: _Optional[str] = ..., rules: _Optional[_Iterable[_Union[AlertRule, str]]] = ..., after_id: _Optional[int] = ...) -> None: ...

class AnalyzeFrictionRequest(_message.Message):
    __slots__ = ("start", "end", "top")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    TOP_FIELD_NUMBER: _ClassVar[int]
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    top: int
    def __init__(self, start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., top: _Optional[int] = ...) -> None: ...

class FrictionFactor(_message.Message):
    __slots__ = ("dimension", "key", "effect", "customers", "touchpoints", "event_rate", "baseline_rate", "mean_score_change", "impact", "p_value", "significant")
    DIMENSION_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    EFFECT_FIELD_NUMBER: _ClassVar[int]
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    TOUCHPOINTS_FIELD_NUMBER: _ClassVar[int]
    EVENT_RATE_FIELD_NUMBER: _ClassVar[int]
    BASELINE_RATE_FIELD_NUMBER: _ClassVar[int]
    MEAN_SCORE_CHANGE_FIELD_NUMBER: _ClassVar[int]
    IMPACT_FIELD_NUMBER: _ClassVar[int]
    P_VALUE_FIELD_NUMBER: _ClassVar[int]
    SIGNIFICANT_FIELD_NUMBER: _ClassVar[int]
    dimension: str
    key: str
    effect: str
    customers: int
    touchpoints: int
    event_rate: float
    baseline_rate: float
    mean_score_change: float
    impact: float
    p_value: float
    significant: bool
    def __init__(self, dimension: _Optional[str] = ..., key: _Optional[str] = ..., effect: _Optional[str] = ..., customers: _Optional[int] = ..., touchpoints: _Optional[int] = ..., event_rate: _Optional[float] = ..., baseline_rate: _Optional[float] = ..., mean_score_change: _Optional[float] = ..., impact: _Optional[float] = ..., p_value: _Optional[float] = ..., significant: _Optional[bool] = ...) -> None: ...

class AnalyzeFrictionResponse(_message.Message):
    __slots__ = ("customers", "touchpoints", "events", "factors", "tests")
    class EventsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    TOUCHPOINTS_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    FACTORS_FIELD_NUMBER: _ClassVar[int]
    TESTS_FIELD_NUMBER: _ClassVar[int]
    customers: int
    touchpoints: int
    events: _containers.ScalarMap[str, int]
    factors: _containers.RepeatedCompositeFieldContainer[FrictionFactor]
    tests: int
    def __init__(self, customers: _Optional[int] = ..., touchpoints: _Optional[int] = ..., events: _Optional[_Mapping[str, int]] = ..., factors: _Optional[_Iterable[_Union[FrictionFactor, _Mapping]]] = ..., tests: _Optional[int] = ...) -> None: ...
