"""Domain types of journeys: touchpoints, what the store keeps of them, scores, drivers and alerts.

A *touchpoint* is one contact of a customer with the organisation on one channel at one
time: a call, a chat, an email, a survey, an IVR session or a web visit. It carries an
interaction to enrich (or signals from an earlier ``Enrich`` call), or structured
attributes only. The store keeps redacted text and a compact summary of its signals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from pipelines.enrichment.domain import Channel, ContentPart, EnrichedInteraction, Interaction, SpeakerRole


class Outcome(StrEnum):
    UNSPECIFIED = "unspecified"
    RESOLVED = "resolved"
    UNRESOLVED = "unresolved"
    TRANSFERRED = "transferred"
    ABANDONED = "abandoned"
    CALLBACK = "callback"
    PURCHASE = "purchase"
    CANCELLATION = "cancellation"
    ESCALATED = "escalated"


@dataclass(frozen=True)
class TouchpointAttributes:
    """Structured facts of a touchpoint; every field is optional."""

    ivr_path: tuple[str, ...] = ()
    page: str = ""
    hold_seconds: float | None = None
    handle_seconds: float | None = None
    # Survey rating given outside an interaction (e.g. a post-call CSAT), with its scale.
    rating: float | None = None
    rating_min: float | None = None
    rating_max: float | None = None
    extra: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Touchpoint:
    """One contact as a caller sends it to ``RecordTouchpoints``."""

    id: str
    customer_id: str
    channel: Channel
    occurred_at: datetime  # timezone-aware, UTC
    journey_id: str = ""
    stage: str = ""
    outcome: Outcome = Outcome.UNSPECIFIED
    attributes: TouchpointAttributes = field(default_factory=TouchpointAttributes)
    interaction: Interaction | None = None
    # Signals from an earlier Enrich call of the same interaction; used instead of enriching again.
    signals: EnrichedInteraction | None = None


# --- what the store keeps -----------------------------------------------------------------------


@dataclass(frozen=True)
class Redaction:
    """One redacted value: where it was in the original text (code points) and what replaced it."""

    kind: str  # EMAIL, PHONE, CARD_NUMBER, SSN, ACCOUNT_NUMBER, PERSON
    placeholder: str  # e.g. "[EMAIL]"
    part: ContentPart
    index: int
    start: int
    end: int


@dataclass(frozen=True)
class RedactedPart:
    """One text part as stored: redacted, with the speaker for transcript turns."""

    part: ContentPart
    index: int
    text: str
    role: SpeakerRole = SpeakerRole.UNSPECIFIED


@dataclass(frozen=True)
class CustomerIntent:
    """One in-scope intent in one piece of the customer's own words: a turn, or one sentence of a part."""

    part: ContentPart
    index: int  # the part's index (a transcript's turn number)
    # The sentence's number within the part; -1: the whole part (a call or chat turn's own intent).
    sentence: int
    label: str
    category: str = ""  # empty for a taxonomy without categories
    confidence: float = 0.0


@dataclass(frozen=True)
class TouchpointSignals:
    """The compact summary of a touchpoint's signals that scoring, alerts and friction read."""

    # Sentiment of the customer's own words, positive - negative in [-1, 1]; None without customer text.
    sentiment: float | None = None
    sentiment_label: str = ""
    # Closing minus opening customer sentiment within a call or chat; None when not a transcript.
    sentiment_shift: float | None = None
    # The lowest customer-turn (or sentence) sentiment: the worst moment of the contact.
    sentiment_low: float | None = None
    # Customer turns in a transcript (0 for other channels): how much the customer had to say.
    customer_turns: int = 0
    # Customer turns that reject or correct the agent ("No, that's not right ..."; pipelines/journeys/effort.py).
    corrections: int = 0
    # Agent turns, and those saying the agent cannot help ("Sorry, I can't find ..."; pipelines/journeys/effort.py).
    agent_turns: int = 0
    agent_failures: int = 0
    intent: str = ""  # empty when none or out of scope
    intent_taxonomy: str = ""
    intent_confidence: float = 0.0
    intent_category: str = ""  # the document intent's category; empty when none
    # The in-scope intents of the customer's turns (calls, chats) and sentences, in text order: what the
    # churn and repeat rules read beside the document intent, which abstains when a contact mixes topics.
    customer_intents: tuple[CustomerIntent, ...] = ()
    topics: tuple[str, ...] = ()
    # Survey rating rescaled to [0, 1] (mean of the rated responses); None when not rated.
    rating: float | None = None
    models: tuple[str, ...] = ()
    # Calls and chats: the customer's estimated satisfaction with the conversation, P(satisfied) - P(dissatisfied)
    # in [-1, 1] (pipelines/enrichment/satisfaction.py); None for other channels or without the model.
    satisfaction: float | None = None
    # The customer's words in the encoder's space: the mean of their sentences' embeddings, unit length,
    # stored int8-quantised (pipelines/journeys/rows.py); empty when there is no text or no reader.
    embedding: tuple[float, ...] = ()


@dataclass(frozen=True)
class StoredTouchpoint:
    """A touchpoint as the journey store holds it: no raw text, only redacted parts."""

    id: str
    customer_id: str
    channel: Channel
    occurred_at: datetime
    recorded_at: datetime
    journey_id: str = ""
    stage: str = ""
    outcome: Outcome = Outcome.UNSPECIFIED
    attributes: TouchpointAttributes = field(default_factory=TouchpointAttributes)
    signals: TouchpointSignals = field(default_factory=TouchpointSignals)
    parts: tuple[RedactedPart, ...] = ()
    redactions: tuple[Redaction, ...] = ()


class RecordStatus(StrEnum):
    STORED = "stored"
    DUPLICATE = "duplicate"  # the id was already stored: nothing written, the stored copy stands


@dataclass(frozen=True)
class RecordResult:
    touchpoint_id: str
    status: RecordStatus
    redactions: tuple[Redaction, ...] = ()
    signals: TouchpointSignals = field(default_factory=TouchpointSignals)
    warnings: tuple[str, ...] = ()


# --- scores ------------------------------------------------------------------------------------


class Component(StrEnum):
    SENTIMENT = "sentiment"
    RATING = "rating"
    EFFORT = "effort"
    OUTCOME = "outcome"
    SATISFACTION = "satisfaction"


@dataclass(frozen=True)
class Evidence:
    """One piece of evidence that moves a score: a value in [-1, 1] with a weight before decay."""

    touchpoint_id: str
    component: Component
    reason: str  # e.g. "customer sentiment", "repeat contact for card_lost within 7 days"
    value: float
    weight: float
    occurred_at: datetime
    intent: str = ""
    topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class Driver:
    """How many score points one key of one dimension moved the score (signed)."""

    dimension: str  # "touchpoint", "component", "intent", "topic", "reason"
    key: str  # empty key: evidence with no value on this dimension (e.g. no intent)
    points: float
    evidence_count: int


@dataclass(frozen=True)
class ScorePoint:
    at: datetime
    score: float
    low: float
    high: float


@dataclass(frozen=True)
class ExperienceScore:
    customer_id: str
    journey_id: str
    as_of: datetime
    score: float  # 0..100, 50 is neutral
    low: float  # 95 % interval
    high: float
    touchpoint_count: int
    evidence_count: int
    # Per dimension, drivers sorted by |points|; each dimension sums to score - 50.
    drivers: tuple[Driver, ...] = ()
    trend: tuple[ScorePoint, ...] = ()
    half_life_days: float = 0.0


# --- alerts ------------------------------------------------------------------------------------


class AlertRule(StrEnum):
    SCORE_DROP = "score_drop"
    CHURN_RISK_INTENT = "churn_risk_intent"
    SENTIMENT_SHIFT = "sentiment_shift"
    REPEAT_UNRESOLVED = "repeat_unresolved"
    EMERGING_TOPIC = "emerging_topic"


@dataclass(frozen=True)
class Alert:
    id: int
    rule: AlertRule
    customer_id: str
    raised_at: datetime
    occurred_at: datetime
    message: str  # the evidence in words
    touchpoint_ids: tuple[str, ...] = ()
    journey_id: str = ""
    details: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class NewAlert:
    """An alert a rule raised, before the store gives it an id and a raised_at."""

    rule: AlertRule
    customer_id: str
    occurred_at: datetime
    message: str
    touchpoint_ids: tuple[str, ...] = ()
    journey_id: str = ""
    details: Mapping[str, str] = field(default_factory=dict)
