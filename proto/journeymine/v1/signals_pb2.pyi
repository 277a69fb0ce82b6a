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
SIGNAL_UNSPECIFIED: Signal
SIGNAL_SENTIMENT: Signal
SIGNAL_INTENT: Signal
SIGNAL_TOPICS: Signal
SIGNAL_ENTITIES: Signal
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
    __slots__ = ("taxonomy", "label", "out_of_scope", "confidence", "threshold", "top", "model")
    TAXONOMY_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    OUT_OF_SCOPE_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    TOP_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    taxonomy: str
    label: str
    out_of_scope: bool
    confidence: float
    threshold: float
    top: _containers.RepeatedCompositeFieldContainer[IntentLabel]
    model: ModelRef
    def __init__(self, taxonomy: _Optional[str] = ..., label: _Optional[str] = ..., out_of_scope: _Optional[bool] = ..., confidence: _Optional[float] = ..., threshold: _Optional[float] = ..., top: _Optional[_Iterable[_Union[IntentLabel, _Mapping]]] = ..., model: _Optional[_Union[ModelRef, _Mapping]] = ...) -> None: ...

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
    __slots__ = ("turn_index", "role", "speaker_id", "sentiment", "intent")
    TURN_INDEX_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    SPEAKER_ID_FIELD_NUMBER: _ClassVar[int]
    SENTIMENT_FIELD_NUMBER: _ClassVar[int]
    INTENT_FIELD_NUMBER: _ClassVar[int]
    turn_index: int
    role: _interaction_pb2.SpeakerRole
    speaker_id: str
    sentiment: Sentiment
    intent: Intent
    def __init__(self, turn_index: _Optional[int] = ..., role: _Optional[_Union[_interaction_pb2.SpeakerRole, str]] = ..., speaker_id: _Optional[str] = ..., sentiment: _Optional[_Union[Sentiment, _Mapping]] = ..., intent: _Optional[_Union[Intent, _Mapping]] = ...) -> None: ...

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
