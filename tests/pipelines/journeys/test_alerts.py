"""The churn-risk and repeat-contact rules: which piece or which likeness matched, and what does not match."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import timedelta

import pytest

from pipelines.enrichment.domain import (
    Channel,
    ContentPart,
    EnrichedInteraction,
    EnrichOptions,
    Intent,
    Interaction,
    LanguageInfo,
    ModelRef,
    SentenceSentiment,
    Sentiment,
    SentimentLabel,
    SpeakerRole,
    TextSpan,
    Transcript,
    Turn,
    TurnSignals,
)
from pipelines.journeys.alerts import AlertConfig, RepeatMatch, evaluate
from pipelines.journeys.customer_text import Piece, Reading
from pipelines.journeys.database import default_url
from pipelines.journeys.domain import (
    AlertRule,
    CustomerIntent,
    Outcome,
    StoredTouchpoint,
    Touchpoint,
    TouchpointSignals,
)
from pipelines.journeys.journeys import Journeys
from pipelines.journeys.pii import Redactor
from pipelines.journeys.rows import pack_embedding, row_of, touchpoint_of, unpack_embedding
from pipelines.journeys.store import JourneyStore
from tests.pipelines.journey_builders import T0, tp

TURN = ContentPart.TURN


def stp(tp_id: str, *, stage: str = "", signals: dict | None = None, **kw) -> StoredTouchpoint:
    """``tp`` with a stage and any TouchpointSignals field."""
    item = tp(tp_id, **kw)
    return replace(item, stage=stage, signals=replace(item.signals, **(signals or {})))


def unit(*values: float) -> tuple[float, ...]:
    norm = math.sqrt(sum(v * v for v in values))
    return tuple(v / norm for v in values)


def repeats(history: list[StoredTouchpoint], config: AlertConfig | None = None) -> list:
    found = evaluate([history[-1]], {"c1": history}, {}, {}, config or AlertConfig())
    return [a for a in found if a.rule == AlertRule.REPEAT_UNRESOLVED]


def churn(item: StoredTouchpoint, config: AlertConfig | None = None) -> list:
    found = evaluate([item], {"c1": [item]}, {}, {}, config or AlertConfig())
    return [a for a in found if a.rule == AlertRule.CHURN_RISK_INTENT]


# --- churn_risk_intent -----------------------------------------------------------------------------


def test_churn_fires_from_a_sentence_when_the_document_intent_abstains():
    leaving = CustomerIntent(TURN, 0, 1, "delete_account", "", 0.97)
    item = stp("call", channel=Channel.CALL, signals={"customer_intents": (leaving,), "intent_taxonomy": "cs"})
    [alert] = churn(item)
    assert alert.details == {
        "match": "intent",
        "intent": "delete_account",
        "category": "",
        "taxonomy": "cs",
        "confidence": "0.970",
        "part": "turn",
        "index": "0",
        "sentence": "1",
    }
    assert "in customer turn 0, sentence 1 on call" in alert.message and alert.touchpoint_ids == ("call",)


def test_churn_fires_from_a_category_and_names_the_first_matching_piece():
    pieces = (
        CustomerIntent(TURN, 0, -1, "greeting", "small_talk", 0.9),
        CustomerIntent(TURN, 2, -1, "end_contract", "leaving", 0.6),
        CustomerIntent(TURN, 4, -1, "close_account", "leaving", 0.8),
    )
    [alert] = churn(stp("chat", signals={"customer_intents": pieces}))
    assert (alert.details["match"], alert.details["intent"], alert.details["index"]) == (
        "category",
        "end_contract",
        "2",
    )
    assert "category 'leaving'" in alert.message and "customer turn 2 on chat" in alert.message
    # The category list is configurable: without "leaving" nothing in this chat signals churn.
    assert not churn(stp("chat", signals={"customer_intents": pieces}), AlertConfig(churn_categories=frozenset()))


def test_churn_reads_the_document_intent_and_falls_back_to_the_outcome():
    [by_document] = churn(stp("email", channel=Channel.EMAIL, intent="closeaccount"))
    assert by_document.details["part"] == "document" and "the email as a whole" in by_document.message
    [by_outcome] = churn(stp("call", outcome=Outcome.CANCELLATION, intent="check_balance"))
    assert by_outcome.details == {"match": "outcome", "outcome": "cancellation"}
    assert not churn(stp("call", intent="check_balance", signals={"intent_category": "account"}))


# --- repeat_unresolved -----------------------------------------------------------------------------


def test_repeat_on_the_same_journey_and_stage_says_so():
    history = [
        stp("chat", journey="j1", stage="billing", outcome=Outcome.UNRESOLVED),
        stp("call", days=1, journey="j1", stage="billing", channel=Channel.CALL),
    ]
    [alert] = repeats(history)
    assert alert.touchpoint_ids == ("chat", "call")
    assert alert.details == {
        "match": "journey_stage",
        "matches": "journey_stage",
        "journey": "j1",
        "stage": "billing",
        "previous": "chat",
        "previous_outcome": "unresolved",
    }
    assert "same journey 'j1' and stage 'billing'" in alert.message


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        # A different stage of the same journey is another thing.
        ({"journey": "j1", "stage": "billing"}, {"journey": "j1", "stage": "delivery"}),
        # Stage without a journey does not say "the same thing".
        ({"stage": "billing"}, {"stage": "billing"}),
    ],
)
def test_no_repeat_across_stages_or_without_a_journey(earlier, later):
    history = [stp("a", outcome=Outcome.UNRESOLVED, **earlier), stp("b", days=1, **later)]
    assert not repeats(history)


def test_no_repeat_after_a_resolved_contact_or_outside_the_window():
    same = {"journey": "j1", "stage": "billing"}
    assert not repeats([stp("a", outcome=Outcome.RESOLVED, **same), stp("b", days=1, **same)])
    assert not repeats([stp("a", outcome=Outcome.UNRESOLVED, **same), stp("b", days=8, **same)])
    assert repeats(
        [stp("a", outcome=Outcome.UNRESOLVED, **same), stp("b", days=8, **same)], AlertConfig(repeat_window_days=9)
    )


def test_a_survey_is_not_a_repeat_contact():
    same = {"journey": "j1", "stage": "billing"}
    history = [stp("a", outcome=Outcome.UNRESOLVED, **same), stp("s", days=1, channel=Channel.SURVEY, **same)]
    assert not repeats(history)
    assert repeats(history, AlertConfig(repeat_ignore_channels=frozenset()))


def test_repeat_on_the_same_intent_category_but_not_on_small_talk():
    def with_pieces(tp_id: str, *pieces: tuple[str, str], **kw) -> StoredTouchpoint:
        found = tuple(CustomerIntent(TURN, i, -1, label, cat, 0.8) for i, (label, cat) in enumerate(pieces))
        return stp(tp_id, signals={"customer_intents": found}, **kw)

    earlier = with_pieces(
        "a", ("greeting", "small_talk"), ("refund_status", "returns_refunds"), outcome=Outcome.ESCALATED
    )
    later = with_pieces("b", ("greeting", "small_talk"), ("return_item", "returns_refunds"), days=2)
    [alert] = repeats([earlier, later])
    assert (alert.details["match"], alert.details["category"]) == ("intent_category", "returns_refunds")
    assert "same intent category 'returns_refunds'" in alert.message
    chit_chat = with_pieces("b", ("greeting", "small_talk"), ("thanks", "small_talk"), days=2)
    assert not repeats([earlier, chit_chat])


def test_repeat_on_the_same_intent_or_topic():
    [by_intent] = repeats(
        [stp("a", intent="card_lost", outcome=Outcome.CALLBACK), stp("b", days=1, intent="card_lost")]
    )
    assert (by_intent.details["match"], by_intent.details["intent"]) == ("intent", "card_lost")
    [by_topic] = repeats(
        [
            stp("a", topics=("double charge",), outcome=Outcome.ABANDONED),
            stp("b", days=1, topics=("x", "double charge")),
        ]
    )
    assert (by_topic.details["match"], by_topic.details["topic"]) == ("topic", "double charge")
    assert not repeats([stp("a", intent="card_lost", outcome=Outcome.CALLBACK), stp("b", days=1, intent="balance")])


def test_repeat_on_close_embeddings_only_above_the_threshold():
    a = stp("a", outcome=Outcome.UNRESOLVED, signals={"embedding": unit(1.0, 0.2, 0.0)})
    close = stp("b", days=1, signals={"embedding": unit(1.0, 0.0, 0.3)})
    far = stp("b", days=1, signals={"embedding": unit(0.0, 1.0, 0.3)})
    [alert] = repeats([a, close])
    cosine = sum(x * y for x, y in zip(a.signals.embedding, close.signals.embedding, strict=True))
    assert alert.details["match"] == "embedding" and alert.details["cosine"] == f"{cosine:.3f}"
    assert not repeats([a, far])
    assert not repeats([a, close], AlertConfig(repeat_similarity=0.99))
    assert not repeats([a, close], AlertConfig(repeat_matches=frozenset(RepeatMatch) - {RepeatMatch.EMBEDDING}))


def test_every_matching_rule_is_listed_the_first_named():
    same = {"journey": "j1", "stage": "billing", "topics": ("double charge",), "intent": "disputecharge"}
    [alert] = repeats([stp("a", outcome=Outcome.UNRESOLVED, **same), stp("b", days=1, **same)])
    assert alert.details["match"] == "journey_stage" and alert.details["matches"] == "journey_stage,intent,topic"


def test_contacts_at_the_same_moment_repeat_one_way_only():
    same = {"journey": "j1", "stage": "billing", "outcome": Outcome.UNRESOLVED}
    a, b = stp("a", **same), stp("b", **same)
    found = evaluate([a, b], {"c1": [a, b]}, {}, {}, AlertConfig())
    assert [x.touchpoint_ids for x in found if x.rule == AlertRule.REPEAT_UNRESOLVED] == [("a", "b")]


# --- through Journeys.record and the store -------------------------------------------------------------


@pytest.fixture
def store(tmp_path):
    s = JourneyStore.open(default_url(tmp_path))
    yield s
    s.close()


def test_a_retried_batch_raises_its_repeat_alert_once(store):
    core = Journeys(store=store, enrich=None, redactor=Redactor(nlp=None), clock=lambda: T0 + timedelta(days=3))

    def contact(tp_id: str, days: float) -> Touchpoint:
        return Touchpoint(tp_id, "c1", Channel.CALL, T0 + timedelta(days=days), "j1", "billing", Outcome.UNRESOLVED)

    assert not core.record([contact("a", 0)]).alerts
    first = core.record([contact("b", 1)])
    assert [(a.rule, a.touchpoint_ids) for a in first.alerts] == [(AlertRule.REPEAT_UNRESOLVED, ("a", "b"))]
    assert not core.record([contact("b", 1)]).alerts  # the retry: b is a duplicate, nothing is raised
    assert len(core.list_alerts(customer_id="c1")) == 1


def _sentiment() -> Sentiment:
    return Sentiment(SentimentLabel.NEUTRAL, 0.1, 0.8, 0.1, 0.0, ModelRef("sentiment", "test"))


class FakeReader:
    """Labels a sentence "close_account" (category leaving) when it says close; records what it was asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[str | None, list[Piece]]] = []

    def __call__(self, docs):
        out = []
        for taxonomy, pieces in docs:
            self.asked.append((taxonomy, list(pieces)))
            intents = tuple(
                CustomerIntent(p.part, p.index, p.sentence, "close_account", "leaving", 0.9)
                for p in pieces
                if p.classify and "close" in p.text
            )
            out.append(Reading(intents, unit(1.0, 1.0) if pieces else ()))
        return out


def test_record_reads_the_customer_sentences_and_stores_what_the_rules_read(store):
    turns = (
        Turn(SpeakerRole.CUSTOMER, "Charged twice again. Please close my account."),
        Turn(SpeakerRole.AGENT, "Sorry, please close nothing yet."),
        Turn(SpeakerRole.CUSTOMER, "Hello?"),
    )
    first = turns[0].text
    ref = ModelRef("intent.test", "v1")

    def enrich(interactions: list[Interaction], options: EnrichOptions) -> list[EnrichedInteraction]:
        sentences = (
            SentenceSentiment(TextSpan(TURN, 0, 0, 20), _sentiment()),
            SentenceSentiment(TextSpan(TURN, 0, 21, len(first)), _sentiment()),
            SentenceSentiment(TextSpan(TURN, 1, 0, len(turns[1].text)), _sentiment()),
            SentenceSentiment(TextSpan(TURN, 2, 0, 6), _sentiment()),
        )
        greeting = Intent("test", "greeting", False, 0.8, 0.5, (), ref, category="small_talk")
        turn_signals = (
            TurnSignals(0, SpeakerRole.CUSTOMER, "", None, Intent("test", "out_of_scope", True, 0.2, 0.5, (), ref)),
            TurnSignals(1, SpeakerRole.AGENT, "", None, None),
            TurnSignals(2, SpeakerRole.CUSTOMER, "", None, greeting),
        )
        doc = Intent("test", "out_of_scope", True, 0.3, 0.5, (), ref)
        return [
            EnrichedInteraction(
                i.id, LanguageInfo("en", 1.0, "declared", True), sentences=sentences, turns=turn_signals, intent=doc
            )
            for i in interactions
        ]

    reader = FakeReader()
    core = Journeys(store=store, enrich=enrich, redactor=Redactor(nlp=None), read_customer_text=reader)
    interaction = Interaction("t1", Transcript(turns), channel=Channel.CALL)
    batch = core.record([Touchpoint("t1", "c1", Channel.CALL, T0, interaction=interaction)])

    # The agent's turn is not read; the one-sentence turn 2 has its turn intent already and is not classified again.
    [(taxonomy, pieces)] = reader.asked
    assert taxonomy == "test"
    assert [(p.index, p.sentence, p.text, p.classify) for p in pieces] == [
        (0, 0, "Charged twice again.", True),
        (0, 1, "Please close my account.", True),
        (2, 0, "Hello?", False),
    ]
    signals = batch.results[0].signals
    assert signals.customer_intents == (
        CustomerIntent(TURN, 0, 1, "close_account", "leaving", 0.9),
        CustomerIntent(TURN, 2, -1, "greeting", "small_talk", 0.8),
    )
    [alert] = [a for a in batch.alerts if a.rule == AlertRule.CHURN_RISK_INTENT]
    assert (alert.details["match"], alert.details["sentence"]) == ("category", "1")
    # What the store reads back is what the rules read.
    assert core.journey("c1")[0].signals == signals


def test_embeddings_pack_small_and_keep_their_cosines():
    import numpy as np

    rng = np.random.default_rng(0)
    a, b = (v / np.linalg.norm(v) for v in rng.normal(size=(2, 384)))
    packed = pack_embedding(tuple(a))
    assert len(packed) == 512
    ua, ub = np.array(unpack_embedding(packed)), np.array(unpack_embedding(pack_embedding(tuple(b))))
    assert abs(float(ua @ ub) - float(a @ b)) < 0.01 and abs(float(ua @ ua) - 1) < 1e-9
    assert pack_embedding(()) == "" and unpack_embedding("") == ()


def test_rows_stored_before_the_new_signals_read_as_none_found():
    # As summarise keeps it: quantised the way the store packs it.
    embedding = unpack_embedding(pack_embedding(unit(3.0, 4.0)))
    item = stp("a", signals={"intent_category": "billing_payments", "embedding": embedding})
    row = row_of(item)
    assert touchpoint_of(row).signals == item.signals
    old = {**row, "signals_json": "{}"}
    signals = touchpoint_of(old).signals
    assert (signals.intent_category, signals.customer_intents, signals.embedding) == ("", (), ())
    assert TouchpointSignals().embedding == ()


def test_the_reader_pools_one_unit_embedding_and_keeps_in_scope_sentence_intents():
    import numpy as np

    from pipelines.journeys.customer_text import CustomerTextReader

    vectors = {"close it": [1.0, 0.0], "hello": [0.0, 1.0], "where is it": [0.6, 0.8]}

    class Encoder:
        name, version, dim = "fake", "1", 2

        def encode(self, texts):
            return np.array([vectors[t] for t in texts], dtype=np.float32)

    class Stage:
        def predict(self, rows, top_k):
            ref = ModelRef("intent.test", "v1")
            return [
                Intent("t", "close_account", False, 0.9, 0.5, (), ref, category="leaving")
                if row[0] == 1.0
                else Intent("t", "out_of_scope", True, 0.2, 0.5, (), ref)
                for row in rows
            ]

    asked: list[str | None] = []
    reader = CustomerTextReader(encoder=Encoder(), intent_stage=lambda name: asked.append(name) or Stage())
    pieces = [Piece(TURN, 0, 0, "close it"), Piece(TURN, 0, 1, "hello"), Piece(TURN, 2, 0, "where is it", False)]
    first, empty, alone = reader.read([("cs", pieces), ("cs", []), (None, [Piece(TURN, 0, 0, "hello")])])
    assert first.intents == (CustomerIntent(TURN, 0, 0, "close_account", "leaving", pytest.approx(0.9)),)
    mean = np.array([1.6, 1.8]) / 3
    assert np.allclose(first.embedding, mean / np.linalg.norm(mean))
    assert empty == Reading() and alone.intents == () and np.allclose(alone.embedding, [0.0, 1.0])
    assert asked == ["cs", None]


def test_a_call_that_asks_for_no_intents_gets_the_embedding_only(store):
    from pipelines.enrichment.domain import PlainText, SignalKind

    def enrich(interactions, options):
        return [EnrichedInteraction(i.id, LanguageInfo("en", 1.0, "declared", True)) for i in interactions]

    reader = FakeReader()
    core = Journeys(store=store, enrich=enrich, redactor=Redactor(nlp=None), read_customer_text=reader)
    interaction = Interaction("t1", PlainText("Please close my account."), channel=Channel.EMAIL)
    options = EnrichOptions(signals=frozenset({SignalKind.SENTIMENT}))
    batch = core.record([Touchpoint("t1", "c1", Channel.EMAIL, T0, interaction=interaction)], options)
    [(_, pieces)] = reader.asked
    assert [(p.text, p.classify) for p in pieces] == [("Please close my account.", False)]
    signals = batch.results[0].signals
    assert signals.customer_intents == () and len(signals.embedding) == 2
