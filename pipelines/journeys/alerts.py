"""Alert rules: what turns in a customer's experience is worth telling someone about.

Each rule reads the touchpoints a batch newly stored, the customers' histories (after the
batch) and their scores before and after it, and returns ``NewAlert``s that name the
customer, the rule and the evidence. Rules run inside the batch's transaction, so a
retried batch (whose touchpoints are already stored) raises nothing twice.

    score_drop         the score fell by at least score_drop_points with this batch
    churn_risk_intent  an intent in churn_intents (cancel, close account, complaint ...),
                       or the outcome "cancellation"
    sentiment_shift    within one call or chat, the customer's closing sentiment is at least
                       sentiment_shift_below lower than their opening
    repeat_unresolved  a contact for the same intent as an unresolved one within repeat_window_days
    emerging_topic     a topic of the new touchpoints is emerging across all customers
                       (pipelines/topics/trends.emerging over the store's recent touchpoints)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from pipelines.journeys.domain import AlertRule, NewAlert, Outcome, StoredTouchpoint
from pipelines.topics.trends import EmergingConfig, EmergingTopic

_UNRESOLVED = {Outcome.UNRESOLVED, Outcome.ABANDONED, Outcome.CALLBACK, Outcome.TRANSFERRED, Outcome.ESCALATED}


class AlertConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # Rules that run; the others are off.
    rules: frozenset[AlertRule] = frozenset(AlertRule)
    score_drop_points: float = Field(default=15.0, gt=0)
    # Intent labels (of any taxonomy) that signal churn risk.
    churn_intents: frozenset[str] = frozenset(
        {"terminate_account", "closeaccount", "delete_account", "complaint", "cancel", "cancel_order"}
    )
    sentiment_shift_below: float = Field(default=-0.5, ge=-2, lt=0)
    repeat_window_days: float = Field(default=7.0, gt=0)
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


def _churn_risk(tp: StoredTouchpoint, config: AlertConfig) -> list[NewAlert]:
    intent = tp.signals.intent
    if intent and intent in config.churn_intents:
        return [
            _alert(
                tp,
                AlertRule.CHURN_RISK_INTENT,
                f"churn-risk intent {intent!r} ({tp.signals.intent_taxonomy}, confidence "
                f"{tp.signals.intent_confidence:.2f}) on {tp.channel.value}",
                {"intent": intent, "taxonomy": tp.signals.intent_taxonomy},
            )
        ]
    if tp.outcome == Outcome.CANCELLATION:
        return [
            _alert(
                tp,
                AlertRule.CHURN_RISK_INTENT,
                f"outcome cancellation on {tp.channel.value}",
                {"outcome": "cancellation"},
            )
        ]
    return []


def _repeat_unresolved(
    tp: StoredTouchpoint, history: Sequence[StoredTouchpoint], config: AlertConfig
) -> list[NewAlert]:
    intent = tp.signals.intent
    if not intent:
        return []
    window = timedelta(days=config.repeat_window_days)
    earlier = [
        h
        for h in history
        if h.id != tp.id
        and h.signals.intent == intent
        and h.outcome in _UNRESOLVED
        and timedelta(0) <= tp.occurred_at - h.occurred_at <= window
    ]
    if not earlier:
        return []
    last = max(earlier, key=lambda h: (h.occurred_at, h.id))
    return [
        NewAlert(
            AlertRule.REPEAT_UNRESOLVED,
            tp.customer_id,
            tp.occurred_at,
            f"repeat contact for {intent!r}: {len(earlier)} earlier contact(s) within "
            f"{config.repeat_window_days:g} days ended {last.outcome.value} (last: {last.id} on {last.channel.value})",
            (*(h.id for h in sorted(earlier, key=lambda h: (h.occurred_at, h.id))), tp.id),
            tp.journey_id,
            {"intent": intent, "previous_outcome": last.outcome.value},
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
