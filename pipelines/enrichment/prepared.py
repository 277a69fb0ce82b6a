"""What the enricher carries between its steps: a call's heads, each part's analysis and plan, a prepared batch."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from pipelines.enrichment.aspects import Candidate
from pipelines.enrichment.domain import AspectSentiment, EnrichOptions, Entity, Interaction, LanguageInfo, TextSpan
from pipelines.enrichment.intent import IntentStage
from pipelines.enrichment.segment import Part
from pipelines.enrichment.sentiment import SentimentStage, word_weight
from pipelines.enrichment.topics import TopicStage


class Stages(NamedTuple):
    """The heads one call uses (``Enricher.stages_for``); intent and topics only when the call asks for them."""

    sentiment: SentimentStage
    intent: IntentStage | None
    topics: TopicStage | None


@dataclass
class PartAnalysis:
    """Everything computed for one part; documents and roles are pooled from these."""

    part: Part
    sentences: list[tuple[TextSpan, str]] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    sentence_rows: list[int] = field(default_factory=list)
    embedding: np.ndarray | None = None
    sentiment_proba: np.ndarray | None = None
    sentence_proba: list[np.ndarray] = field(default_factory=list)
    # Customer turns of a transcript: satisfaction read with the preceding agent turn (``rollup.score_satisfaction``).
    satisfaction_proba: np.ndarray | None = None
    # Noun-chunk aspect candidates from the parse (only when aspects are asked for), then their scores.
    aspect_candidates: list[Candidate] = field(default_factory=list)
    aspects: list[AspectSentiment] = field(default_factory=list)

    @property
    def weight(self) -> float:
        return word_weight(self.part.text)


@dataclass
class Plan:
    """One interaction after ``Enricher.plan``: its detected language and its parts, not yet parsed."""

    interaction: Interaction
    language: LanguageInfo
    parts: list[PartAnalysis]


@dataclass
class Prepared:
    """A batch after ``Enricher.prepare`` (segmented, language-checked, parsed), ready for ``finish``."""

    options: EnrichOptions
    stages: Stages
    plans: list[Plan]
    # Embeddings made ahead of the parse (``Enricher.encode_ahead``), by text; ``finish`` encodes the rest.
    encoded: dict[str, np.ndarray] = field(default_factory=dict)
    began: float = field(default_factory=time.perf_counter)  # when ``plan`` made it (for latency metrics)

    @property
    def parts(self) -> list[PartAnalysis]:
        """The parts that get text signals (those of interactions in a supported language)."""
        return [p for plan in self.plans if plan.language.supported for p in plan.parts]
