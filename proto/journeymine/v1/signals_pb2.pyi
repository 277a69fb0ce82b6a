from journeymine.v1 import interaction_pb2 as _interaction_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Signal(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SIGNAL_UNSPECIFIED: _ClassVar[Signal]
    SIGNAL_SENTIMENT: _ClassVar[Signal]
    SIGNAL_INTENT: _ClassVar[Signal]
    SIGNAL_TOPICS: _ClassVar[Signal]
    SIGNAL_ENTITIES: _ClassVar[Signal]
    SIGNAL_ASPECTS: _ClassVar[Signal]

class ContentPart(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONTENT_PART_UNSPECIFIED: _ClassVar[ContentPart]
    CONTENT_PART_TEXT: _ClassVar[ContentPart]
    CONTENT_PART_TURN: _ClassVar[ContentPart]
    CONTENT_PART_EMAIL_SUBJECT: _ClassVar[ContentPart]
    CONTENT_PART_EMAIL_BODY: _ClassVar[ContentPart]
    CONTENT_PART_SURVEY_ANSWER: _ClassVar[ContentPart]
    CONTENT_PART_SOCIAL_TEXT: _ClassVar[ContentPart]

class SentimentLabel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SENTIMENT_LABEL_UNSPECIFIED: _ClassVar[SentimentLabel]
    SENTIMENT_LABEL_NEGATIVE: _ClassVar[SentimentLabel]
    SENTIMENT_LABEL_NEUTRAL: _ClassVar[SentimentLabel]
    SENTIMENT_LABEL_POSITIVE: _ClassVar[SentimentLabel]
    SENTIMENT_LABEL_MIXED: _ClassVar[SentimentLabel]

class SatisfactionLabel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SATISFACTION_LABEL_UNSPECIFIED: _ClassVar[SatisfactionLabel]
    SATISFACTION_LABEL_DISSATISFIED: _ClassVar[SatisfactionLabel]
    SATISFACTION_LABEL_NEUTRAL: _ClassVar[SatisfactionLabel]
    SATISFACTION_LABEL_SATISFIED: _ClassVar[SatisfactionLabel]

class AspectSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ASPECT_SOURCE_UNSPECIFIED: _ClassVar[AspectSource]
    ASPECT_SOURCE_NOUN_CHUNK: _ClassVar[AspectSource]
    ASPECT_SOURCE_TOPIC_KEYWORD: _ClassVar[AspectSource]
SIGNAL_UNSPECIFIED: Signal
SIGNAL_SENTIMENT: Signal
SIGNAL_INTENT: Signal
SIGNAL_TOPICS: Signal
SIGNAL_ENTITIES: Signal
SIGNAL_ASPECTS: Signal
CONTENT_PART_UNSPECIFIED: ContentPart
CONTENT_PART_TEXT: ContentPart
CONTENT_PART_TURN: ContentPart
CONTENT_PART_EMAIL_SUBJECT: ContentPart
CONTENT_PART_EMAIL_BODY: ContentPart
CONTENT_PART_SURVEY_ANSWER: ContentPart
CONTENT_PART_SOCIAL_TEXT: ContentPart
SENTIMENT_LABEL_UNSPECIFIED: SentimentLabel
SENTIMENT_LABEL_NEGATIVE: SentimentLabel
SENTIMENT_LABEL_NEUTRAL: SentimentLabel
SENTIMENT_LABEL_POSITIVE: SentimentLabel
SENTIMENT_LABEL_MIXED: SentimentLabel
SATISFACTION_LABEL_UNSPECIFIED: SatisfactionLabel
SATISFACTION_LABEL_DISSATISFIED: SatisfactionLabel
SATISFACTION_LABEL_NEUTRAL: SatisfactionLabel
SATISFACTION_LABEL_SATISFIED: SatisfactionLabel
ASPECT_SOURCE_UNSPECIFIED: AspectSource
ASPECT_SOURCE_NOUN_CHUNK: AspectSource
ASPECT_SOURCE_TOPIC_KEYWORD: AspectSource

class ModelRef(_message.Message):
    __slots__ = ("name", "version")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: str
    def __init__(self, name: _Optional[str] = ..., version: _Optional[str] = ...) -> None: ...

class TextSpan(_message.Message):
    __slots__ = ("part", "index", "start", "end")
    PART_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    part: ContentPart
    index: int
    start: int
    end: int
    def __init__(self, part: _Optional[_Union[ContentPart, str]] = ..., index: _Optional[int] = ..., start: _Optional[int] = ..., end: _Optional[int] = ...) -> None: ...

class Sentiment(_message.Message):
    __slots__ = ("label", "negative", "neutral", "positive", "score", "model")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    NEGATIVE_FIELD_NUMBER: _ClassVar[int]
    NEUTRAL_FIELD_NUMBER: _ClassVar[int]
    POSITIVE_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    label: SentimentLabel
    negative: float
    neutral: float
    positive: float
    score: float
    model: ModelRef
    def __init__(self, label: _Optional[_Union[SentimentLabel, str]] = ..., negative: _Optional[float] = ..., neutral: _Optional[float] = ..., positive: _Optional[float] = ..., score: _Optional[float] = ..., model: _Optional[_Union[ModelRef, _Mapping]] = ...) -> None: ...

class Satisfaction(_message.Message):
    __slots__ = ("label", "dissatisfied", "neutral", "satisfied", "score", "model")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    DISSATISFIED_FIELD_NUMBER: _ClassVar[int]
    NEUTRAL_FIELD_NUMBER: _ClassVar[int]
    SATISFIED_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    label: SatisfactionLabel
    dissatisfied: float
    neutral: float
    satisfied: float
    score: float
    model: ModelRef
    def __init__(self, label: _Optional[_Union[SatisfactionLabel, str]] = ..., dissatisfied: _Optional[float] = ..., neutral: _Optional[float] = ..., satisfied: _Optional[float] = ..., score: _Optional[float] = ..., model: _Optional[_Union[ModelRef, _Mapping]] = ...) -> None: ...

class SentenceSentiment(_message.Message):
    __slots__ = ("span", "sentiment")
    SPAN_FIELD_NUMBER: _ClassVar[int]
    SENTIMENT_FIELD_NUMBER: _ClassVar[int]
    span: TextSpan
    sentiment: Sentiment
    def __init__(self, span: _Optional[_Union[TextSpan, _Mapping]] = ..., sentiment: _Optional[_Union[Sentiment, _Mapping]] = ...) -> None: ...

class IntentLabel(_message.Message):
    __slots__ = ("label", "probability")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    label: str
    probability: float
    def __init__(self, label: _Optional[str] = ..., probability: _Optional[float] = ...) -> None: ...

class Intent(_message.Message):
    __slots__ = ("taxonomy", "label", "out_of_scope", "confidence", "threshold", "top", "model", "category")
    TAXONOMY_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    OUT_OF_SCOPE_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    TOP_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    taxonomy: str
    label: str
    out_of_scope: bool
    confidence: float
    threshold: float
    top: _containers.RepeatedCompositeFieldContainer[IntentLabel]
    model: ModelRef
    category: str
    def __init__(self, taxonomy: _Optional[str] = ..., label: _Optional[str] = ..., out_of_scope: _Optional[bool] = ..., confidence: _Optional[float] = ..., threshold: _Optional[float] = ..., top: _Optional[_Iterable[_Union[IntentLabel, _Mapping]]] = ..., model: _Optional[_Union[ModelRef, _Mapping]] = ..., category: _Optional[str] = ...) -> None: ...

class TopicAssignment(_message.Message):
    __slots__ = ("topic_id", "label", "keywords", "probability", "model")
    TOPIC_ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    KEYWORDS_FIELD_NUMBER: _ClassVar[int]
    PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    topic_id: int
    label: str
    keywords: _containers.RepeatedScalarFieldContainer[str]
    probability: float
    model: ModelRef
    def __init__(self, topic_id: _Optional[int] = ..., label: _Optional[str] = ..., keywords: _Optional[_Iterable[str]] = ..., probability: _Optional[float] = ..., model: _Optional[_Union[ModelRef, _Mapping]] = ...) -> None: ...

class Entity(_message.Message):
    __slots__ = ("text", "label", "span", "model")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    SPAN_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    text: str
    label: str
    span: TextSpan
    model: ModelRef
    def __init__(self, text: _Optional[str] = ..., label: _Optional[str] = ..., span: _Optional[_Union[TextSpan, _Mapping]] = ..., model: _Optional[_Union[ModelRef, _Mapping]] = ...) -> None: ...

class TurnSignals(_message.Message):
    __slots__ = ("turn_index", "role", "speaker_id", "sentiment", "intent", "satisfaction")
    TURN_INDEX_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    SPEAKER_ID_FIELD_NUMBER: _ClassVar[int]
    SENTIMENT_FIELD_NUMBER: _ClassVar[int]
    INTENT_FIELD_NUMBER: _ClassVar[int]
    SATISFACTION_FIELD_NUMBER: _ClassVar[int]
    turn_index: int
    role: _interaction_pb2.SpeakerRole
    speaker_id: str
    sentiment: Sentiment
    intent: Intent
    satisfaction: Satisfaction
    def __init__(self, turn_index: _Optional[int] = ..., role: _Optional[_Union[_interaction_pb2.SpeakerRole, str]] = ..., speaker_id: _Optional[str] = ..., sentiment: _Optional[_Union[Sentiment, _Mapping]] = ..., intent: _Optional[_Union[Intent, _Mapping]] = ..., satisfaction: _Optional[_Union[Satisfaction, _Mapping]] = ...) -> None: ...

class RoleSentiment(_message.Message):
    __slots__ = ("role", "turn_count", "sentiment")
    ROLE_FIELD_NUMBER: _ClassVar[int]
    TURN_COUNT_FIELD_NUMBER: _ClassVar[int]
    SENTIMENT_FIELD_NUMBER: _ClassVar[int]
    role: _interaction_pb2.SpeakerRole
    turn_count: int
    sentiment: Sentiment
    def __init__(self, role: _Optional[_Union[_interaction_pb2.SpeakerRole, str]] = ..., turn_count: _Optional[int] = ..., sentiment: _Optional[_Union[Sentiment, _Mapping]] = ...) -> None: ...

class SentimentTrend(_message.Message):
    __slots__ = ("opening", "closing", "shift")
    OPENING_FIELD_NUMBER: _ClassVar[int]
    CLOSING_FIELD_NUMBER: _ClassVar[int]
    SHIFT_FIELD_NUMBER: _ClassVar[int]
    opening: Sentiment
    closing: Sentiment
    shift: float
    def __init__(self, opening: _Optional[_Union[Sentiment, _Mapping]] = ..., closing: _Optional[_Union[Sentiment, _Mapping]] = ..., shift: _Optional[float] = ...) -> None: ...

class LanguageInfo(_message.Message):
    __slots__ = ("code", "confidence", "source", "supported")
    CODE_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    SUPPORTED_FIELD_NUMBER: _ClassVar[int]
    code: str
    confidence: float
    source: str
    supported: bool
    def __init__(self, code: _Optional[str] = ..., confidence: _Optional[float] = ..., source: _Optional[str] = ..., supported: _Optional[bool] = ...) -> None: ...

class AspectSentiment(_message.Message):
    __slots__ = ("text", "aspect", "source", "span", "sentence", "role", "speaker_id", "sentiment", "confidence")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    ASPECT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    SPAN_FIELD_NUMBER: _ClassVar[int]
    SENTENCE_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    SPEAKER_ID_FIELD_NUMBER: _ClassVar[int]
    SENTIMENT_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    text: str
    aspect: str
    source: AspectSource
    span: TextSpan
    sentence: TextSpan
    role: _interaction_pb2.SpeakerRole
    speaker_id: str
    sentiment: Sentiment
    confidence: float
    def __init__(self, text: _Optional[str] = ..., aspect: _Optional[str] = ..., source: _Optional[_Union[AspectSource, str]] = ..., span: _Optional[_Union[TextSpan, _Mapping]] = ..., sentence: _Optional[_Union[TextSpan, _Mapping]] = ..., role: _Optional[_Union[_interaction_pb2.SpeakerRole, str]] = ..., speaker_id: _Optional[str] = ..., sentiment: _Optional[_Union[Sentiment, _Mapping]] = ..., confidence: _Optional[float] = ...) -> None: ...

class AspectSummary(_message.Message):
    __slots__ = ("aspect", "role", "mentions", "negative", "neutral", "positive", "score")
    ASPECT_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    MENTIONS_FIELD_NUMBER: _ClassVar[int]
    NEGATIVE_FIELD_NUMBER: _ClassVar[int]
    NEUTRAL_FIELD_NUMBER: _ClassVar[int]
    POSITIVE_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    aspect: str
    role: _interaction_pb2.SpeakerRole
    mentions: int
    negative: int
    neutral: int
    positive: int
    score: float
    def __init__(self, aspect: _Optional[str] = ..., role: _Optional[_Union[_interaction_pb2.SpeakerRole, str]] = ..., mentions: _Optional[int] = ..., negative: _Optional[int] = ..., neutral: _Optional[int] = ..., positive: _Optional[int] = ..., score: _Optional[float] = ...) -> None: ...

class RoleTalk(_message.Message):
    __slots__ = ("role", "turn_count", "timed_turn_count", "word_count", "talk_ms", "talk_share", "avg_turn_ms", "avg_turn_words")
    ROLE_FIELD_NUMBER: _ClassVar[int]
    TURN_COUNT_FIELD_NUMBER: _ClassVar[int]
    TIMED_TURN_COUNT_FIELD_NUMBER: _ClassVar[int]
    WORD_COUNT_FIELD_NUMBER: _ClassVar[int]
    TALK_MS_FIELD_NUMBER: _ClassVar[int]
    TALK_SHARE_FIELD_NUMBER: _ClassVar[int]
    AVG_TURN_MS_FIELD_NUMBER: _ClassVar[int]
    AVG_TURN_WORDS_FIELD_NUMBER: _ClassVar[int]
    role: _interaction_pb2.SpeakerRole
    turn_count: int
    timed_turn_count: int
    word_count: int
    talk_ms: int
    talk_share: float
    avg_turn_ms: float
    avg_turn_words: float
    def __init__(self, role: _Optional[_Union[_interaction_pb2.SpeakerRole, str]] = ..., turn_count: _Optional[int] = ..., timed_turn_count: _Optional[int] = ..., word_count: _Optional[int] = ..., talk_ms: _Optional[int] = ..., talk_share: _Optional[float] = ..., avg_turn_ms: _Optional[float] = ..., avg_turn_words: _Optional[float] = ...) -> None: ...

class InterruptionCount(_message.Message):
    __slots__ = ("by", "on", "count")
    BY_FIELD_NUMBER: _ClassVar[int]
    ON_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    by: _interaction_pb2.SpeakerRole
    on: _interaction_pb2.SpeakerRole
    count: int
    def __init__(self, by: _Optional[_Union[_interaction_pb2.SpeakerRole, str]] = ..., on: _Optional[_Union[_interaction_pb2.SpeakerRole, str]] = ..., count: _Optional[int] = ...) -> None: ...

class ConversationMetrics(_message.Message):
    __slots__ = ("turn_count", "timed_turn_count", "duration_ms", "roles", "silence_threshold_ms", "silence_total_ms", "longest_silence_ms", "silence_count", "overtalk_ms", "overtalk_count", "interruptions", "response_count", "avg_response_ms", "max_response_ms")
    TURN_COUNT_FIELD_NUMBER: _ClassVar[int]
    TIMED_TURN_COUNT_FIELD_NUMBER: _ClassVar[int]
    DURATION_MS_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    SILENCE_THRESHOLD_MS_FIELD_NUMBER: _ClassVar[int]
    SILENCE_TOTAL_MS_FIELD_NUMBER: _ClassVar[int]
    LONGEST_SILENCE_MS_FIELD_NUMBER: _ClassVar[int]
    SILENCE_COUNT_FIELD_NUMBER: _ClassVar[int]
    OVERTALK_MS_FIELD_NUMBER: _ClassVar[int]
    OVERTALK_COUNT_FIELD_NUMBER: _ClassVar[int]
    INTERRUPTIONS_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_COUNT_FIELD_NUMBER: _ClassVar[int]
    AVG_RESPONSE_MS_FIELD_NUMBER: _ClassVar[int]
    MAX_RESPONSE_MS_FIELD_NUMBER: _ClassVar[int]
    turn_count: int
    timed_turn_count: int
    duration_ms: int
    roles: _containers.RepeatedCompositeFieldContainer[RoleTalk]
    silence_threshold_ms: int
    silence_total_ms: int
    longest_silence_ms: int
    silence_count: int
    overtalk_ms: int
    overtalk_count: int
    interruptions: _containers.RepeatedCompositeFieldContainer[InterruptionCount]
    response_count: int
    avg_response_ms: float
    max_response_ms: int
    def __init__(self, turn_count: _Optional[int] = ..., timed_turn_count: _Optional[int] = ..., duration_ms: _Optional[int] = ..., roles: _Optional[_Iterable[_Union[RoleTalk, _Mapping]]] = ..., silence_threshold_ms: _Optional[int] = ..., silence_total_ms: _Optional[int] = ..., longest_silence_ms: _Optional[int] = ..., silence_count: _Optional[int] = ..., overtalk_ms: _Optional[int] = ..., overtalk_count: _Optional[int] = ..., interruptions: _Optional[_Iterable[_Union[InterruptionCount, _Mapping]]] = ..., response_count: _Optional[int] = ..., avg_response_ms: _Optional[float] = ..., max_response_ms: _Optional[int] = ...) -> None: ...
