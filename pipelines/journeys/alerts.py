"""Alert rules: what turns in a customer's experience is worth telling someone about.

Each rule reads the touchpoints a batch newly stored, the customers' histories (after the
batch) and their scores before and after it, and returns ``NewAlert``s that name the
customer, the rule and the evidence. Rules run inside the batch's transaction, so a
retried batch (whose touchpoints are already stored) raises nothing twice.

    score_drop         the score fell by at least score_drop_points with this batch
    churn_risk_intent  a piece of the customer's own words (a call or chat turn, a sentence, the
                       whole document) whose intent is in churn_intents or whose category is in
                       churn_categories ("leaving"), or else the outcome "cancellation"; one alert
                       per touchpoint, naming the piece (part, index, sentence), label, category
                       and confidence of the first match
    sentiment_shift    within one call or chat, the customer's closing sentiment is at least
                       sentiment_shift_below lower than their opening
    repeat_unresolved  the customer comes back (any channel but repeat_ignore_channels) within
                       repeat_window_days of an unresolved contact about the same thing; "the same"
                       is, in this order, the first of repeat_matches that holds:
                         journey_stage    same journey and stage, both non-empty
                         intent           same document intent (not a repeat_ignore_categories one)
                         intent_category  a shared category of the document, turn or sentence
                                          intents (not repeat_ignore_categories: small talk)
                         topic            a shared topic label
                         embedding        the two contacts' embeddings (mean of the customer's
                                          sentences, pipelines/journeys/customer_text.py) are at
                                          least repeat_similarity cosine apart
                       One alert per new touchpoint, listing every earlier unresolved contact that
                       matched; its details say which rule matched the latest of them ("match") and
                       on what (journey and stage, intent, category, topic or cosine), and "matches"
                       lists every rule that held for it.
    emerging_topic     a topic of the new touchpoints is emerging across all customers
                       (pipelines/topics/trends.emerging over the store's recent touchpoints)

Intents of turns and sentences need the journey core's customer-text reader (the service wires one);
without it, churn reads the document intent and the turns' intents the enricher gives, and repeat
contacts are matched without embeddings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from enum import StrEnum

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from pipelines.enrichment.domain import ContentPart
from pipelines.journeys.domain import AlertRule, CustomerIntent, NewAlert, Outcome, StoredTouchpoint
from pipelines.topics.trends import EmergingConfig, EmergingTopic


class RepeatMatch(StrEnum):
    """What makes a later contact "about the same thing" as an unresolved one, in the order tried."""

    JOURNEY_STAGE = "journey_stage"
    INTENT = "intent"
    INTENT_CATEGORY = "intent_category"
    TOPIC = "topic"
    EMBEDDING = "embedding"


_UNRESOLVED = {Outcome.UNRESOLVED, Outcome.ABANDONED, Outcome.CALLBACK, Outcome.TRANSFERRED, Outcome.ESCALATED}


class AlertConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # Rules that run; the others are off.
    rules: frozenset[AlertRule] = frozenset(AlertRule)
    score_drop_points: float = Field(default=15.0, gt=0)
    # Intent labels (of any taxonomy) that signal churn risk, read in every customer turn and sentence.
    # Intent labels of taxonomies without categories that signal leaving: banking77's terminate_account, and
    # customer_service v2's closeaccount / delete_account (pinned replays). Cancelling one order or complaining
    # is not leaving: customer_service v3 files those under orders_delivery and complaints.
    churn_intents: frozenset[str] = frozenset({"terminate_account", "closeaccount", "delete_account"})
    # Intent categories (taxonomies with categories, e.g. customer_service v3) that signal churn risk:
    # "leaving" is closing an account or cancelling a service or contract.
    churn_categories: frozenset[str] = frozenset({"leaving"})
    sentiment_shift_below: float = Field(default=-0.5, ge=-2, lt=0)
    repeat_window_days: float = Field(default=7.0, gt=0)
    # What counts as "the same thing" for repeat_unresolved (module docstring); the others are off.
    repeat_matches: frozenset[RepeatMatch] = frozenset(RepeatMatch)
    # Categories too generic to make two contacts "the same thing" (greetings, thanks).
    repeat_ignore_categories: frozenset[str] = frozenset({"small_talk"})
    # Channels whose contacts are not the customer coming back: a survey is asked for, not sought.
    repeat_ignore_channels: frozenset[str] = frozenset({"survey"})
    # Cosine at or above which two contacts' embeddings count as the same thing. 0.5 separates the few
    # paraphrase pairs we checked (0.34-0.57 same problem, at most 0.26 unrelated) on the side of precision.
    repeat_similarity: float = Field(default=0.5, gt=0, le=1)
    emerging_window_days: float = Field(default=1.0, gt=0)
    emerging_baseline_days: float = Field(default=7.0, gt=0)
    emerging_min_count: int = Field(default=5, ge=1)


EmergingLookup = Callable[[datetime], Sequence[EmergingTopic]]


def evaluate(
    new: Sequence[StoredTouchpoint],
    histories: Mapping[str, Sequence[StoredTouchpoint]],
    before: Mapping[str, float],
    after: Mapping[str, float],
    config: AlertConfig,
    *,
    emerging: EmergingLookup | None = None,
) -> list[NewAlert]:
    """Alerts raised by the newly stored touchpoints ``new`` (each customer's ``histories`` include them)."""
    rules = config.rules
    out: list[NewAlert] = []
    if AlertRule.SCORE_DROP in rules:
        out.extend(_score_drops(new, before, after, config))
    for tp in new:
        if AlertRule.CHURN_RISK_INTENT in rules:
            out.extend(_churn_risk(tp, config))
        if AlertRule.SENTIMENT_SHIFT in rules:
            shift = tp.signals.sentiment_shift
            if shift is not None and shift <= config.sentiment_shift_below:
                out.append(
                    _alert(
                        tp,
                        AlertRule.SENTIMENT_SHIFT,
                        f"customer sentiment fell by {-shift:.2f} within this {tp.channel.value} "
                        f"(threshold {-config.sentiment_shift_below:.2f})",
                        {"shift": f"{shift:.3f}"},
                    )
                )
        if AlertRule.REPEAT_UNRESOLVED in rules:
            out.extend(_repeat_unresolved(tp, histories.get(tp.customer_id, ()), config))
    if AlertRule.EMERGING_TOPIC in rules and emerging is not None and any(tp.signals.topics for tp in new):
        out.extend(_emerging(new, emerging))
    return out


def _alert(tp: StoredTouchpoint, rule: AlertRule, message: str, details: dict[str, str]) -> NewAlert:
    return NewAlert(rule, tp.customer_id, tp.occurred_at, message, (tp.id,), tp.journey_id, details)


def _score_drops(
    new: Sequence[StoredTouchpoint], before: Mapping[str, float], after: Mapping[str, float], config: AlertConfig
) -> list[NewAlert]:
    out = []
    by_customer: dict[str, list[StoredTouchpoint]] = {}
    for tp in new:
        by_customer.setdefault(tp.customer_id, []).append(tp)
    for customer, tps in sorted(by_customer.items()):
        if customer not in before or customer not in after:
            continue
        drop = before[customer] - after[customer]
        if drop >= config.score_drop_points:
            latest = max(tps, key=lambda t: (t.occurred_at, t.id))
            out.append(
                NewAlert(
                    AlertRule.SCORE_DROP,
                    customer,
                    latest.occurred_at,
                    f"experience score fell {drop:.1f} points, from {before[customer]:.1f} to {after[customer]:.1f}, "
                    f"with {len(tps)} new touchpoint(s) (threshold {config.score_drop_points:.1f})",
                    tuple(t.id for t in sorted(tps, key=lambda t: (t.occurred_at, t.id))),
                    latest.journey_id,
                    {"before": f"{before[customer]:.2f}", "after": f"{after[customer]:.2f}"},
                )
            )
    return out


def _pieces(tp: StoredTouchpoint) -> list[CustomerIntent]:
    """The customer's intents, turns and sentences first, then the document's (the whole contact)."""
    s = tp.signals
    out = list(s.customer_intents)
    if s.intent:
        # index -1: the whole contact, not one of its parts
        out.append(CustomerIntent(ContentPart.TEXT, -1, -1, s.intent, s.intent_category, s.intent_confidence))
    return out


def _where(piece: CustomerIntent, tp: StoredTouchpoint) -> str:
    if piece.index < 0:
        return f"the {tp.channel.value} as a whole"
    where = f"customer {piece.part.value.replace('_', ' ')} {piece.index}"
    return where if piece.sentence < 0 else f"{where}, sentence {piece.sentence}"


def _churn_risk(tp: StoredTouchpoint, config: AlertConfig) -> list[NewAlert]:
    for piece in _pieces(tp):
        by_label = piece.label in config.churn_intents
        if not by_label and not (piece.category and piece.category in config.churn_categories):
            continue
        category = f", category {piece.category!r}" if piece.category else ""
        return [
            _alert(
                tp,
                AlertRule.CHURN_RISK_INTENT,
                f"churn-risk intent {piece.label!r}{category} ({tp.signals.intent_taxonomy}, confidence "
                f"{piece.confidence:.2f}) in {_where(piece, tp)} on {tp.channel.value}",
                {
                    "match": "intent" if by_label else "category",
                    "intent": piece.label,
                    "category": piece.category,
                    "taxonomy": tp.signals.intent_taxonomy,
                    "confidence": f"{piece.confidence:.3f}",
                    "part": piece.part.value if piece.index >= 0 else "document",
                    "index": str(piece.index),
                    "sentence": str(piece.sentence),
                },
            )
        ]
    if tp.outcome == Outcome.CANCELLATION:
        return [
            _alert(
                tp,
                AlertRule.CHURN_RISK_INTENT,
                f"outcome cancellation on {tp.channel.value}",
                {"match": "outcome", "outcome": "cancellation"},
            )
        ]
    return []


def _same_thing(
    tp: StoredTouchpoint, earlier: StoredTouchpoint, config: AlertConfig
) -> list[tuple[RepeatMatch, dict[str, str], str]]:
    """Every rule of ``config.repeat_matches`` under which ``earlier`` is about what ``tp`` is, in order:
    (rule, details, the reason in words)."""
    found: list[tuple[RepeatMatch, dict[str, str], str]] = []
    wanted = config.repeat_matches
    ignore = config.repeat_ignore_categories
    a, b = tp.signals, earlier.signals
    if (
        RepeatMatch.JOURNEY_STAGE in wanted
        and tp.journey_id
        and tp.stage
        and (tp.journey_id, tp.stage) == (earlier.journey_id, earlier.stage)
    ):
        details = {"journey": tp.journey_id, "stage": tp.stage}
        found.append((RepeatMatch.JOURNEY_STAGE, details, f"same journey {tp.journey_id!r} and stage {tp.stage!r}"))
    if RepeatMatch.INTENT in wanted and a.intent and a.intent == b.intent and a.intent_category not in ignore:
        found.append((RepeatMatch.INTENT, {"intent": a.intent}, f"same intent {a.intent!r}"))
    if RepeatMatch.INTENT_CATEGORY in wanted:
        mine = {p.category for p in _pieces(tp) if p.category and p.category not in ignore}
        theirs = {p.category for p in _pieces(earlier) if p.category and p.category not in ignore}
        shared = sorted(mine & theirs)
        if shared:
            found.append((RepeatMatch.INTENT_CATEGORY, {"category": shared[0]}, f"same intent category {shared[0]!r}"))
    if RepeatMatch.TOPIC in wanted:
        topics = [t for t in a.topics if t in set(b.topics)]
        if topics:
            found.append((RepeatMatch.TOPIC, {"topic": topics[0]}, f"same topic {topics[0]!r}"))
    if RepeatMatch.EMBEDDING in wanted and a.embedding and len(a.embedding) == len(b.embedding):
        cosine = float(np.dot(a.embedding, b.embedding))
        if cosine >= config.repeat_similarity:
            details = {"cosine": f"{cosine:.3f}", "threshold": f"{config.repeat_similarity:.3f}"}
            found.append(
                (RepeatMatch.EMBEDDING, details, f"customer words close in the encoder's space (cosine {cosine:.2f})")
            )
    return found


def _repeat_unresolved(
    tp: StoredTouchpoint, history: Sequence[StoredTouchpoint], config: AlertConfig
) -> list[NewAlert]:
    if tp.channel.value in config.repeat_ignore_channels:
        return []
    window = timedelta(days=config.repeat_window_days)
    matched: list[tuple[StoredTouchpoint, list[tuple[RepeatMatch, dict[str, str], str]]]] = []
    for h in history:
        # Strictly before in (time, id) order: two contacts at the same moment do not repeat each other both ways.
        if h.id == tp.id or h.outcome not in _UNRESOLVED or (h.occurred_at, h.id) >= (tp.occurred_at, tp.id):
            continue
        if tp.occurred_at - h.occurred_at > window or h.channel.value in config.repeat_ignore_channels:
            continue
        found = _same_thing(tp, h, config)
        if found:
            matched.append((h, found))
    if not matched:
        return []
    matched.sort(key=lambda m: (m[0].occurred_at, m[0].id))
    last, found = matched[-1]
    rule, details, reason = found[0]
    return [
        NewAlert(
            AlertRule.REPEAT_UNRESOLVED,
            tp.customer_id,
            tp.occurred_at,
            f"repeat contact on {tp.channel.value}: {reason} as {len(matched)} unresolved contact(s) within "
            f"{config.repeat_window_days:g} days (last: {last.id} on {last.channel.value}, ended {last.outcome.value})",
            (*(h.id for h, _ in matched), tp.id),
            tp.journey_id,
            {
                "match": rule.value,
                "matches": ",".join(m.value for m, _, _ in found),
                **details,
                "previous": last.id,
                "previous_outcome": last.outcome.value,
            },
        )
    ]


def _emerging(new: Sequence[StoredTouchpoint], emerging: EmergingLookup) -> list[NewAlert]:
    latest = max(tp.occurred_at for tp in new)
    found = {t.label: t for t in emerging(latest)}
    out = []
    for tp in new:
        for label in tp.signals.topics:
            topic = found.get(label)
            if topic is None:
                continue
            out.append(
                _alert(
                    tp,
                    AlertRule.EMERGING_TOPIC,
                    f"topic {label!r} is emerging: {topic.window_count} contacts in the window "
                    f"({topic.window_share:.1%}) vs {topic.baseline_share:.1%} before, z {topic.z:.2f}, "
                    f"p {topic.p_value:.2g}",
                    {"topic": label, "z": f"{topic.z:.3f}", "p_value": f"{topic.p_value:.3g}"},
                )
            )
    return out


def emerging_config(config: AlertConfig) -> EmergingConfig:
    return EmergingConfig(
        window=timedelta(days=config.emerging_window_days),
        baseline=timedelta(days=config.emerging_baseline_days),
        min_count=config.emerging_min_count,
    )
