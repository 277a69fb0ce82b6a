"""The enricher's roll-up step: scored parts pooled into turn, role, trend and document signals."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pipelines.enrichment.domain import (
    ConversationSummary,
    EnrichOptions,
    Intent,
    RoleSentiment,
    Sentiment,
    SentimentTrend,
    SignalKind,
    SpeakerRole,
    TopicAssignment,
    TurnSignals,
)
from pipelines.enrichment.intent import IntentStage
from pipelines.enrichment.prepared import PartAnalysis
from pipelines.enrichment.satisfaction import SatisfactionStage
from pipelines.enrichment.sentiment import SentimentStage
from pipelines.enrichment.topics import TopicStage


def score_satisfaction(parts: Sequence[PartAnalysis], stage: SatisfactionStage) -> None:
    """Set ``satisfaction_proba`` on every customer turn not yet scored, read with the agent turn before it.

    Agent and bot turns are context only. A turn already scored keeps its value, so a live stream scores
    each turn once and its running result equals the whole transcript's.
    """
    pending: list[PartAnalysis] = []
    pairs: list[tuple[np.ndarray, np.ndarray | None]] = []
    agent: np.ndarray | None = None
    for pa in parts:
        if pa.embedding is None:
            continue
        if pa.part.role in (SpeakerRole.AGENT, SpeakerRole.BOT):
            agent = pa.embedding
        elif pa.part.role == SpeakerRole.CUSTOMER and pa.satisfaction_proba is None:
            pending.append(pa)
            pairs.append((pa.embedding, agent))
    for pa, proba in zip(pending, stage.turns(pairs), strict=True):
        pa.satisfaction_proba = proba


def turn_signals(
    pa: PartAnalysis,
    options: EnrichOptions,
    intent: IntentStage | None,
    *,
    sentiment: SentimentStage,
    satisfaction: SatisfactionStage | None = None,
) -> TurnSignals:
    """One turn's sentiment and (customer turns only) intent and satisfaction, from its own embedding."""
    turn_sentiment = None
    if SignalKind.SENTIMENT in options.signals and pa.sentiment_proba is not None:
        turn_sentiment = sentiment.from_proba(pa.sentiment_proba)
    turn_intent = None
    if intent is not None and pa.part.role == SpeakerRole.CUSTOMER and pa.embedding is not None:
        turn_intent = intent.predict(pa.embedding[None, :], options.intent_top_k)[0]
    turn_satisfaction = None
    if satisfaction is not None and pa.satisfaction_proba is not None:
        turn_satisfaction = satisfaction.from_proba(pa.satisfaction_proba)
    return TurnSignals(pa.part.index, pa.part.role, pa.part.speaker_id, turn_sentiment, turn_intent, turn_satisfaction)


def summarize(
    parts: Sequence[PartAnalysis],
    options: EnrichOptions,
    intent: IntentStage | None,
    topics_stage: TopicStage | None,
    *,
    sentiment: SentimentStage,
    transcript: bool,
    satisfaction: SatisfactionStage | None = None,
) -> ConversationSummary:
    """Roll parts up: customer sentiment, per-role sentiment, trend, satisfaction, document intent and topics.

    With a satisfaction stage (transcripts, when sentiment is asked for), customer turns not yet scored are scored
    first (``score_satisfaction``), so ``turn_signals`` called after this reads them.
    """
    signals = options.signals
    customer = [pa for pa in parts if pa.part.role == SpeakerRole.CUSTOMER and pa.embedding is not None]
    roles: tuple[RoleSentiment, ...] = ()
    trend: SentimentTrend | None = None
    if SignalKind.SENTIMENT in signals and transcript:
        roles = _role_sentiments(parts, sentiment)
        trend = _trend(customer, sentiment)
    doc_intent: Intent | None = None
    topics: tuple[TopicAssignment, ...] = ()
    embeddings = [pa.embedding for pa in customer if pa.embedding is not None]
    weights = [pa.weight for pa in customer if pa.embedding is not None]
    if intent is not None:
        doc_intent = intent.document(embeddings, weights, options.intent_top_k)
    if topics_stage is not None:
        topics = topics_stage.document_topics(embeddings, weights, options.topics_top_k)
    customer_sentiment = _document_sentiment(customer, sentiment) if SignalKind.SENTIMENT in signals else None
    overall = None
    if satisfaction is not None and transcript and SignalKind.SENTIMENT in signals:
        score_satisfaction(parts, satisfaction)
        overall = satisfaction.conversation(
            [pa.satisfaction_proba for pa in customer if pa.satisfaction_proba is not None]
        )
    return ConversationSummary(len(parts), customer_sentiment, roles, trend, doc_intent, topics, satisfaction=overall)


def _document_sentiment(customer: Sequence[PartAnalysis], sentiment: SentimentStage) -> Sentiment | None:
    """Parts pooled by words; their sentences only decide whether the document is mixed."""
    return _pool_parts(customer, sentiment, evidence=[p for pa in customer for p in pa.sentence_proba])


def _role_sentiments(parts: Sequence[PartAnalysis], sentiment: SentimentStage) -> tuple[RoleSentiment, ...]:
    out = []
    for role in SpeakerRole:
        mine = [pa for pa in parts if pa.part.role == role and pa.sentiment_proba is not None]
        pooled = _pool_parts(mine, sentiment)
        if pooled is not None:
            out.append(RoleSentiment(role, len(mine), pooled))
    return tuple(out)


def _trend(customer: Sequence[PartAnalysis], sentiment: SentimentStage) -> SentimentTrend | None:
    scored = [pa for pa in customer if pa.sentiment_proba is not None]
    if len(scored) < 2:
        return None
    w = sentiment.window_size(len(scored))
    opening, closing = _pool_parts(scored[:w], sentiment), _pool_parts(scored[-w:], sentiment)
    if opening is None or closing is None:
        return None
    return SentimentTrend(opening, closing, closing.score - opening.score)


def _pool_parts(
    parts: Sequence[PartAnalysis], sentiment: SentimentStage, *, evidence: Sequence[np.ndarray] | None = None
) -> Sentiment | None:
    """Word-weighted pooled sentiment of whole parts (turns, bodies, answers)."""
    probas: list[np.ndarray] = []
    weights: list[float] = []
    for pa in parts:
        if pa.sentiment_proba is not None:
            probas.append(pa.sentiment_proba)
            weights.append(pa.weight)
    return sentiment.pool(probas, weights, evidence=evidence)
