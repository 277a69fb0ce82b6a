"""Journeys: record touchpoints, read journey maps, score customers, raise and list alerts.

``record`` reads as the recipe it is:

    drop ids already stored -> enrich what carries text (unless signals came with it)
        -> read the customer's sentences (their intents, one embedding; with a reader)
        -> summarise signals -> redact the text -> store, in one transaction with
           the alerts the new touchpoints raise and the customers' new scores

The raw text never reaches the store: only the redacted parts and the redaction spans.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Connection

from pipelines.enrichment.domain import (
    ContentPart,
    EnrichedInteraction,
    EnrichOptions,
    Interaction,
    SignalKind,
    SpeakerRole,
    Survey,
    Transcript,
)
from pipelines.journeys import alerts as alert_rules
from pipelines.journeys.customer_text import Piece, Reading
from pipelines.journeys.domain import (
    Alert,
    AlertRule,
    CustomerIntent,
    ExperienceScore,
    NewAlert,
    RecordResult,
    RecordStatus,
    RedactedPart,
    Redaction,
    StoredTouchpoint,
    Touchpoint,
    TouchpointAttributes,
    TouchpointSignals,
)
from pipelines.journeys.effort import agent_failures, corrections
from pipelines.journeys.friction import FrictionConfig, FrictionReport, analyze_friction
from pipelines.journeys.pii import Redactor
from pipelines.journeys.rows import pack_embedding, to_ms, unpack_embedding
from pipelines.journeys.scoring import (
    ScoreState,
    ScoringConfig,
    add_to_state,
    evidence_of,
    experience_score,
    score_from_state,
    score_of,
    state_of,
    state_usable,
)
from pipelines.journeys.store import JourneyStore
from pipelines.topics.trends import TopicEvent, emerging

# Everything but entities: entities are not stored (they would carry raw names and numbers).
RECORD_SIGNALS = frozenset({SignalKind.SENTIMENT, SignalKind.INTENT, SignalKind.TOPICS})

Enrich = Callable[[list[Interaction], EnrichOptions], list[EnrichedInteraction]]
# (taxonomy, the customer's sentences) per touchpoint -> one Reading each (customer_text.CustomerTextReader.read).
ReadCustomerText = Callable[[Sequence[tuple[str | None, Sequence[Piece]]]], list[Reading]]


class JourneyConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # SQLAlchemy URL; None: the embedded SQLite file <data_dir>/journeys.db.
    url: str | None = None
    scoring: ScoringConfig = Field(default_factory=ScoringConfig)
    alerts: alert_rules.AlertConfig = Field(default_factory=alert_rules.AlertConfig)
    # A score reads at most this many of the customer's newest touchpoints.
    max_history: int = Field(default=1000, ge=1)
    friction: FrictionConfig = Field(default_factory=FrictionConfig)
    # How often WatchAlerts looks for alerts other replicas stored (seconds).
    watch_poll_seconds: float = Field(default=0.5, gt=0)


@dataclass(frozen=True)
class RecordedBatch:
    results: tuple[RecordResult, ...]  # one per input touchpoint, in order
    alerts: tuple[Alert, ...]  # raised by the touchpoints this call stored


class Journeys:
    """The journey core: transport-free; thread-safe (model work runs under ``model_lock``)."""

    def __init__(
        self,
        *,
        store: JourneyStore,
        enrich: Enrich | None,
        redactor: Redactor,
        config: JourneyConfig | None = None,
        model_lock: AbstractContextManager[Any] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        read_customer_text: ReadCustomerText | None = None,
    ) -> None:
        """``read_customer_text`` (CustomerTextReader.of(enricher).read) gives the alert rules sentence intents
        and embeddings; without it they read the enricher's turn and document intents only."""
        self.store = store
        self.enrich = enrich
        self.read_customer_text = read_customer_text
        self.redactor = redactor
        self.config = config or JourneyConfig()
        self.model_lock = model_lock or nullcontext()
        self.clock = clock
        self._alerted = threading.Condition()

    # --- RecordTouchpoints -----------------------------------------------------------------------

    def record(self, touchpoints: Sequence[Touchpoint], options: EnrichOptions | None = None) -> RecordedBatch:
        """Store the batch once: ids already stored come back DUPLICATE and are left as they were."""
        options = options or EnrichOptions(signals=RECORD_SIGNALS)
        already = self.store.existing_ids([tp.id for tp in touchpoints])
        seen: set[str] = set()
        fresh = []
        for tp in touchpoints:
            if tp.id not in already and tp.id not in seen:
                fresh.append(tp)
                seen.add(tp.id)
        enriched = self._enrich(fresh, options)
        readings = self._read(fresh, enriched, options)
        now = self.clock()
        stored_items = self._stored_form(fresh, enriched, readings, now)
        result = self.store.write(stored_items, after_insert=self._after_insert(stored_items), now=now)
        if result.alerts:
            with self._alerted:
                self._alerted.notify_all()
        by_id = {item.id: item for item in stored_items}
        out = []
        for tp in touchpoints:
            item = by_id.get(tp.id)
            # Stored by a concurrent call between our check and our insert: still a duplicate for us.
            if item is None or item.id not in result.stored_ids:
                out.append(RecordResult(tp.id, RecordStatus.DUPLICATE))
                continue
            by_id.pop(tp.id)  # a repeated id later in the same batch is a duplicate of this one
            warnings = enriched[tp.id].warnings if tp.id in enriched else ()
            out.append(RecordResult(tp.id, RecordStatus.STORED, item.redactions, item.signals, warnings))
        return RecordedBatch(tuple(out), result.alerts)

    def _enrich(self, fresh: Sequence[Touchpoint], options: EnrichOptions) -> dict[str, EnrichedInteraction]:
        to_enrich = [tp for tp in fresh if tp.interaction is not None and tp.signals is None]
        out = {tp.id: tp.signals for tp in fresh if tp.signals is not None}
        if to_enrich:
            if self.enrich is None:
                raise RuntimeError("this Journeys has no enricher: touchpoints with text cannot be recorded")
            interactions = [tp.interaction for tp in to_enrich if tp.interaction is not None]
            with self.model_lock:
                results = self.enrich(interactions, options)
            out.update({tp.id: r for tp, r in zip(to_enrich, results, strict=True)})
        return out

    def _read(
        self, fresh: Sequence[Touchpoint], enriched: dict[str, EnrichedInteraction], options: EnrichOptions
    ) -> dict[str, Reading]:
        """Sentence intents and an embedding of each enriched touchpoint's customer words (empty without a reader).

        A call that asked for no intents gets none from the sentences either, only the embedding.
        """
        if self.read_customer_text is None:
            return {}
        intents = SignalKind.INTENT in options.signals
        docs = []
        for tp in fresh:
            result = enriched.get(tp.id)
            if tp.interaction is None or result is None:
                continue
            taxonomy = result.intent.taxonomy if result.intent is not None else options.intent_taxonomy
            pieces = customer_pieces(tp.interaction, result)
            if not intents:
                pieces = [replace(p, classify=False) for p in pieces]
            docs.append((tp.id, taxonomy, pieces))
        if not docs:
            return {}
        with self.model_lock:
            readings = self.read_customer_text([(taxonomy, pieces) for _, taxonomy, pieces in docs])
        return {tp_id: r for (tp_id, _, _), r in zip(docs, readings, strict=True)}

    def _stored_form(
        self,
        fresh: Sequence[Touchpoint],
        enriched: dict[str, EnrichedInteraction],
        readings: dict[str, Reading],
        now: datetime,
    ) -> list[StoredTouchpoint]:
        # Every caller text of the batch goes through one redact call: the interactions' parts, and the
        # ``page`` and ``extra`` attribute values (redacted the same way, without spans: they are not parts).
        texts: list[tuple[ContentPart, int, str]] = []
        owners: list[tuple[int, SpeakerRole | str | None]] = []  # role of a part; extra key; None for page
        for i, tp in enumerate(fresh):
            if tp.interaction is not None:
                for part, index, role, text in text_fields(tp.interaction):
                    texts.append((part, index, text))
                    owners.append((i, role))
            attributes = [(None, tp.attributes.page), *tp.attributes.extra.items()]
            for key, value in attributes:
                if value:
                    texts.append((ContentPart.TEXT, 0, value))
                    owners.append((i, key))
        redacted = []
        if texts:
            with self.model_lock:  # spaCy NER for names shares the enricher's pipeline
                redacted = self.redactor.redact(texts)
        parts: list[list[RedactedPart]] = [[] for _ in fresh]
        spans: list[list[Redaction]] = [[] for _ in fresh]
        values: list[dict[str | None, str]] = [{} for _ in fresh]
        for (part, index, _), (owner, tag), red in zip(texts, owners, redacted, strict=True):
            if isinstance(tag, SpeakerRole):
                parts[owner].append(RedactedPart(part, index, red.text, tag))
                spans[owner].extend(red.redactions)
            else:
                values[owner][tag] = red.text
        return [
            StoredTouchpoint(
                id=tp.id,
                customer_id=tp.customer_id,
                channel=tp.channel,
                occurred_at=tp.occurred_at,
                recorded_at=now,
                journey_id=tp.journey_id,
                stage=tp.stage,
                outcome=tp.outcome,
                attributes=_with_values(tp.attributes, values[i]),
                signals=(
                    summarise(tp.interaction, enriched[tp.id], readings.get(tp.id))
                    if tp.id in enriched
                    else TouchpointSignals()
                ),
                parts=tuple(parts[i]),
                redactions=tuple(spans[i]),
            )
            for i, tp in enumerate(fresh)
        ]

    def _after_insert(
        self, items: Sequence[StoredTouchpoint]
    ) -> Callable[[Connection, frozenset[str]], tuple[list[NewAlert], dict[str, tuple[float, ScoreState]]]]:
        def derive(
            conn: Connection, stored: frozenset[str]
        ) -> tuple[list[NewAlert], dict[str, tuple[float, ScoreState]]]:
            new = [item for item in items if item.id in stored]
            # A touchpoint dated after "now" (clock skew) still counts for the score it changes.
            as_of = max([self.clock(), *(item.occurred_at for item in new)])
            histories, before, scores = self._rescore(conn, new, as_of)
            after = {c: score for c, (score, _) in scores.items()}
            lookup = (
                (lambda at: self._emerging(at, conn)) if AlertRule.EMERGING_TOPIC in self.config.alerts.rules else None
            )
            raised = alert_rules.evaluate(new, histories, before, after, self.config.alerts, emerging=lookup)
            return raised, scores

        return derive

    def _rescore(
        self, conn: Connection, new: Sequence[StoredTouchpoint], as_of: datetime
    ) -> tuple[dict[str, list[StoredTouchpoint]], dict[str, float], dict[str, tuple[float, ScoreState]]]:
        """(histories the alert rules read, scores before the batch, (score, state) after it) per customer.

        A customer whose new contacts are all at or after the newest one folded into their running
        state reads only the repeat window before the batch (its items depend on nothing older) and
        folds the new items in. Anyone else (first contact, a late arrival, another scoring config)
        is rescored from their whole history.
        """
        cfg = self.config.scoring
        by_customer: dict[str, list[StoredTouchpoint]] = {}
        for item in new:
            by_customer.setdefault(item.customer_id, []).append(item)
        states = self.store.score_states(by_customer, conn=conn)
        fast: list[str] = []
        slow: list[str] = []
        for customer, tps in by_customer.items():
            state = states[customer]
            oldest, newest = min(t.occurred_at for t in tps), max(t.occurred_at for t in tps)
            usable = state is not None and to_ms(oldest) >= state.last_ms and state_usable(state, newest, cfg)
            (fast if usable else slow).append(customer)
        histories: dict[str, list[StoredTouchpoint]] = {}
        before: dict[str, float] = {}
        scores: dict[str, tuple[float, ScoreState]] = {}
        if fast:
            window = timedelta(days=max(cfg.repeat_window_days, self.config.alerts.repeat_window_days))
            start = min(t.occurred_at for c in fast for t in by_customer[c]) - window
            histories.update(self.store.touchpoints(fast, start=start, conn=conn))
            for customer in fast:
                state = states[customer]
                assert state is not None  # fast means usable
                new_ids = {t.id for t in by_customer[customer]}
                folded = [e for e in evidence_of(histories[customer], cfg) if e.touchpoint_id in new_ids]
                newest = max(t.occurred_at for t in by_customer[customer])
                updated = add_to_state(state, folded, newest, cfg)
                before[customer] = score_from_state(state, as_of, cfg)
                scores[customer] = (score_from_state(updated, as_of, cfg), updated)
        if slow:
            full = self.store.touchpoints(slow, conn=conn, limit=self.config.max_history)
            histories.update(full)
            for customer in slow:
                history = full[customer]
                new_ids = {t.id for t in by_customer[customer]}
                earlier = [t for t in history if t.id not in new_ids]
                if earlier:
                    before[customer] = score_of(evidence_of(earlier, cfg), as_of, cfg)[0]
                state = state_of(evidence_of(history, cfg), history[-1].occurred_at, cfg)
                scores[customer] = (score_from_state(state, as_of, cfg), state)
        return histories, before, scores

    def _emerging(self, at: datetime, conn: Connection) -> list[Any]:
        cfg = alert_rules.emerging_config(self.config.alerts)
        rows = self.store.topic_events(at - cfg.window - cfg.baseline, at + timedelta(milliseconds=1), conn=conn)
        ids: dict[str, int] = {}
        events = []
        for i, (_customer, occurred_at, topics) in enumerate(rows):
            label = topics[0] if topics else ""
            topic_id = ids.setdefault(label, len(ids)) if label else -1
            events.append(TopicEvent(f"row{i}", occurred_at, "", topic_id, label))
        return emerging(events, cfg, now=at)

    # --- reads -----------------------------------------------------------------------------------

    def journey(
        self, customer_id: str, *, journey_id: str = "", start: datetime | None = None, end: datetime | None = None
    ) -> list[StoredTouchpoint]:
        """The journey map: the customer's touchpoints in ``[start, end)`` ordered by occurred_at."""
        return self.store.touchpoints([customer_id], journey_id=journey_id, start=start, end=end)[customer_id]

    def score(self, customer_id: str, *, journey_id: str = "", as_of: datetime | None = None) -> ExperienceScore | None:
        """The customer's (or one journey's) score as of ``as_of``; None when the store has no touchpoint for it."""
        as_of = as_of or self.clock()
        end = as_of + timedelta(milliseconds=1)
        history = self.store.touchpoints([customer_id], journey_id=journey_id, end=end, limit=self.config.max_history)
        if not history[customer_id]:
            return None
        return experience_score(
            customer_id, history[customer_id], as_of=as_of, journey_id=journey_id, config=self.config.scoring
        )

    def friction(
        self, *, start: datetime | None = None, end: datetime | None = None, top: int | None = None
    ) -> FrictionReport:
        """What precedes score drops, repeat contacts and abandonment among touchpoints in ``[start, end)``."""
        customers = self.store.customers_between(start, end)
        # Contacts up to one repeat window after ``end`` count as the repeats of exposures near it.
        read_to = end + timedelta(days=self.config.friction.repeat_window_days) if end is not None else None
        histories = self.store.touchpoints(customers, end=read_to, limit=self.config.max_history)
        config = self.config.friction if top is None else self.config.friction.model_copy(update={"top": top})
        return analyze_friction(histories, start=start, end=end, scoring=self.config.scoring, config=config)

    def list_alerts(
        self,
        *,
        customer_id: str = "",
        rules: Sequence[AlertRule] = (),
        after_id: int = 0,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = 100,
    ) -> list[Alert]:
        return self.store.alerts(
            customer_id=customer_id, rules=rules, after_id=after_id, start=start, end=end, limit=limit
        )

    def watch_alerts(
        self,
        *,
        customer_id: str = "",
        rules: Sequence[AlertRule] = (),
        after_id: int | None = None,
        is_active: Callable[[], bool] = lambda: True,
    ) -> Iterator[Alert]:
        """Alerts as they are raised (by this process or, through the store, any replica) while ``is_active()``.

        ``after_id`` None starts from now; a number replays everything after it first (resume after a reconnect).
        """
        if after_id is None:
            after_id = self.store.latest_alert_id()
        while is_active():
            batch = self.store.alerts(customer_id=customer_id, rules=rules, after_id=after_id, limit=500)
            for alert in batch:
                after_id = alert.id
                yield alert
            if len(batch) < 500:
                with self._alerted:
                    self._alerted.wait(self.config.watch_poll_seconds)


# --- helpers -------------------------------------------------------------------------------------


def text_fields(interaction: Interaction) -> list[tuple[ContentPart, int, SpeakerRole, str]]:
    """Every raw text field of an interaction (what must be redacted before it is stored)."""
    from pipelines.enrichment.domain import Email, PlainText, SocialPost

    customer = SpeakerRole.CUSTOMER
    content = interaction.content
    match content:
        case Transcript(turns=turns):
            return [(ContentPart.TURN, i, t.role, t.text) for i, t in enumerate(turns)]
        case Email(subject=subject, body=body):
            return [(ContentPart.EMAIL_SUBJECT, 0, customer, subject), (ContentPart.EMAIL_BODY, 0, customer, body)]
        case Survey(responses=responses):
            return [(ContentPart.SURVEY_ANSWER, i, customer, r.answer) for i, r in enumerate(responses)]
        case SocialPost(text=text):
            return [(ContentPart.SOCIAL_TEXT, 0, customer, text)]
        case PlainText(text=text):
            return [(ContentPart.TEXT, 0, customer, text)]
    return []


def customer_pieces(interaction: Interaction, result: EnrichedInteraction) -> list[Piece]:
    """The customer's sentences (the enricher's sentence spans; whole parts when it split none), in text order.

    A transcript turn of one sentence is not classified again: its turn intent (``result.turns``) is that
    sentence's intent already.
    """
    customer = {
        (part, index): text for part, index, role, text in text_fields(interaction) if role == SpeakerRole.CUSTOMER
    }
    turn_intents = {t.turn_index for t in result.turns if t.intent is not None}
    spans: dict[tuple[ContentPart, int], list[str]] = {}
    for s in result.sentences:
        key = (s.span.part, s.span.index)
        if key in customer:
            spans.setdefault(key, []).append(customer[key][s.span.start : s.span.end])
    pieces: list[Piece] = []
    for (part, index), text in customer.items():
        sentences = [t for t in spans.get((part, index), [text.strip()]) if t.strip()]
        known = part == ContentPart.TURN and len(sentences) == 1 and index in turn_intents
        pieces.extend(Piece(part, index, n, t.strip(), classify=not known) for n, t in enumerate(sentences))
    return pieces


def customer_intents(result: EnrichedInteraction, reading: Reading | None) -> tuple[CustomerIntent, ...]:
    """The in-scope intents of the customer's turns (enricher) and sentences (reader), in text order."""
    turns = [
        CustomerIntent(ContentPart.TURN, t.turn_index, -1, t.intent.label, t.intent.category, t.intent.confidence)
        for t in result.turns
        if t.role == SpeakerRole.CUSTOMER and t.intent is not None and not t.intent.out_of_scope
    ]
    found = [*turns, *(reading.intents if reading is not None else ())]
    order = {part: i for i, part in enumerate(ContentPart)}
    return tuple(sorted(found, key=lambda c: (order[c.part], c.index, c.sentence)))


def summarise(
    interaction: Interaction | None, result: EnrichedInteraction, reading: Reading | None = None
) -> TouchpointSignals:
    """The compact signals the store keeps of one enriched interaction (and the reader's look at its sentences)."""
    sentiment = result.sentiment
    customer_turns = [t for t in result.turns if t.role == SpeakerRole.CUSTOMER and t.sentiment is not None]
    if customer_turns:
        low: float | None = min(t.sentiment.score for t in customer_turns if t.sentiment is not None)
    elif result.sentences:
        low = min(s.sentiment.score for s in result.sentences)
    else:
        low = None
    intent = result.intent
    spoken = (
        [(t.role, t.text) for t in interaction.content.turns]
        if interaction is not None and isinstance(interaction.content, Transcript)
        else []
    )
    return TouchpointSignals(
        sentiment=sentiment.score if sentiment is not None else None,
        sentiment_label=sentiment.label.value if sentiment is not None else "",
        sentiment_shift=result.trend.shift if result.trend is not None else None,
        sentiment_low=low,
        customer_turns=len(customer_turns),
        corrections=corrections(spoken),
        agent_turns=sum(role in (SpeakerRole.AGENT, SpeakerRole.BOT) for role, _ in spoken),
        agent_failures=agent_failures(spoken),
        intent=intent.label if intent is not None and not intent.out_of_scope else "",
        intent_taxonomy=intent.taxonomy if intent is not None else "",
        intent_confidence=intent.confidence if intent is not None else 0.0,
        intent_category=intent.category if intent is not None and not intent.out_of_scope else "",
        customer_intents=customer_intents(result, reading),
        topics=tuple(t.label for t in result.topics),
        rating=survey_rating(interaction),
        models=tuple(m.id for m in result.models),
        satisfaction=result.satisfaction.score if result.satisfaction is not None else None,
        # Quantised here as the store keeps it, so what a batch's rules read equals what a later batch reads back.
        embedding=unpack_embedding(pack_embedding(reading.embedding)) if reading is not None else (),
    )


def survey_rating(interaction: Interaction | None) -> float | None:
    """Mean of the rated survey responses, each rescaled to [0, 1] by its scale; None when nothing is rated."""
    if interaction is None or not isinstance(interaction.content, Survey):
        return None
    values = []
    for r in interaction.content.responses:
        if r.rating is None or r.scale is None or r.scale.max <= r.scale.min:
            continue
        values.append(min(1.0, max(0.0, (r.rating - r.scale.min) / (r.scale.max - r.scale.min))))
    return sum(values) / len(values) if values else None


def _with_values(attributes: TouchpointAttributes, redacted: dict[str | None, str]) -> TouchpointAttributes:
    """``attributes`` with the redacted ``page`` (key None) and ``extra`` values put back."""
    if not redacted:
        return attributes
    extra = {key: redacted.get(key, value) for key, value in attributes.extra.items()}
    return replace(attributes, page=redacted.get(None, attributes.page), extra=extra)
