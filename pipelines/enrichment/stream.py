"""Live conversations: turns arrive one at a time; each gets its signals and a running summary.

The summary after the last turn equals what ``Enricher.enrich`` returns for the
whole transcript, because both roll up the same per-part analyses (conversation
metrics included). A turn's aspects read the topic keywords of the call so far.
"""

from __future__ import annotations

from dataclasses import replace

from pipelines.enrichment.aspects import summarize_aspects
from pipelines.enrichment.domain import (
    ContentPart,
    EnrichOptions,
    SentenceSentiment,
    SignalKind,
    StreamStart,
    Turn,
    TurnUpdate,
)
from pipelines.enrichment.enricher import Enricher
from pipelines.enrichment.intent import IntentStage
from pipelines.enrichment.prepared import PartAnalysis
from pipelines.enrichment.segment import Part
from pipelines.enrichment.topics import TopicStage


class ConversationSession:
    """State of one live conversation. Not thread-safe: one session per stream."""

    def __init__(self, *, enricher: Enricher, start: StreamStart) -> None:
        self.enricher = enricher
        self.start = start
        self.options: EnrichOptions = start.options
        # Resolve the sentiment model, taxonomy and topic model now so an unknown name fails the stream before any turn.
        self.stages = enricher.stages_for(start.options, prefix="start.options")
        if SignalKind.ASPECTS in self.options.signals:
            enricher.aspect_stage()  # a missing aspect model fails the stream before any turn
        self.parts: list[PartAnalysis] = []
        self.turns: list[Turn] = []

    @property
    def turn_count(self) -> int:
        return len(self.parts)

    @property
    def intent(self) -> IntentStage | None:
        return self.stages.intent

    @property
    def topics(self) -> TopicStage | None:
        return self.stages.topics

    def add_turn(self, turn: Turn) -> TurnUpdate:
        index = len(self.parts)
        pa = PartAnalysis(Part(ContentPart.TURN, index, turn.text, turn.role, turn.speaker_id))
        warnings: list[str] = []
        language = self.enricher.language.detect(turn.text, self.start.language)
        if language.supported:
            self.enricher.analyze(
                [pa], self.options.signals, sentiment=self.stages.sentiment, one_by_one=bool(self.options.pin_models)
            )
        else:
            warnings.append(f"turn {index}: language {language.code!r} is not supported; turn not scored")
        self.parts.append(pa)
        self.turns.append(turn)
        summary = self.enricher.summarize(self.parts, self.options, self.stages, transcript=True)
        if SignalKind.ASPECTS in self.options.signals and language.supported:
            self.enricher.score_aspects(pa, [k for t in summary.topics for k in t.keywords])
        summary = replace(
            summary,
            conversation=self.enricher.conversation_of(self.turns, self.options),
            aspect_summary=summarize_aspects([a for p in self.parts for a in p.aspects]),
        )
        sentences: tuple[SentenceSentiment, ...] = ()
        if SignalKind.SENTIMENT in self.options.signals:
            sentences = tuple(
                SentenceSentiment(span, self.stages.sentiment.from_proba(p))
                for (span, _), p in zip(pa.sentences, pa.sentence_proba, strict=True)
            )
        return TurnUpdate(
            turn=self.enricher.turn_signals(pa, self.options, self.stages),
            sentences=sentences,
            entities=tuple(pa.entities),
            summary=summary,
            warnings=tuple(warnings),
            aspects=tuple(pa.aspects),
        )
