import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Channel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANNEL_UNSPECIFIED: _ClassVar[Channel]
    CHANNEL_CALL: _ClassVar[Channel]
    CHANNEL_CHAT: _ClassVar[Channel]
    CHANNEL_EMAIL: _ClassVar[Channel]
    CHANNEL_SURVEY: _ClassVar[Channel]
    CHANNEL_SOCIAL: _ClassVar[Channel]
    CHANNEL_IVR: _ClassVar[Channel]
    CHANNEL_WEB: _ClassVar[Channel]
    CHANNEL_OTHER: _ClassVar[Channel]

class SpeakerRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SPEAKER_ROLE_UNSPECIFIED: _ClassVar[SpeakerRole]
    SPEAKER_ROLE_CUSTOMER: _ClassVar[SpeakerRole]
    SPEAKER_ROLE_AGENT: _ClassVar[SpeakerRole]
    SPEAKER_ROLE_BOT: _ClassVar[SpeakerRole]
    SPEAKER_ROLE_IVR: _ClassVar[SpeakerRole]
CHANNEL_UNSPECIFIED: Channel
CHANNEL_CALL: Channel
CHANNEL_CHAT: Channel
CHANNEL_EMAIL: Channel
CHANNEL_SURVEY: Channel
CHANNEL_SOCIAL: Channel
CHANNEL_IVR: Channel
CHANNEL_WEB: Channel
CHANNEL_OTHER: Channel
SPEAKER_ROLE_UNSPECIFIED: SpeakerRole
SPEAKER_ROLE_CUSTOMER: SpeakerRole
SPEAKER_ROLE_AGENT: SpeakerRole
SPEAKER_ROLE_BOT: SpeakerRole
SPEAKER_ROLE_IVR: SpeakerRole

class Turn(_message.Message):
    __slots__ = ("role", "speaker_id", "start_ms", "end_ms", "text")
    ROLE_FIELD_NUMBER: _ClassVar[int]
    SPEAKER_ID_FIELD_NUMBER: _ClassVar[int]
    START_MS_FIELD_NUMBER: _ClassVar[int]
    END_MS_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    role: SpeakerRole
    speaker_id: str
    start_ms: int
    end_ms: int
    text: str
    def __init__(self, role: _Optional[_Union[SpeakerRole, str]] = ..., speaker_id: _Optional[str] = ..., start_ms: _Optional[int] = ..., end_ms: _Optional[int] = ..., text: _Optional[str] = ...) -> None: ...

class Transcript(_message.Message):
    __slots__ = ("turns",)
    TURNS_FIELD_NUMBER: _ClassVar[int]
    turns: _containers.RepeatedCompositeFieldContainer[Turn]
    def __init__(self, turns: _Optional[_Iterable[_Union[Turn, _Mapping]]] = ...) -> None: ...

class Email(_message.Message):
    __slots__ = ("subject", "body")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    subject: str
    body: str
    def __init__(self, subject: _Optional[str] = ..., body: _Optional[str] = ...) -> None: ...

class RatingScale(_message.Message):
    __slots__ = ("kind", "min", "max")
    KIND_FIELD_NUMBER: _ClassVar[int]
    MIN_FIELD_NUMBER: _ClassVar[int]
    MAX_FIELD_NUMBER: _ClassVar[int]
    kind: str
    min: float
    max: float
    def __init__(self, kind: _Optional[str] = ..., min: _Optional[float] = ..., max: _Optional[float] = ...) -> None: ...

class SurveyResponse(_message.Message):
    __slots__ = ("question", "answer", "rating", "scale")
    QUESTION_FIELD_NUMBER: _ClassVar[int]
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    SCALE_FIELD_NUMBER: _ClassVar[int]
    question: str
    answer: str
    rating: float
    scale: RatingScale
    def __init__(self, question: _Optional[str] = ..., answer: _Optional[str] = ..., rating: _Optional[float] = ..., scale: _Optional[_Union[RatingScale, _Mapping]] = ...) -> None: ...

class Survey(_message.Message):
    __slots__ = ("responses",)
    RESPONSES_FIELD_NUMBER: _ClassVar[int]
    responses: _containers.RepeatedCompositeFieldContainer[SurveyResponse]
    def __init__(self, responses: _Optional[_Iterable[_Union[SurveyResponse, _Mapping]]] = ...) -> None: ...

class SocialPost(_message.Message):
    __slots__ = ("platform", "author_handle", "text", "in_reply_to")
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_HANDLE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    IN_REPLY_TO_FIELD_NUMBER: _ClassVar[int]
    platform: str
    author_handle: str
    text: str
    in_reply_to: str
    def __init__(self, platform: _Optional[str] = ..., author_handle: _Optional[str] = ..., text: _Optional[str] = ..., in_reply_to: _Optional[str] = ...) -> None: ...

class Interaction(_message.Message):
    __slots__ = ("id", "customer_id", "journey_id", "channel", "occurred_at", "language", "attributes", "transcript", "email", "survey", "social", "text")
    class AttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    JOURNEY_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    TRANSCRIPT_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    SURVEY_FIELD_NUMBER: _ClassVar[int]
    SOCIAL_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    id: str
    customer_id: str
    journey_id: str
    channel: Channel
    occurred_at: _timestamp_pb2.Timestamp
    language: str
    attributes: _containers.ScalarMap[str, str]
    transcript: Transcript
    email: Email
    survey: Survey
    social: SocialPost
    text: str
    def __init__(self, id: _Optional[str] = ..., customer_id: _Optional[str] = ..., journey_id: _Optional[str] = ..., channel: _Optional[_Union[Channel, str]] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., language: _Optional[str] = ..., attributes: _Optional[_Mapping[str, str]] = ..., transcript: _Optional[_Union[Transcript, _Mapping]] = ..., email: _Optional[_Union[Email, _Mapping]] = ..., survey: _Optional[_Union[Survey, _Mapping]] = ..., social: _Optional[_Union[SocialPost, _Mapping]] = ..., text: _Optional[str] = ...) -> None: ...
