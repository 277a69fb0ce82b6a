"""Journeys.record and the alert rules, with a fake enricher (the real one is covered over gRPC)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from pipelines.enrichment.domain import (
    Channel,
    EnrichedInteraction,
    EnrichOptions,
    Intent,
    Interaction,
    LanguageInfo,
    ModelRef,
    PlainText,
    RatingScale,
    Satisfaction,
    SatisfactionLabel,
    Sentiment,
    SentimentLabel,
    SentimentTrend,
    SpeakerRole,
    Survey,
    SurveyResponse,
    Transcript,
    Turn,
    TurnSignals,
)
from pipelines.journeys.alerts import AlertConfig, evaluate
from pipelines.journeys.database import default_url
from pipelines.journeys.domain import AlertRule, Outcome, RecordStatus, Touchpoint, TouchpointAttributes
from pipelines.journeys.journeys import JourneyConfig, Journeys, survey_rating
from pipelines.journeys.pii import Redactor
from pipelines.journeys.store import JourneyStore
from tests.pipelines.journey_builders import T0, tp

MODEL = ModelRef("sentiment", "test")
SATISFACTION = ModelRef("satisfaction", "test")


def _sentiment(score: float) -> Sentiment:
    label = SentimentLabel.NEUTRAL
    if abs(score) > 0.2:
        label = SentimentLabel.NEGATIVE if score < 0 else SentimentLabel.POSITIVE
    neg, pos = max(-score, 0.0), max(score, 0.0)
    return Sentiment(label, neg, 1 - neg - pos, pos, score, MODEL)


def _score_of(text: str) -> float:
    lowered = text.lower()
    return -0.9 if any(w in lowered for w in ("angry", "terrible", "cancel")) else 0.6 if "thanks" in lowered else 0.0


class FakeEnricher:
    """Keyword sentiment; intent "cancel" (category "leaving") for texts that say cancel. Counts calls."""

    def __init__(self) -> None:
        self.calls = 0

    def enrich(self, interactions: list[Interaction], options: EnrichOptions) -> list[EnrichedInteraction]:
        self.calls += 1
        out = []
        for it in interactions:
            content = it.content
            turns: tuple[TurnSignals, ...] = ()
            trend = None
            satisfaction = None
            if isinstance(content, Transcript):
                turns = tuple(
                    TurnSignals(i, t.role, "", _sentiment(_score_of(t.text)), None) for i, t in enumerate(content.turns)
                )
                customer = [t.sentiment for t in turns if t.role == SpeakerRole.CUSTOMER and t.sentiment]
                if customer:
                    trend = SentimentTrend(customer[0], customer[-1], customer[-1].score - customer[0].score)
                text = " ".join(t.text for t in content.turns if t.role == SpeakerRole.CUSTOMER)
                satisfaction = Satisfaction(SatisfactionLabel.DISSATISFIED, 0.6, 0.3, 0.1, -0.5, SATISFACTION)
            elif isinstance(content, PlainText):
                text = content.text
            else:
                text = ""
            intent = (
                Intent("test", "cancel", False, 0.9, 0.5, (), ModelRef("intent.test", "v1"), category="leaving")
                if "cancel" in text.lower()
                else None
            )
            out.append(
                EnrichedInteraction(
                    it.id,
                    LanguageInfo("en", 1.0, "declared", True),
                    sentiment=_sentiment(_score_of(text)) if text else None,
                    turns=turns,
                    trend=trend,
                    intent=intent,
                    models=(MODEL,),
                    satisfaction=satisfaction,
                )
            )
        return out


@pytest.fixture
def store(tmp_path):
    s = JourneyStore.open(default_url(tmp_path))
    yield s
    s.close()


@pytest.fixture
def fake():
    return FakeEnricher()


@pytest.fixture
def journeys(store, fake):
    return Journeys(store=store, enrich=fake.enrich, redactor=Redactor(nlp=None), clock=lambda: T0 + timedelta(days=30))


def _text_tp(tp_id: str, text: str, *, customer: str = "c1", days: float = 0.0, **kw) -> Touchpoint:
    at = T0 + timedelta(days=days)
    interaction = Interaction(tp_id, PlainText(text), customer_id=customer, channel=Channel.EMAIL, occurred_at=at)
    return Touchpoint(tp_id, customer, Channel.EMAIL, at, interaction=interaction, **kw)


def test_raw_pii_never_reaches_the_store(journeys, store):
    text = "I'm angry. Mail me at jane.doe@example.com or call +1 415 555 0132, card 4111 1111 1111 1111."
    batch = journeys.record([_text_tp("t1", text)])
    result = batch.results[0]
    assert result.status == RecordStatus.STORED
    kinds = sorted(r.kind for r in result.redactions)
    assert kinds == ["CARD_NUMBER", "EMAIL", "PHONE"]
    for r in result.redactions:  # spans point at the original values
        assert text[r.start : r.end] in {"jane.doe@example.com", "+1 415 555 0132", "4111 1111 1111 1111"}
    with store.engine.connect() as conn:
        dump = json.dumps([list(row) for row in conn.execute(sa.text("SELECT * FROM touchpoints"))])
    for raw in ("jane.doe@example.com", "415 555 0132", "4111 1111 1111 1111"):
        assert raw not in dump
    stored = journeys.journey("c1")[0]
    assert "[EMAIL]" in stored.parts[0].text and "[CARD_NUMBER]" in stored.parts[0].text
    assert stored.signals.sentiment == pytest.approx(-0.9)


def test_retried_batch_is_not_enriched_or_stored_twice(journeys, fake, store):
    batch = [_text_tp("t1", "thanks"), _text_tp("t2", "terrible service", days=1)]
    first = journeys.record(batch)
    again = journeys.record(batch)
    assert [r.status for r in first.results] == [RecordStatus.STORED] * 2
    assert [r.status for r in again.results] == [RecordStatus.DUPLICATE] * 2
    assert fake.calls == 1 and store.count() == 2
    assert not again.alerts


def test_same_id_twice_in_one_batch_is_stored_once(journeys, store):
    results = journeys.record([_text_tp("t1", "thanks"), _text_tp("t1", "terrible")]).results
    assert [r.status for r in results] == [RecordStatus.STORED, RecordStatus.DUPLICATE]
    assert store.count() == 1 and journeys.journey("c1")[0].signals.sentiment == pytest.approx(0.6)


def test_signals_from_an_earlier_enrich_call_are_recorded_without_enriching(journeys, fake):
    pre = FakeEnricher().enrich([_text_tp("t1", "terrible").interaction], EnrichOptions())[0]
    touchpoint = _text_tp("t1", "this text says thanks")
    journeys.record([Touchpoint(**{**touchpoint.__dict__, "signals": pre})])
    assert fake.calls == 0
    assert journeys.journey("c1")[0].signals.sentiment == pytest.approx(-0.9)


def test_late_arrivals_are_placed_by_occurred_at(journeys):
    journeys.record([_text_tp("late", "thanks", days=5)])
    journeys.record([_text_tp("early", "thanks", days=1)])
    assert [t.id for t in journeys.journey("c1")] == ["early", "late"]


def test_structured_touchpoints_need_no_enricher(store):
    core = Journeys(store=store, enrich=None, redactor=Redactor(nlp=None), clock=lambda: T0)
    attrs = TouchpointAttributes(ivr_path=("billing",), hold_seconds=700, rating=2, rating_min=1, rating_max=5)
    core.record([Touchpoint("ivr1", "c9", Channel.IVR, T0, outcome=Outcome.ABANDONED, attributes=attrs)])
    score = core.score("c9")
    assert score is not None and score.score < 50
    reasons = {d.key for d in score.drivers if d.dimension == "reason"}
    assert {"long hold", "outcome abandoned", "survey rating"} <= reasons


def test_churn_intent_and_sentiment_shift_raise_alerts_naming_customer_and_evidence(journeys):
    turns = (
        Turn(SpeakerRole.CUSTOMER, "thanks for picking up"),
        Turn(SpeakerRole.AGENT, "how can I help"),
        Turn(SpeakerRole.CUSTOMER, "this is terrible, I want to cancel"),
    )
    at = T0 + timedelta(days=1)
    interaction = Interaction("call1", Transcript(turns), customer_id="c1", channel=Channel.CALL, occurred_at=at)
    batch = journeys.record([Touchpoint("call1", "c1", Channel.CALL, at, interaction=interaction)])
    rules = {a.rule: a for a in batch.alerts}
    assert AlertRule.CHURN_RISK_INTENT in rules and AlertRule.SENTIMENT_SHIFT in rules
    churn = rules[AlertRule.CHURN_RISK_INTENT]
    assert churn.customer_id == "c1" and churn.touchpoint_ids == ("call1",) and "cancel" in churn.message
    assert rules[AlertRule.SENTIMENT_SHIFT].details["shift"] == "-1.500"
    assert [a.id for a in journeys.list_alerts(customer_id="c1")] == sorted(a.id for a in batch.alerts)


def test_score_drop_alert_compares_with_the_last_stored_score(journeys):
    journeys.record([_text_tp(f"good{i}", "thanks", days=i * 0.1) for i in range(3)])
    batch = journeys.record([_text_tp(f"bad{i}", "angry, terrible", days=1 + i * 0.1) for i in range(6)])
    drops = [a for a in batch.alerts if a.rule == AlertRule.SCORE_DROP]
    assert len(drops) == 1 and drops[0].customer_id == "c1"
    assert float(drops[0].details["before"]) - float(drops[0].details["after"]) >= 15


def test_rules_can_be_switched_off(store, fake):
    config = JourneyConfig(alerts=AlertConfig(rules=frozenset({AlertRule.SCORE_DROP})))
    core = Journeys(store=store, enrich=fake.enrich, redactor=Redactor(nlp=None), config=config)
    assert not core.record([_text_tp("t1", "I want to cancel")]).alerts


def test_repeat_unresolved_rule():
    history = [
        tp("a", intent="card_lost", outcome=Outcome.UNRESOLVED),
        tp("b", days=2, intent="card_lost"),
    ]
    found = evaluate([history[1]], {"c1": history}, {}, {}, AlertConfig())
    assert [(a.rule, a.touchpoint_ids) for a in found] == [(AlertRule.REPEAT_UNRESOLVED, ("a", "b"))]
    later = [history[0], tp("b", days=20, intent="card_lost")]
    assert not evaluate([later[1]], {"c1": later}, {}, {}, AlertConfig())


def test_emerging_topic_rule_uses_the_lookup():
    from pipelines.topics.trends import EmergingTopic

    topic = EmergingTopic(3, "outage", 9, 0.5, 0, 0.0, None, 5.1, 1e-7, ())
    new = [tp("a", topics=("outage",)), tp("b", customer="c2", topics=("billing",))]
    found = evaluate(new, {}, {}, {}, AlertConfig(), emerging=lambda at: [topic])
    assert [(a.rule, a.customer_id, a.details["topic"]) for a in found] == [(AlertRule.EMERGING_TOPIC, "c1", "outage")]


def test_survey_rating_rescales_each_response_by_its_scale():
    survey = Survey(
        (
            SurveyResponse("csat", "ok", 4, RatingScale("csat", 1, 5)),
            SurveyResponse("nps", "meh", 0, RatingScale("nps", 0, 10)),
            SurveyResponse("comment", "no rating"),
        )
    )
    assert survey_rating(Interaction("s", survey)) == pytest.approx((0.75 + 0.0) / 2)
    assert survey_rating(Interaction("p", PlainText("x"))) is None


def _state_score(store, customer, as_of, config):
    from pipelines.journeys.scoring import score_from_state

    with store.engine.begin() as conn:
        state = store.score_states([customer], conn=conn)[customer]
    return score_from_state(state, as_of, config)


def test_running_state_equals_a_full_rescore_in_order_late_and_after_a_config_change(store, fake):
    from pipelines.journeys.scoring import ScoringConfig

    core = Journeys(store=store, enrich=fake.enrich, redactor=Redactor(nlp=None), clock=lambda: T0)
    as_of = T0 + timedelta(days=40)
    chat = _text_tp("t0", "terrible, I want to cancel", days=0)
    core.record([chat])  # first contact: built from the history
    ivr = Touchpoint("t1", "c1", Channel.IVR, T0 + timedelta(days=1), outcome=Outcome.TRANSFERRED)
    core.record([ivr, _text_tp("t2", "thanks", days=2)])  # in order: folded into the state
    full = core.score("c1", as_of=as_of).score
    assert _state_score(store, "c1", as_of, core.config.scoring) == pytest.approx(full, abs=1e-9)
    core.record([_text_tp("late", "angry", days=0.5)])  # a late arrival rebuilds the state
    full = core.score("c1", as_of=as_of).score
    assert _state_score(store, "c1", as_of, core.config.scoring) == pytest.approx(full, abs=1e-9)
    other = JourneyConfig(scoring=ScoringConfig(half_life_days=5))
    core2 = Journeys(store=store, enrich=fake.enrich, redactor=Redactor(nlp=None), config=other, clock=lambda: T0)
    core2.record([_text_tp("t3", "thanks", days=3)])  # another config: rebuilt under it
    full = core2.score("c1", as_of=as_of).score
    assert _state_score(store, "c1", as_of, other.scoring) == pytest.approx(full, abs=1e-9)


def test_a_journey_is_scored_on_its_own_touchpoints(journeys):
    journeys.record(
        [
            Touchpoint(**{**_text_tp("a1", "thanks").__dict__, "journey_id": "onboarding"}),
            Touchpoint(**{**_text_tp("b1", "terrible", days=1).__dict__, "journey_id": "billing"}),
        ]
    )
    whole = journeys.score("c1")
    onboarding = journeys.score("c1", journey_id="onboarding")
    billing = journeys.score("c1", journey_id="billing")
    assert onboarding.score > whole.score > billing.score
    assert onboarding.touchpoint_count == billing.touchpoint_count == 1 and whole.touchpoint_count == 2
    assert [t.id for t in journeys.journey("c1", journey_id="billing")] == ["b1"]
    assert journeys.score("c1", journey_id="returns") is None


def test_page_and_extra_attributes_are_redacted_too(store):
    core = Journeys(store=store, enrich=None, redactor=Redactor(nlp=None), clock=lambda: T0)
    attrs = TouchpointAttributes(page="/account?email=jo@example.com", extra={"callback": "+1 415 555 0132", "k": "v"})
    core.record([Touchpoint("w1", "c5", Channel.WEB, T0, attributes=attrs)])
    stored = core.journey("c5")[0].attributes
    assert "jo@example.com" not in stored.page and "[EMAIL]" in stored.page
    assert stored.extra == {"callback": "[PHONE]", "k": "v"}


def test_a_calls_estimated_satisfaction_is_stored_and_scored(journeys, store):
    at = T0 + timedelta(days=1)
    turns = (Turn(SpeakerRole.CUSTOMER, "my card is blocked", "c"), Turn(SpeakerRole.AGENT, "I cannot see it", "a"))
    call = Interaction("call-1", Transcript(turns), customer_id="c1", channel=Channel.CALL, occurred_at=at)
    journeys.record([Touchpoint("call-1", "c1", Channel.CALL, at, interaction=call)])
    (stored,) = journeys.journey("c1")
    assert stored.signals.satisfaction == pytest.approx(-0.5)
    score = journeys.score("c1", as_of=at)
    satisfaction = [d for d in score.drivers if d.dimension == "component" and d.key == "satisfaction"]
    assert len(satisfaction) == 1 and satisfaction[0].points < 0
    texts = journeys.record([_text_tp("mail-1", "thanks", days=2)])
    assert texts and journeys.journey("c1")[-1].signals.satisfaction is None  # not a call or chat
