"""Domain types of the core: what goes into enrichment and what comes out.

Frozen dataclasses with names from the domain. Protobuf never travels below
``service/``: the servicers convert to and from these types.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Channel(StrEnum):
    UNSPECIFIED = "unspecified"
    CALL = "call"
    CHAT = "chat"
    EMAIL = "email"
    SURVEY = "survey"
    SOCIAL = "social"
    IVR = "ivr"
    WEB = "web"
    OTHER = "other"


class SpeakerRole(StrEnum):
    UNSPECIFIED = "unspecified"
    CUSTOMER = "customer"
    AGENT = "agent"
    BOT = "bot"
    IVR = "ivr"


class ContentPart(StrEnum):
    TEXT = "text"
    TURN = "turn"
    EMAIL_SUBJECT = "email_subject"
    EMAIL_BODY = "email_body"
    SURVEY_ANSWER = "survey_answer"
    SOCIAL_TEXT = "social_text"


class SignalKind(StrEnum):
    SENTIMENT = "sentiment"
    INTENT = "intent"
    TOPICS = "topics"
    ENTITIES = "entities"
    # Aspect sentiment costs a second transformer pass per sentence: only on request.
    ASPECTS = "aspects"


# What an empty signal list means: every signal but the ones a caller must ask for.
ALL_SIGNALS: frozenset[SignalKind] = frozenset(SignalKind)
DEFAULT_SIGNALS: frozenset[SignalKind] = ALL_SIGNALS - {SignalKind.ASPECTS}


# --- interactions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Turn:
    role: SpeakerRole
    text: str
    speaker_id: str = ""
    start_ms: int | None = None
    end_ms: int | None = None


@dataclass(frozen=True)
class Transcript:
    turns: tuple[Turn, ...]


@dataclass(frozen=True)
class Email:
    subject: str
    body: str


@dataclass(frozen=True)
class RatingScale:
    kind: str
    min: float
    max: float


@dataclass(frozen=True)
class SurveyResponse:
    question: str
    answer: str
    rating: float | None = None
    scale: RatingScale | None = None


@dataclass(frozen=True)
class Survey:
    responses: tuple[SurveyResponse, ...]


@dataclass(frozen=True)
class SocialPost:
    text: str
    platform: str = ""
    author_handle: str = ""
    in_reply_to: str = ""


@dataclass(frozen=True)
class PlainText:
    text: str


Content = Transcript | Email | Survey | SocialPost | PlainText


@dataclass(frozen=True)
class Interaction:
    id: str
    content: Content
    customer_id: str = ""
    journey_id: str = ""
    channel: Channel = Channel.UNSPECIFIED
    occurred_at: datetime | None = None
    # Declared language tag ("en", "de-DE"); empty means detect.
    language: str = ""
    attributes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class EnrichOptions:
    signals: frozenset[SignalKind] = DEFAULT_SIGNALS
    # None means the registry's default taxonomy.
    intent_taxonomy: str | None = None
    intent_top_k: int = 3
    topics_top_k: int = 1
    # None means the registry's default topic model.
    topic_model: str | None = None
    # A gap at least this long counts as a silence (None: ConversationConfig's default).
    silence_threshold_ms: int | None = None
    # Model ids the caller requires (``sentiment.v2``, ``intent.banking77.v2``): replay pins the versions.
    pin_models: tuple[str, ...] = ()
    # None means the registry's default sentiment model; a name picks a user head (``journeymine train sentiment``).
    sentiment_model: str | None = None


# --- signals ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelRef:
    name: str
    version: str

    @property
    def id(self) -> str:
        return f"{self.name}.{self.version}"


@dataclass(frozen=True)
class TextSpan:
    """A span in code points of one content part; index is the turn/response index."""

    part: ContentPart
    index: int
    start: int
    end: int


class SentimentLabel(StrEnum):
    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"
    MIXED = "mixed"


@dataclass(frozen=True)
class Sentiment:
    label: SentimentLabel
    negative: float
    neutral: float
    positive: float
    # positive - negative, in [-1, 1]
    score: float
    model: ModelRef


class SatisfactionLabel(StrEnum):
    DISSATISFIED = "dissatisfied"
    NEUTRAL = "neutral"
    SATISFIED = "satisfied"


@dataclass(frozen=True)
class Satisfaction:
    """How satisfied the customer is with the conversation so far (a customer turn) or overall (a transcript)."""

    label: SatisfactionLabel
    dissatisfied: float
    neutral: float
    satisfied: float
    # satisfied - dissatisfied, in [-1, 1]
    score: float
    model: ModelRef


@dataclass(frozen=True)
class SentenceSentiment:
    span: TextSpan
    sentiment: Sentiment


@dataclass(frozen=True)
class IntentLabel:
    label: str
    probability: float


OUT_OF_SCOPE = "out_of_scope"


@dataclass(frozen=True)
class Intent:
    taxonomy: str
    label: str
    out_of_scope: bool
    confidence: float
    threshold: float
    top: tuple[IntentLabel, ...]
    model: ModelRef
    # The label's category in its taxonomy ("billing_payments", "leaving", ...; the head's ``categories`` metadata);
    # empty when out of scope or for a taxonomy without categories (banking77, clinc150, user taxonomies).
    category: str = ""


@dataclass(frozen=True)
class TopicAssignment:
    topic_id: int
    label: str
    keywords: tuple[str, ...]
    probability: float
    model: ModelRef


@dataclass(frozen=True)
class Entity:
    text: str
    label: str
    span: TextSpan
    model: ModelRef


@dataclass(frozen=True)
class TurnSignals:
    turn_index: int
    role: SpeakerRole
    speaker_id: str
    sentiment: Sentiment | None
    intent: Intent | None
    # Customer turns of a transcript, when the satisfaction model is loaded: read with the agent turn before it.
    satisfaction: Satisfaction | None = None


@dataclass(frozen=True)
class RoleSentiment:
    role: SpeakerRole
    turn_count: int
    sentiment: Sentiment


@dataclass(frozen=True)
class SentimentTrend:
    opening: Sentiment
    closing: Sentiment
    shift: float


@dataclass(frozen=True)
class AspectSentiment:
    """One aspect mentioned in a sentence, with its own polarity, attributed to who said it."""

    text: str  # as written
    aspect: str  # lower-cased key the interaction's summary groups by
    source: str  # NOUN_CHUNK | TOPIC_KEYWORD
    span: TextSpan
    sentence: TextSpan
    role: SpeakerRole
    speaker_id: str
    sentiment: Sentiment


@dataclass(frozen=True)
class AspectSummary:
    """How one aspect fared in one interaction, per speaker role."""

    aspect: str
    role: SpeakerRole
    mentions: int
    negative: int
    neutral: int
    positive: int
    # Mean of the mentions' scores (P(positive) - P(negative)).
    score: float


@dataclass(frozen=True)
class RoleTalk:
    role: SpeakerRole
    turn_count: int
    timed_turn_count: int
    word_count: int
    talk_ms: int
    talk_share: float
    avg_turn_ms: float
    avg_turn_words: float


@dataclass(frozen=True)
class InterruptionCount:
    by: SpeakerRole  # who cut in
    on: SpeakerRole  # whose turn was cut
    count: int


@dataclass(frozen=True)
class ConversationMetrics:
    """How a transcript went in time (``pipelines.enrichment.conversation``; definitions in docs/conversation.md)."""

    turn_count: int
    timed_turn_count: int
    duration_ms: int
    roles: tuple[RoleTalk, ...]
    silence_threshold_ms: int
    silence_total_ms: int
    longest_silence_ms: int
    silence_count: int
    overtalk_ms: int
    overtalk_count: int
    interruptions: tuple[InterruptionCount, ...]
    response_count: int
    avg_response_ms: float
    max_response_ms: int


@dataclass(frozen=True)
class LanguageInfo:
    code: str
    confidence: float
    source: str  # "declared" | "detected"
    supported: bool


@dataclass(frozen=True)
class EnrichedInteraction:
    interaction_id: str
    language: LanguageInfo
    sentiment: Sentiment | None = None
    sentences: tuple[SentenceSentiment, ...] = ()
    turns: tuple[TurnSignals, ...] = ()
    roles: tuple[RoleSentiment, ...] = ()
    trend: SentimentTrend | None = None
    intent: Intent | None = None
    topics: tuple[TopicAssignment, ...] = ()
    entities: tuple[Entity, ...] = ()
    models: tuple[ModelRef, ...] = ()
    warnings: tuple[str, ...] = ()
    conversation: ConversationMetrics | None = None
    aspects: tuple[AspectSentiment, ...] = ()
    aspect_summary: tuple[AspectSummary, ...] = ()
    # Transcripts with customer turns, when the satisfaction model is loaded: the conversation's estimate.
    satisfaction: Satisfaction | None = None


@dataclass(frozen=True)
class StreamStart:
    interaction_id: str
    customer_id: str = ""
    journey_id: str = ""
    channel: Channel = Channel.CALL
    language: str = ""
    options: EnrichOptions = field(default_factory=EnrichOptions)


@dataclass(frozen=True)
class ConversationSummary:
    turn_count: int
    customer_sentiment: Sentiment | None
    roles: tuple[RoleSentiment, ...]
    trend: SentimentTrend | None
    intent: Intent | None
    topics: tuple[TopicAssignment, ...]
    conversation: ConversationMetrics | None = None
    aspect_summary: tuple[AspectSummary, ...] = ()
    satisfaction: Satisfaction | None = None


@dataclass(frozen=True)
class TurnUpdate:
    """What a live stream returns for each turn it receives."""

    turn: TurnSignals
    sentences: tuple[SentenceSentiment, ...]
    entities: tuple[Entity, ...]
    summary: ConversationSummary
    warnings: tuple[str, ...] = ()
    aspects: tuple[AspectSentiment, ...] = ()


@dataclass(frozen=True)
class ModelInfo:
    name: str
    version: str
    kind: str
    description: str
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TaxonomyInfo:
    name: str
    version: str
    labels: tuple[str, ...]
    supports_out_of_scope: bool
    threshold: float
    is_default: bool


@dataclass(frozen=True)
class TopicModelInfo:
    name: str
    version: str
    topic_count: int
    is_default: bool


@dataclass(frozen=True)
class ModelCatalog:
    models: tuple[ModelInfo, ...]
    taxonomies: tuple[TaxonomyInfo, ...]
    topic_models: tuple[TopicModelInfo, ...]
