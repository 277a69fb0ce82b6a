"""Proto <-> domain conversion for JourneyService (requests are validated before they get here)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp

from journeymine.v1 import enrichment_service_pb2 as svc_pb
from journeymine.v1 import journey_service_pb2 as jr_pb
from journeymine.v1 import signals_pb2 as sig_pb
from pipelines.enrichment.domain import (
    ContentPart,
    EnrichedInteraction,
    EnrichOptions,
    Intent,
    IntentLabel,
    LanguageInfo,
    ModelRef,
    SentenceSentiment,
    Sentiment,
    SentimentLabel,
    SentimentTrend,
    TextSpan,
    TopicAssignment,
    TurnSignals,
)
from pipelines.journeys.domain import (
    Alert,
    AlertRule,
    ExperienceScore,
    Outcome,
    RecordResult,
    RecordStatus,
    Redaction,
    StoredTouchpoint,
    Touchpoint,
    TouchpointAttributes,
    TouchpointSignals,
)
from pipelines.journeys.friction import FrictionReport
from pipelines.journeys.journeys import RECORD_SIGNALS
from service.rpc.convert import (
    CHANNEL_FROM_PROTO,
    CHANNEL_TO_PROTO,
    CONTENT_PART_FROM_PROTO,
    CONTENT_PART_TO_PROTO,
    ROLE_FROM_PROTO,
    ROLE_TO_PROTO,
    SENTIMENT_LABEL_FROM_PROTO,
    SENTIMENT_LABEL_TO_PROTO,
    interaction_from_proto,
    options_from_proto,
)

OUTCOME_FROM_PROTO: dict[int, Outcome] = {
    jr_pb.OUTCOME_UNSPECIFIED: Outcome.UNSPECIFIED,
    jr_pb.OUTCOME_RESOLVED: Outcome.RESOLVED,
    jr_pb.OUTCOME_UNRESOLVED: Outcome.UNRESOLVED,
    jr_pb.OUTCOME_TRANSFERRED: Outcome.TRANSFERRED,
    jr_pb.OUTCOME_ABANDONED: Outcome.ABANDONED,
    jr_pb.OUTCOME_CALLBACK: Outcome.CALLBACK,
    jr_pb.OUTCOME_PURCHASE: Outcome.PURCHASE,
    jr_pb.OUTCOME_CANCELLATION: Outcome.CANCELLATION,
    jr_pb.OUTCOME_ESCALATED: Outcome.ESCALATED,
}
OUTCOME_TO_PROTO: dict[Outcome, int] = {v: k for k, v in OUTCOME_FROM_PROTO.items()}

ALERT_RULE_FROM_PROTO: dict[int, AlertRule] = {
    jr_pb.ALERT_RULE_SCORE_DROP: AlertRule.SCORE_DROP,
    jr_pb.ALERT_RULE_CHURN_RISK_INTENT: AlertRule.CHURN_RISK_INTENT,
    jr_pb.ALERT_RULE_SENTIMENT_SHIFT: AlertRule.SENTIMENT_SHIFT,
    jr_pb.ALERT_RULE_REPEAT_UNRESOLVED: AlertRule.REPEAT_UNRESOLVED,
    jr_pb.ALERT_RULE_EMERGING_TOPIC: AlertRule.EMERGING_TOPIC,
}
ALERT_RULE_TO_PROTO: dict[AlertRule, int] = {v: k for k, v in ALERT_RULE_FROM_PROTO.items()}

STATUS_TO_PROTO: dict[RecordStatus, int] = {
    RecordStatus.STORED: jr_pb.RECORD_STATUS_STORED,
    RecordStatus.DUPLICATE: jr_pb.RECORD_STATUS_DUPLICATE,
}


def when(ts: Timestamp) -> datetime:
    return ts.ToDatetime(tzinfo=UTC)


def maybe_when(msg: object, name: str) -> datetime | None:
    return when(getattr(msg, name)) if msg.HasField(name) else None  # type: ignore[attr-defined]


def timestamp(moment: datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(moment)
    return ts


# --- requests -----------------------------------------------------------------------------------


def record_options_from_proto(request: jr_pb.RecordTouchpointsRequest) -> EnrichOptions:
    """The request's enrichment options, without entities (they would carry raw names into the store)."""
    options = options_from_proto(request.options)
    return replace(options, signals=(options.signals & RECORD_SIGNALS) or RECORD_SIGNALS)


def touchpoint_from_proto(msg: jr_pb.Touchpoint) -> Touchpoint:
    a = msg.attributes
    return Touchpoint(
        id=msg.id,
        customer_id=msg.customer_id,
        channel=CHANNEL_FROM_PROTO[msg.channel],
        occurred_at=when(msg.occurred_at),
        journey_id=msg.journey_id,
        stage=msg.stage,
        outcome=OUTCOME_FROM_PROTO[msg.outcome],
        attributes=TouchpointAttributes(
            ivr_path=tuple(a.ivr_path),
            page=a.page,
            hold_seconds=a.hold_seconds if a.HasField("hold_seconds") else None,
            handle_seconds=a.handle_seconds if a.HasField("handle_seconds") else None,
            rating=a.rating if a.HasField("rating") else None,
            rating_min=a.rating_min if a.HasField("rating_min") else None,
            rating_max=a.rating_max if a.HasField("rating_max") else None,
            extra=dict(a.extra),
        ),
        interaction=interaction_from_proto(msg.interaction) if msg.HasField("interaction") else None,
        signals=enriched_from_proto(msg.signals) if msg.HasField("signals") else None,
    )


def _model(msg: sig_pb.ModelRef) -> ModelRef:
    return ModelRef(msg.name, msg.version)


def _sentiment(msg: sig_pb.Sentiment) -> Sentiment:
    return Sentiment(
        SENTIMENT_LABEL_FROM_PROTO.get(msg.label, SentimentLabel.NEUTRAL),
        msg.negative,
        msg.neutral,
        msg.positive,
        msg.score,
        _model(msg.model),
    )


def _intent(msg: sig_pb.Intent) -> Intent:
    return Intent(
        msg.taxonomy,
        msg.label,
        msg.out_of_scope,
        msg.confidence,
        msg.threshold,
        tuple(IntentLabel(t.label, t.probability) for t in msg.top),
        _model(msg.model),
        msg.category,
    )


def enriched_from_proto(msg: svc_pb.EnrichedInteraction) -> EnrichedInteraction:
    """Signals from an earlier Enrich call, as the core reads them (entities are dropped: never stored)."""
    return EnrichedInteraction(
        interaction_id=msg.interaction_id,
        language=LanguageInfo(msg.language.code, msg.language.confidence, msg.language.source, msg.language.supported),
        sentiment=_sentiment(msg.sentiment) if msg.HasField("sentiment") else None,
        sentences=tuple(
            SentenceSentiment(
                TextSpan(
                    CONTENT_PART_FROM_PROTO.get(s.span.part, ContentPart.TEXT), s.span.index, s.span.start, s.span.end
                ),
                _sentiment(s.sentiment),
            )
            for s in msg.sentences
        ),
        turns=tuple(
            TurnSignals(
                t.turn_index,
                ROLE_FROM_PROTO[t.role],
                t.speaker_id,
                _sentiment(t.sentiment) if t.HasField("sentiment") else None,
                _intent(t.intent) if t.HasField("intent") else None,
            )
            for t in msg.turns
        ),
        trend=SentimentTrend(_sentiment(msg.trend.opening), _sentiment(msg.trend.closing), msg.trend.shift)
        if msg.HasField("trend")
        else None,
        intent=_intent(msg.intent) if msg.HasField("intent") else None,
        topics=tuple(
            TopicAssignment(t.topic_id, t.label, tuple(t.keywords), t.probability, _model(t.model)) for t in msg.topics
        ),
        models=tuple(_model(m) for m in msg.models),
        warnings=tuple(msg.warnings),
    )


# --- responses ----------------------------------------------------------------------------------


def redaction_to_proto(r: Redaction) -> jr_pb.Redaction:
    span = sig_pb.TextSpan(part=CONTENT_PART_TO_PROTO[r.part], index=r.index, start=r.start, end=r.end)
    return jr_pb.Redaction(kind=r.kind, placeholder=r.placeholder, span=span)


def signals_to_proto(s: TouchpointSignals) -> jr_pb.TouchpointSignals:
    msg = jr_pb.TouchpointSignals(
        customer_turns=s.customer_turns,
        corrections=s.corrections,
        agent_turns=s.agent_turns,
        agent_failures=s.agent_failures,
        intent=s.intent,
        intent_taxonomy=s.intent_taxonomy,
        intent_confidence=s.intent_confidence,
        topics=list(s.topics),
        models=list(s.models),
        intent_category=s.intent_category,
        customer_intents=[
            jr_pb.CustomerIntent(
                part=CONTENT_PART_TO_PROTO[c.part],
                index=c.index,
                sentence=c.sentence,
                label=c.label,
                category=c.category,
                confidence=c.confidence,
            )
            for c in s.customer_intents
        ],
    )
    if s.sentiment_label:
        msg.sentiment_label = SENTIMENT_LABEL_TO_PROTO[SentimentLabel(s.sentiment_label)]
    for name in ("sentiment", "sentiment_shift", "sentiment_low", "rating", "satisfaction"):
        value = getattr(s, name)
        if value is not None:
            setattr(msg, name, value)
    return msg


def record_response_to_proto(
    results: Sequence[RecordResult], alerts: Sequence[Alert]
) -> jr_pb.RecordTouchpointsResponse:
    return jr_pb.RecordTouchpointsResponse(
        results=[
            jr_pb.RecordResult(
                touchpoint_id=r.touchpoint_id,
                status=STATUS_TO_PROTO[r.status],
                redactions=[redaction_to_proto(x) for x in r.redactions],
                signals=signals_to_proto(r.signals),
                warnings=list(r.warnings),
            )
            for r in results
        ],
        stored=sum(r.status == RecordStatus.STORED for r in results),
        duplicates=sum(r.status == RecordStatus.DUPLICATE for r in results),
        alerts=[alert_to_proto(a) for a in alerts],
    )


def attributes_to_proto(a: TouchpointAttributes) -> jr_pb.TouchpointAttributes:
    msg = jr_pb.TouchpointAttributes(ivr_path=list(a.ivr_path), page=a.page, extra=dict(a.extra))
    for name in ("hold_seconds", "handle_seconds", "rating", "rating_min", "rating_max"):
        value = getattr(a, name)
        if value is not None:
            setattr(msg, name, value)
    return msg


def stored_to_proto(tp: StoredTouchpoint) -> jr_pb.StoredTouchpoint:
    return jr_pb.StoredTouchpoint(
        id=tp.id,
        customer_id=tp.customer_id,
        journey_id=tp.journey_id,
        channel=CHANNEL_TO_PROTO[tp.channel],
        occurred_at=timestamp(tp.occurred_at),
        recorded_at=timestamp(tp.recorded_at),
        stage=tp.stage,
        outcome=OUTCOME_TO_PROTO[tp.outcome],
        attributes=attributes_to_proto(tp.attributes),
        signals=signals_to_proto(tp.signals),
        parts=[
            jr_pb.RedactedPart(
                part=CONTENT_PART_TO_PROTO[p.part], index=p.index, role=ROLE_TO_PROTO[p.role], text=p.text
            )
            for p in tp.parts
        ],
        redactions=[redaction_to_proto(r) for r in tp.redactions],
    )


def score_to_proto(s: ExperienceScore) -> jr_pb.GetCustomerScoreResponse:
    return jr_pb.GetCustomerScoreResponse(
        customer_id=s.customer_id,
        journey_id=s.journey_id,
        as_of=timestamp(s.as_of),
        score=s.score,
        low=s.low,
        high=s.high,
        touchpoint_count=s.touchpoint_count,
        evidence_count=s.evidence_count,
        drivers=[
            jr_pb.Driver(dimension=d.dimension, key=d.key, points=d.points, evidence_count=d.evidence_count)
            for d in s.drivers
        ],
        trend=[jr_pb.ScorePoint(at=timestamp(p.at), score=p.score, low=p.low, high=p.high) for p in s.trend],
        half_life_days=s.half_life_days,
    )


def alert_to_proto(a: Alert) -> jr_pb.Alert:
    return jr_pb.Alert(
        id=a.id,
        rule=ALERT_RULE_TO_PROTO[a.rule],
        customer_id=a.customer_id,
        journey_id=a.journey_id,
        raised_at=timestamp(a.raised_at),
        occurred_at=timestamp(a.occurred_at),
        message=a.message,
        touchpoint_ids=list(a.touchpoint_ids),
        details=dict(a.details),
    )


def friction_to_proto(report: FrictionReport) -> jr_pb.AnalyzeFrictionResponse:
    return jr_pb.AnalyzeFrictionResponse(
        customers=report.customers,
        touchpoints=report.touchpoints,
        events=dict(report.events),
        factors=[
            jr_pb.FrictionFactor(
                dimension=f.dimension,
                key=f.key,
                effect=f.effect,
                customers=f.customers,
                touchpoints=f.touchpoints,
                event_rate=f.event_rate,
                baseline_rate=f.baseline_rate,
                mean_score_change=f.mean_score_change,
                impact=f.impact,
                p_value=f.p_value,
                significant=f.significant,
            )
            for f in report.factors
        ],
        tests=report.tests,
    )
