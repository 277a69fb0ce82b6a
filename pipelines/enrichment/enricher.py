"""Enrichment: the recipe that turns interactions into signals.

    prepare:  plan (segment -> detect language) -> parse (spaCy)
              [encode_ahead: the parts' whole texts, beside the parse; the server does this]
    finish:   encode (one pass per unique text not encoded ahead) -> heads (sentiment, intent, topics)
              -> roll up -> aspects (on request: their own pass per sentence) -> conversation metrics
              -> EnrichedInteraction

Every distinct sentence and every multi-sentence part is encoded exactly once
per call, and every head reads those embeddings; documents and speaker roles
are pooled from their parts, so they cost no extra pass.

The two halves touch different models (spaCy, then the encoder and heads), so a batch's
``prepare`` may run beside another batch's ``finish``: spaCy is single-threaded and would
leave a core idle while it parses. ``enrich_batches`` does that for a stream of batches.

The steps live beside this module: ``prepared`` (what a batch carries between them), ``encoding``
(the encoder pass and the sentiment head), ``rollup`` (parts pooled into turn, role and document
signals) and ``pins`` (the model versions a replayed request pins).

The heads a call uses (``Stages``: sentiment, intent, topics) are resolved once per call from its options
(``stages_for``) and travel with the batch: a request may name its own sentiment model, taxonomy and topic
model, each loaded once and cached here by model id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from models.encoder import Encoder
from models.registry import ModelRegistry
from pipelines.enrichment import rollup
from pipelines.enrichment.aspects import AspectStage, keyword_candidates, summarize_aspects
from pipelines.enrichment.conversation import ConversationConfig, conversation_metrics
from pipelines.enrichment.domain import (
    AspectSentiment,
    ConversationMetrics,
    ConversationSummary,
    EnrichedInteraction,
    EnrichOptions,
    Interaction,
    ModelRef,
    SentenceSentiment,
    SignalKind,
    SpeakerRole,
    TextSpan,
    Transcript,
    Turn,
    TurnSignals,
)
from pipelines.enrichment.encoding import ENCODER_SIGNALS, encode_parts
from pipelines.enrichment.entities import entities_from
from pipelines.enrichment.intent import IntentStage
from pipelines.enrichment.language import LanguageConfig, LanguageDetector
from pipelines.enrichment.parsing import InProcessParser, Parser
from pipelines.enrichment.pins import pinned_models, pinned_name
from pipelines.enrichment.pipelined import pipelined
from pipelines.enrichment.prepared import PartAnalysis, Plan, Prepared, Stages
from pipelines.enrichment.satisfaction import SatisfactionStage
from pipelines.enrichment.segment import parts_of
from pipelines.enrichment.sentiment import SentimentConfig, SentimentStage
from pipelines.enrichment.topics import TopicStage


class EnrichConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    sentiment: SentimentConfig = Field(default_factory=SentimentConfig)
    # The sentiment model of calls that name none ("" = the built-in default, sentiment.v4). "permissive" picks the
    # model trained without research-use data, for deployments whose data policy forbids it.
    sentiment_model: str = ""
    language: LanguageConfig = Field(default_factory=LanguageConfig)
    conversation: ConversationConfig = Field(default_factory=ConversationConfig)
    # A multi-sentence part longer than this (characters) is represented by the mean of its
    # sentences' embeddings instead of its own pass (the encoder truncates at 256 tokens).
    max_part_chars: int = 1000
    # spaCy batch size for parsing parts; the parser process also parses batches queued behind one another
    # together, up to this many texts (the server's one-text callers make many small batches).
    parse_batch_size: int = 64
    # Run spaCy in a child process (pipelines/enrichment/parsing.py), so a batch's parse overlaps the previous batch's
    # encoder pass on another core. Off on one-core hosts, where there is nothing to overlap with.
    parse_in_subprocess: bool = True
    # Estimate the customer's satisfaction in calls and chats with the bundled satisfaction head. Its training
    # ratings (USS) are research-use data: a deployment whose data policy forbids them sets this to false.
    satisfaction: bool = True


class Enricher:
    """Runs every signal off one shared encoder pass. Transport-free; safe to share across threads
    only if calls are serialised (the service holds one lock per enricher)."""

    def __init__(
        self,
        *,
        encoder: Encoder,
        registry: ModelRegistry,
        nlp: Any,
        nlp_model: ModelRef,
        language: LanguageDetector | None = None,
        config: EnrichConfig | None = None,
        parser: Parser | None = None,
    ) -> None:
        self.config = config or EnrichConfig()
        self.encoder = encoder
        self.registry = registry
        self.nlp = nlp  # this process's pipeline (PII redaction uses it too)
        self.nlp_model = nlp_model
        # Where the parse runs: ``nlp`` here, or the same pipeline in a child process (pipelines/enrichment/parsing.py).
        self.parser: Parser = parser or InProcessParser(nlp, batch_size=self.config.parse_batch_size)
        self.language = language or LanguageDetector(config=self.config.language)
        self.encoder_model = ModelRef(encoder.name, encoder.version)
        self.encoder_backend: str | None = getattr(encoder, "backend", None)  # torch, onnx, onnx-int8
        self._sentiment_stages: dict[str, SentimentStage] = {}
        # The default sentiment model; a request may name another (``EnrichOptions.sentiment_model``).
        self.sentiment: SentimentStage = self.sentiment_stage(
            self.config.sentiment_model or None, field="enrich.sentiment_model"
        )
        self._intent_stages: dict[str, IntentStage] = {}
        self._topic_stages: dict[str, TopicStage] = {}
        self.topics: TopicStage = self.topic_stage(None)
        # Loaded on the first request that asks for aspects: the model is a second transformer.
        self._aspects: AspectStage | None = None
        # Reads customer turns beside the agent turn before them; None where the registry has no satisfaction model.
        self.satisfaction: SatisfactionStage | None = self._satisfaction_stage()

    # --- lookups -------------------------------------------------------------------------------

    def sentiment_stage(self, name: str | None, *, field: str = "options.sentiment_model") -> SentimentStage:
        """The stage for a sentiment model name (None: the default); NotFoundError names the valid ones.

        A user head (``journeymine train sentiment``) must have been trained on the running encoder: the
        registry refuses another one with ModelNotLoadedError.
        """
        spec = self.registry.resolve("sentiment", name, field=field)
        if spec.id not in self._sentiment_stages:
            self._sentiment_stages[spec.id] = SentimentStage(
                head=self.registry.load(spec.id), config=self.config.sentiment
            )
        return self._sentiment_stages[spec.id]

    def _satisfaction_stage(self) -> SatisfactionStage | None:
        if not self.config.satisfaction or not self.registry.of_kind("satisfaction"):
            return None
        return SatisfactionStage(head=self.registry.load(self.registry.resolve("satisfaction", None).id))

    def intent_stage(self, taxonomy: str | None, *, field: str = "options.intent_taxonomy") -> IntentStage:
        """The stage for a taxonomy name (None: the default); NotFoundError names the valid ones."""
        spec = self.registry.resolve("intent", taxonomy, field=field)
        if spec.id not in self._intent_stages:
            self._intent_stages[spec.id] = IntentStage(
                head=self.registry.load(spec.id), taxonomy=spec.short_name, backend=self.encoder_backend
            )
        return self._intent_stages[spec.id]

    def topic_stage(self, name: str | None, *, field: str = "options.topic_model") -> TopicStage:
        """The stage for a topic model name (None: the default); NotFoundError names the valid ones."""
        spec = self.registry.resolve("topics", name, field=field)
        if spec.id not in self._topic_stages:
            self._topic_stages[spec.id] = TopicStage(model=self.registry.load(spec.id))
        return self._topic_stages[spec.id]

    def aspect_stage(self) -> AspectStage:
        """The aspect-sentiment stage (the registry's default aspect model), loaded on first use."""
        if self._aspects is None:
            self._aspects = AspectStage(model=self.registry.load(self.registry.resolve("aspect", None).id))
        return self._aspects

    def stages_for(self, options: EnrichOptions, *, prefix: str = "options") -> Stages:
        """The sentiment, intent and topic stages ``options`` ask for; a named one resolves even if its signal is off.

        Pinned ids (``options.pin_models``) are checked first: a pinned sentiment, intent or topic model is the
        one used.
        """
        pins = pinned_models(self.registry, self.loaded_refs(), options.pin_models, prefix=prefix)
        sentiment_model = pinned_name(pins, "sentiment", options.sentiment_model, f"{prefix}.sentiment_model")
        taxonomy = pinned_name(pins, "intent", options.intent_taxonomy, f"{prefix}.intent_taxonomy")
        topic_model = pinned_name(pins, "topics", options.topic_model, f"{prefix}.topic_model")
        # Unlike intent and topics, there is always a sentiment stage: encode_parts runs it whenever the encoder runs.
        sentiment = (
            self.sentiment_stage(sentiment_model, field=f"{prefix}.sentiment_model")
            if sentiment_model
            else self.sentiment
        )
        named_intent = self.intent_stage(taxonomy, field=f"{prefix}.intent_taxonomy") if taxonomy else None
        named_topics = self.topic_stage(topic_model, field=f"{prefix}.topic_model") if topic_model else None
        intent = (named_intent or self.intent_stage(None)) if SignalKind.INTENT in options.signals else None
        topics = (named_topics or self.topics) if SignalKind.TOPICS in options.signals else None
        return Stages(sentiment, intent, topics)

    # --- the recipe ----------------------------------------------------------------------------

    def enrich(
        self, interactions: Sequence[Interaction], options: EnrichOptions | None = None
    ) -> list[EnrichedInteraction]:
        """One result per interaction, in order; batched output equals one-at-a-time output."""
        return self.finish(self.prepare(interactions, options))

    def prepare(self, interactions: Sequence[Interaction], options: EnrichOptions | None = None) -> Prepared:
        """The first half of ``enrich``: segment, detect the language, parse. Uses spaCy, never the encoder."""
        return self.parse(self.plan(interactions, options))

    def plan(self, interactions: Sequence[Interaction], options: EnrichOptions | None = None) -> Prepared:
        """``prepare`` before the parse: segment and detect the language. Uses no model."""
        options = options or EnrichOptions()
        # A named model is resolved even when its signal is off: a typo must not pass silently.
        stages = self.stages_for(options)
        return Prepared(options, stages, [self._plan(interaction) for interaction in interactions])

    def parse(self, prepared: Prepared) -> Prepared:
        """``prepare``'s spaCy parse of a planned batch, in place."""
        return self.send_parse(prepared)()

    def send_parse(self, prepared: Prepared) -> Callable[[], Prepared]:
        """``parse`` in two steps: send the batch to the parser now; the function returned waits for its parse
        and fills the parts in. The micro-batcher sends the next batch before it waits for this one."""
        signals = prepared.options.signals
        parsed = self._send_parse(
            prepared.parts, with_entities=SignalKind.ENTITIES in signals, with_aspects=SignalKind.ASPECTS in signals
        )

        def wait() -> Prepared:
            parsed()
            return prepared

        return wait

    def encode_ahead(self, prepared: Prepared) -> None:
        """Encode, before or beside the parse, the part texts ``finish`` would encode whatever the parse says.

        A part of at most ``max_part_chars`` is encoded whole, and a one-sentence part's sentence is that
        text, so for short texts this is the whole encoder pass and ``finish`` only adds the sentences of
        longer parts. Uses the encoder, never spaCy: a planned batch may be parsed at the same time. Skipped
        for pinned (replayed) requests, which encode text by text.
        """
        options = prepared.options
        if options.pin_models or not options.signals & ENCODER_SIGNALS:
            return
        wholes = {pa.part.text.strip() for pa in prepared.parts} - prepared.encoded.keys()
        texts = sorted(t for t in wholes if t and len(t) <= self.config.max_part_chars)
        if texts:
            prepared.encoded.update(zip(texts, self.encoder.encode(texts), strict=True))

    def finish(self, prepared: Prepared) -> list[EnrichedInteraction]:
        """The second half of ``enrich``: one encoder pass, the heads, the roll-ups. Never uses spaCy."""
        options, stages = prepared.options, prepared.stages
        self._encode(
            prepared.parts,
            options.signals,
            sentiment=stages.sentiment,
            one_by_one=bool(options.pin_models),
            ahead=prepared.encoded,
        )
        if SignalKind.ASPECTS in options.signals:
            self.aspect_stage()  # a missing aspect model fails the call before any work is assembled
        return [self._assemble(plan, options, stages) for plan in prepared.plans]

    def enrich_batches(
        self, batches: Iterable[Sequence[Interaction]], options: EnrichOptions | None = None
    ) -> Iterator[list[EnrichedInteraction]]:
        """``enrich`` of each batch, in order, with the next batch's ``prepare`` overlapping this one's ``finish``.

        ``batches`` is consumed one ahead, in a helper thread. Not for use beside other calls on this Enricher.
        """
        yield from pipelined(batches, lambda batch: self.prepare(batch, options), self.finish)

    def _plan(self, interaction: Interaction) -> Plan:
        parts = parts_of(interaction)
        text = " ".join(p.text for p in parts)
        language = self.language.detect(text, interaction.language)
        return Plan(interaction, language, [PartAnalysis(p) for p in parts])

    def analyze(
        self,
        parts: Sequence[PartAnalysis],
        signals: frozenset[SignalKind],
        *,
        sentiment: SentimentStage,
        one_by_one: bool = False,
    ) -> None:
        """Parse, encode and score parts in place, in one batch: one encoder pass per unique text."""
        self._parse(parts, with_entities=SignalKind.ENTITIES in signals, with_aspects=SignalKind.ASPECTS in signals)
        self._encode(parts, signals, sentiment=sentiment, one_by_one=one_by_one)

    def _encode(
        self,
        parts: Sequence[PartAnalysis],
        signals: frozenset[SignalKind],
        *,
        sentiment: SentimentStage,
        one_by_one: bool = False,
        ahead: dict[str, np.ndarray] | None = None,
    ) -> None:
        """``encode_parts`` with this enricher's encoder and ``max_part_chars`` and the call's sentiment head."""
        encode_parts(
            parts,
            signals,
            encoder=self.encoder,
            sentiment=sentiment,
            max_part_chars=self.config.max_part_chars,
            one_by_one=one_by_one,
            ahead=ahead,
        )

    def _parse(self, parts: Sequence[PartAnalysis], *, with_entities: bool, with_aspects: bool = False) -> None:
        self._send_parse(parts, with_entities=with_entities, with_aspects=with_aspects)()

    def _send_parse(
        self, parts: Sequence[PartAnalysis], *, with_entities: bool, with_aspects: bool = False
    ) -> Callable[[], None]:
        """Send the parts' texts to the parser; the function returned waits for the parse and fills the parts in."""
        if not parts:
            return lambda: None
        texts = [pa.part.text for pa in parts]
        pending = self.parser.submit(texts, with_entities=with_entities, with_aspects=with_aspects)

        def fill() -> None:
            for pa, result in zip(parts, pending.result(), strict=True):
                part, text = pa.part, pa.part.text
                pa.sentences = [(TextSpan(part.part, part.index, s, e), text[s:e]) for s, e in result.sentences]
                if not pa.sentences:  # whitespace-only parts are filtered earlier; keep one span regardless
                    pa.sentences = [(TextSpan(part.part, part.index, 0, len(text)), text.strip())]
                pa.entities = entities_from(list(result.entities), part, self.nlp_model)
                pa.aspect_candidates = list(result.aspects)

        return fill

    def close(self) -> None:
        """Stop the parser process, if there is one."""
        self.parser.close()

    # --- roll-ups ------------------------------------------------------------------------------

    def _assemble(self, plan: Plan, options: EnrichOptions, stages: Stages) -> EnrichedInteraction:
        interaction, parts = plan.interaction, plan.parts
        warnings: list[str] = []
        if not plan.language.supported:
            warnings.append(
                f"language {plan.language.code!r} is not supported (supported: "
                f"{', '.join(self.config.language.supported)}); text signals were not computed"
            )
            return EnrichedInteraction(
                interaction.id,
                plan.language,
                warnings=tuple(warnings),
                conversation=self.conversation(interaction, options),
            )
        signals = options.signals
        is_transcript = isinstance(interaction.content, Transcript)
        customer = [pa for pa in parts if pa.part.role == SpeakerRole.CUSTOMER]
        if not customer:
            warnings.append("no customer words: document sentiment, intent and topics were not computed")
        summary = self.summarize(parts, options, stages, transcript=is_transcript)
        sentences: tuple[SentenceSentiment, ...] = ()
        turns: tuple[TurnSignals, ...] = ()
        if SignalKind.SENTIMENT in signals:
            sentences = tuple(
                SentenceSentiment(span, stages.sentiment.from_proba(p))
                for pa in parts
                for (span, _), p in zip(pa.sentences, pa.sentence_proba, strict=True)
            )
        if is_transcript:
            turns = tuple(self.turn_signals(pa, options, stages) for pa in parts)
        entities = tuple(e for pa in parts for e in pa.entities) if SignalKind.ENTITIES in signals else ()
        aspects: tuple[AspectSentiment, ...] = ()
        if SignalKind.ASPECTS in signals:
            keywords = [k for t in summary.topics for k in t.keywords]
            aspects = tuple(a for pa in parts for a in self.score_aspects(pa, keywords))
        models = self._models_used(options, stages, encoded=bool(parts), satisfied=summary.satisfaction is not None)
        return EnrichedInteraction(
            interaction_id=interaction.id,
            language=plan.language,
            sentiment=summary.customer_sentiment,
            satisfaction=summary.satisfaction,
            sentences=sentences,
            turns=turns,
            roles=summary.roles if is_transcript else (),
            trend=summary.trend,
            intent=summary.intent,
            topics=summary.topics,
            entities=entities,
            models=models,
            warnings=tuple(warnings),
            conversation=self.conversation(interaction, options),
            aspects=aspects,
            aspect_summary=summarize_aspects(aspects),
        )

    def conversation(self, interaction: Interaction, options: EnrichOptions) -> ConversationMetrics | None:
        """Conversation metrics of a transcript (None for other content)."""
        if not isinstance(interaction.content, Transcript):
            return None
        return self.conversation_of(interaction.content.turns, options)

    def conversation_of(self, turns: Sequence[Turn], options: EnrichOptions) -> ConversationMetrics:
        """Conversation metrics of ``turns`` with the options' silence threshold."""
        return conversation_metrics(
            turns, silence_threshold_ms=options.silence_threshold_ms, config=self.config.conversation
        )

    def score_aspects(self, pa: PartAnalysis, keywords: Sequence[str] = ()) -> list[AspectSentiment]:
        """The part's aspects (noun chunks, and ``keywords`` where they occur) with their polarity; kept on ``pa``."""
        candidates = [*pa.aspect_candidates, *keyword_candidates(pa.part.text, keywords, pa.aspect_candidates)]
        pa.aspects = self.aspect_stage().score(
            pa.sentences, candidates, role=pa.part.role, speaker_id=pa.part.speaker_id
        )
        return pa.aspects

    def turn_signals(self, pa: PartAnalysis, options: EnrichOptions, stages: Stages) -> TurnSignals:
        """``rollup.turn_signals`` with the call's sentiment and intent heads and the satisfaction head."""
        return rollup.turn_signals(
            pa, options, stages.intent, sentiment=stages.sentiment, satisfaction=self.satisfaction
        )

    def summarize(
        self, parts: Sequence[PartAnalysis], options: EnrichOptions, stages: Stages, *, transcript: bool
    ) -> ConversationSummary:
        """``rollup.summarize`` with the call's heads: customer, role, trend, satisfaction, intent, topics."""
        return rollup.summarize(
            parts,
            options,
            stages.intent,
            stages.topics,
            sentiment=stages.sentiment,
            transcript=transcript,
            satisfaction=self.satisfaction,
        )

    def _models_used(
        self, options: EnrichOptions, stages: Stages, *, encoded: bool, satisfied: bool = False
    ) -> tuple[ModelRef, ...]:
        # spaCy segments every part, so its model always contributes.
        refs = [self.nlp_model]
        signals = options.signals
        if encoded and signals & ENCODER_SIGNALS:
            refs.append(self.encoder_model)
        if SignalKind.SENTIMENT in signals:
            refs.append(stages.sentiment.model)
            if satisfied and self.satisfaction is not None:
                refs.append(self.satisfaction.model)
        if stages.intent is not None:
            refs.append(stages.intent.model)
        if stages.topics is not None:
            refs.append(stages.topics.model)
        if SignalKind.ASPECTS in signals and self._aspects is not None:
            refs.append(self._aspects.model)
        return tuple(refs)

    def loaded_refs(self) -> list[ModelRef]:
        """Models every enrich call uses at one fixed version (pinning can only confirm them).

        Sentiment, intent and topic models are chosen per call, so a pin of one of those picks it instead
        (``pins.pinned_models``).
        """
        refs = [self.nlp_model, self.encoder_model]
        if self.satisfaction is not None:
            refs.append(self.satisfaction.model)
        if self._aspects is not None:
            refs.append(self._aspects.model)
        return refs
