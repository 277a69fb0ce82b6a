"""EnrichmentService over a real channel with the real models: every content kind, calls, streams, catalog."""

from __future__ import annotations

import math
import queue

import grpc
import pytest
from google.protobuf.json_format import MessageToDict
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

from journeymine.v1 import enrichment_service_pb2 as svc_pb
from journeymine.v1 import interaction_pb2 as ix_pb
from journeymine.v1 import signals_pb2 as sig_pb
from tests.service.helpers import AGENT, CUSTOMER, request_of, text_interaction

pytestmark = pytest.mark.slow

SERVICE = "journeymine.v1.EnrichmentService"
NEGATIVE, POSITIVE = sig_pb.SENTIMENT_LABEL_NEGATIVE, sig_pb.SENTIMENT_LABEL_POSITIVE
MIXED = sig_pb.SENTIMENT_LABEL_MIXED

# A billing call: frustrated about a double charge, helped, satisfied at the end. Alternates customer/agent.
CALL = [
    (CUSTOMER, "Hi, I'm really annoyed. I was charged twice for my order from Amazon last week."),
    (AGENT, "I'm sorry to hear that. My name is Sarah, and I'll help you sort this out today."),
    (CUSTOMER, "This is the second time this has happened and nobody has fixed it. It's unacceptable."),
    (AGENT, "I understand how frustrating that is. Could you give me the last four digits of the card?"),
    (CUSTOMER, "It's 4821. The charge was $89.99 and it shows up twice on my statement."),
    (AGENT, "Thank you. I can see two identical charges of $89.99 on March 3rd."),
    (CUSTOMER, "Yes, exactly. I want the duplicate charge refunded, I'm tired of waiting."),
    (AGENT, "You're right, one of them is a duplicate. I'm reversing it now."),
    (CUSTOMER, "Okay. How long will the refund take to show up?"),
    (AGENT, "It usually takes three to five business days to appear on your statement."),
    (CUSTOMER, "Fine. Will this happen again next month?"),
    (AGENT, "I've added a note to your account and flagged the payment error to our billing team."),
    (CUSTOMER, "Alright, that sounds reasonable."),
    (AGENT, "I've also applied a $10 credit to your account for the trouble."),
    (CUSTOMER, "Oh, that's really nice of you, thank you."),
    (AGENT, "You're welcome. Is there anything else I can help you with?"),
    (CUSTOMER, "No, that's everything. You were very helpful and quick."),
    (AGENT, "Great, I'm glad we could fix it. You'll get a confirmation email shortly."),
    (CUSTOMER, "Perfect, thanks so much Sarah. I really appreciate it, have a great day!"),
    (AGENT, "You too! Thank you for calling."),
]

EMAIL_NEW = (
    "Hi team,\n\nI'm very unhappy. My refund still hasn't arrived after two weeks, "
    "and nobody answers my emails. This is terrible service."
)
EMAIL_BODY = (
    f"{EMAIL_NEW}\n\nBest regards,\nJohn Miller\nAcme Corporation, London\n\n"
    "On Mon, Mar 4, 2024 at 10:00 AM Support <support@bank.com> wrote:\n"
    "> Thank you for contacting Global Bank. We are delighted to confirm your refund of $500 to Paris.\n"
    "> Wonderful news, we love happy customers!\n"
)


def call_interaction(id: str = "call-1") -> ix_pb.Interaction:
    turns = [
        ix_pb.Turn(role=role, text=text, speaker_id="cust" if role == CUSTOMER else "agent-7", start_ms=i * 5000)
        for i, (role, text) in enumerate(CALL)
    ]
    return ix_pb.Interaction(id=id, channel=ix_pb.CHANNEL_CALL, transcript=ix_pb.Transcript(turns=turns))


KINDS = {
    "text": text_interaction("The mobile app keeps crashing when I try to log in. Very frustrating.", id="k-text"),
    "transcript": call_interaction("k-call"),
    "email": ix_pb.Interaction(
        id="k-email", channel=ix_pb.CHANNEL_EMAIL, email=ix_pb.Email(subject="Refund missing", body=EMAIL_BODY)
    ),
    "survey": ix_pb.Interaction(
        id="k-survey",
        channel=ix_pb.CHANNEL_SURVEY,
        survey=ix_pb.Survey(
            responses=[
                ix_pb.SurveyResponse(
                    question="How likely are you to recommend us?",
                    rating=9,
                    scale=ix_pb.RatingScale(kind="NPS", min=0, max=10),
                ),
                ix_pb.SurveyResponse(question="Why?", answer="Support was fast and friendly. Great service!"),
            ]
        ),
    ),
    "social": ix_pb.Interaction(
        id="k-social",
        channel=ix_pb.CHANNEL_SOCIAL,
        social=ix_pb.SocialPost(platform="x", author_handle="@ann", text="@bank your app is down AGAIN. Useless."),
    ),
}


def model_refs(message) -> list[tuple[str, sig_pb.ModelRef]]:
    """Every ModelRef inside a message, with its field path."""
    found = []
    for field, value in message.ListFields():
        items = value if field.is_repeated else [value]
        for i, item in enumerate(items):
            if isinstance(item, sig_pb.ModelRef):
                found.append((f"{field.name}[{i}]", item))
            elif hasattr(item, "ListFields"):
                found.extend((f"{field.name}[{i}].{p}", r) for p, r in model_refs(item))
    return found


def assert_close(a, b, path: str = "") -> None:
    """Equal structure, equal strings/ints/bools, floats within 1e-4."""
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for key in a:
            assert_close(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_close(x, y, f"{path}[{i}]")
    elif isinstance(a, float) or isinstance(b, float):
        assert math.isclose(a, b, abs_tol=1e-4), f"{path}: {a} != {b}"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


@pytest.fixture(scope="module")
def call_result(stub) -> svc_pb.EnrichedInteraction:
    return stub.Enrich(request_of(call_interaction())).results[0]


# --- Enrich -------------------------------------------------------------------------------------


def test_every_content_kind_is_enriched_in_input_order(stub):
    reply = stub.Enrich(request_of(*KINDS.values()))
    assert [r.interaction_id for r in reply.results] == [m.id for m in KINDS.values()]
    for result in reply.results:
        assert result.language.supported and result.language.code == "en"
        assert result.HasField("sentiment") and result.HasField("intent")
        assert result.sentences and result.models
        assert all(ref.name and ref.version for _, ref in model_refs(result))
    by_id = {r.interaction_id: r for r in reply.results}
    assert by_id["k-text"].sentiment.score < 0
    assert by_id["k-social"].sentiment.score < 0
    assert by_id["k-survey"].sentiment.score > 0
    assert {s.span.part for s in by_id["k-email"].sentences} == {
        sig_pb.CONTENT_PART_EMAIL_SUBJECT,
        sig_pb.CONTENT_PART_EMAIL_BODY,
    }
    assert {s.span.part for s in by_id["k-survey"].sentences} == {sig_pb.CONTENT_PART_SURVEY_ANSWER}
    assert all(s.span.index == 1 for s in by_id["k-survey"].sentences)  # the rating-only response has no words


def test_call_has_sentiment_for_every_turn(call_result):
    assert [t.turn_index for t in call_result.turns] == list(range(20))
    assert [t.role for t in call_result.turns] == [role for role, _ in CALL]
    assert all(t.HasField("sentiment") for t in call_result.turns)
    assert call_result.turns[0].speaker_id == "cust"
    assert call_result.turns[0].sentiment.label == NEGATIVE
    assert call_result.turns[18].sentiment.label == POSITIVE


def test_call_has_per_role_sentiment_and_a_rising_trend(call_result):
    roles = {r.role: r for r in call_result.roles}
    assert set(roles) == {CUSTOMER, AGENT}
    assert roles[CUSTOMER].turn_count == roles[AGENT].turn_count == 10
    trend = call_result.trend
    # The opening third is clearly negative; one of its turns ("Yes, exactly. I want ... refunded") scores
    # positive, so the pooled label may be MIXED by the documented rule.
    assert trend.opening.label in (NEGATIVE, MIXED) and trend.opening.score < -0.2
    assert trend.closing.label == POSITIVE
    assert trend.shift == pytest.approx(trend.closing.score - trend.opening.score, abs=1e-5)
    assert trend.shift > 0.5


def test_call_intents_on_customer_turns_only(call_result):
    for t in call_result.turns:
        assert t.HasField("intent") == (t.role == CUSTOMER), t.turn_index
    intent = call_result.intent
    assert intent.taxonomy == "customer_service"
    assert len(intent.top) == 3  # the default intent_top_k
    assert intent.top[0].probability >= intent.top[-1].probability
    assert intent.label == ("out_of_scope" if intent.out_of_scope else intent.top[0].label)


def test_call_has_a_topic(call_result):
    assert len(call_result.topics) == 1  # the default topics_top_k
    topic = call_result.topics[0]
    assert topic.label and topic.keywords and 0 < topic.probability <= 1
    # The call is about a double charge.
    words = ("charge", "fee", "refund", "payment", "twice", "statement")
    assert any(word in topic.keywords for word in words), list(topic.keywords)


def test_topics_top_k_and_model_refs(stub):
    result = stub.Enrich(request_of(KINDS["email"], topics_top_k=3)).results[0]
    # Up to top_k: only topics whose centroid clears the threshold for some part are returned.
    assert 2 <= len(result.topics) <= 3
    assert any("refund" in t.keywords for t in result.topics)
    probabilities = [t.probability for t in result.topics]
    assert probabilities == sorted(probabilities, reverse=True)
    assert all(t.model.name == "topics.customer_service" and t.model.version for t in result.topics)


def test_call_entities_lie_inside_their_turns(call_result):
    assert call_result.entities
    for entity in call_result.entities:
        assert entity.span.part == sig_pb.CONTENT_PART_TURN
        text = CALL[entity.span.index][1]
        assert 0 <= entity.span.start < entity.span.end <= len(text)
        assert text[entity.span.start : entity.span.end] == entity.text
    found = {(e.label, e.text) for e in call_result.entities}
    assert ("MONEY", "89.99") in found or ("MONEY", "$89.99") in found
    for sentence in call_result.sentences:
        assert sentence.span.end <= len(CALL[sentence.span.index][1])


def test_every_signal_carries_a_model_ref(call_result):
    refs = model_refs(call_result)
    assert len(refs) > 60
    missing = [path for path, ref in refs if not (ref.name and ref.version)]
    assert missing == []
    names = {ref.name for ref in call_result.models}
    assert {"sentiment", "intent.customer_service", "topics.customer_service"} <= names


def test_options_select_signals_taxonomy_and_top_k(stub):
    reply = stub.Enrich(
        request_of(
            call_interaction(),
            signals=[sig_pb.SIGNAL_INTENT],
            intent_taxonomy="banking77",
            intent_top_k=5,
        )
    )
    result = reply.results[0]
    assert not result.HasField("sentiment") and not result.sentences and not result.topics and not result.entities
    assert result.intent.taxonomy == "banking77" and len(result.intent.top) == 5
    assert result.intent.model.name == "intent.banking77"


def test_batched_equals_one_at_a_time(stub):
    interactions = list(KINDS.values())
    batched = stub.Enrich(request_of(*interactions)).results
    for interaction, together in zip(interactions, batched, strict=True):
        alone = stub.Enrich(request_of(interaction)).results[0]
        assert_close(MessageToDict(together), MessageToDict(alone), interaction.id)


def test_email_quoted_reply_and_signature_are_not_scored(stub):
    result = stub.Enrich(request_of(KINDS["email"])).results[0]
    body_spans = [s.span for s in result.sentences if s.span.part == sig_pb.CONTENT_PART_EMAIL_BODY]
    assert body_spans
    assert all(span.end <= len(EMAIL_NEW) for span in body_spans)
    for entity in result.entities:
        if entity.span.part == sig_pb.CONTENT_PART_EMAIL_BODY:
            assert entity.span.end <= len(EMAIL_NEW)
    assert not {"Global Bank", "Paris", "John Miller"} & {e.text for e in result.entities}
    assert result.sentiment.label == NEGATIVE  # the delighted quote would have made it positive


def test_german_is_flagged_unsupported_with_no_sentiment(stub):
    german = "Ich bin sehr unzufrieden mit dem Kundenservice. Meine Rechnung ist seit drei Wochen falsch."
    result = stub.Enrich(request_of(text_interaction(german, id="de-1"))).results[0]
    assert (result.language.code, result.language.supported, result.language.source) == ("de", False, "detected")
    assert not result.HasField("sentiment") and not result.sentences and not result.HasField("intent")
    assert any("not supported" in w for w in result.warnings)


# --- EnrichStream -------------------------------------------------------------------------------


def test_stream_matches_enrich_on_the_full_transcript(stub, call_result):
    messages = [svc_pb.EnrichStreamRequest(start=svc_pb.StreamStart(interaction_id="live-1", customer_id="cust"))]
    messages += [svc_pb.EnrichStreamRequest(turn=t) for t in call_interaction().transcript.turns]
    updates = list(stub.EnrichStream(iter(messages)))

    assert len(updates) == 20
    assert [u.turn.turn_index for u in updates] == list(range(20))
    assert [u.summary.turn_count for u in updates] == list(range(1, 21))
    for update, expected in zip(updates, call_result.turns, strict=True):
        assert_close(MessageToDict(update.turn), MessageToDict(expected), f"turn {expected.turn_index}")
        assert update.sentences
    assert updates[0].summary.customer_sentiment.label == NEGATIVE
    assert not updates[0].summary.HasField("trend")  # one customer turn has no opening vs closing

    final = updates[-1].summary
    assert_close(MessageToDict(final.customer_sentiment), MessageToDict(call_result.sentiment), "sentiment")
    assert_close(MessageToDict(final.intent), MessageToDict(call_result.intent), "intent")
    assert_close([MessageToDict(t) for t in final.topics], [MessageToDict(t) for t in call_result.topics], "topics")
    assert_close([MessageToDict(r) for r in final.roles], [MessageToDict(r) for r in call_result.roles], "roles")
    assert_close(MessageToDict(final.trend), MessageToDict(call_result.trend), "trend")


def test_stream_with_only_a_start_returns_nothing(stub):
    start = svc_pb.EnrichStreamRequest(start=svc_pb.StreamStart(interaction_id="quiet"))
    assert list(stub.EnrichStream(iter([start]))) == []


# --- GetModels, health, reflection --------------------------------------------------------------


def test_get_models_lists_models_taxonomies_and_topic_models(stub):
    reply = stub.GetModels(svc_pb.GetModelsRequest())
    kinds = {m.kind: m for m in reply.models}
    assert {"encoder", "nlp", "sentiment", "intent", "topics"} <= set(kinds)
    sentiment = {(m.name, m.version) for m in reply.models if m.kind == "sentiment"}
    assert sentiment == {
        ("sentiment", "v2"),
        ("sentiment", "v3"),
        ("sentiment", "v4"),
        ("sentiment.permissive", "v1"),
        ("sentiment.permissive", "v2"),
    }
    assert {(m.name, m.version) for m in reply.models if m.kind == "satisfaction"} == {("satisfaction", "v1")}
    taxonomies = {t.name: t for t in reply.taxonomies}
    assert set(taxonomies) == {"customer_service", "banking77", "clinc150"}
    assert [t.name for t in reply.taxonomies if t.is_default] == ["customer_service"]
    assert len(taxonomies["banking77"].labels) == 77
    assert len(taxonomies["clinc150"].labels) == 150
    assert taxonomies["clinc150"].supports_out_of_scope
    assert "out_of_scope" not in taxonomies["clinc150"].labels
    assert taxonomies["customer_service"].labels
    # v2 (keyword labels) stays listed for pinned replays; v3 (phrase labels) is the default.
    assert [(t.name, t.version, t.is_default) for t in reply.topic_models] == [
        ("customer_service", "v2", False),
        ("customer_service", "v3", True),
    ]
    assert reply.topic_models[0].topic_count > 1


@pytest.mark.parametrize("service", ["", SERVICE])
def test_health_is_serving(channel, service):
    health = health_pb2_grpc.HealthStub(channel)
    reply = health.Check(health_pb2.HealthCheckRequest(service=service))
    assert reply.status == health_pb2.HealthCheckResponse.SERVING


def test_health_of_an_unknown_service_is_not_found(channel):
    with pytest.raises(grpc.RpcError) as info:
        health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service="nope.Service"))
    assert info.value.code() == grpc.StatusCode.NOT_FOUND


def test_reflection_lists_the_services(channel):
    db = ProtoReflectionDescriptorDatabase(channel)
    assert set(db.get_services()) >= {SERVICE, "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"}
    proto = db.FindFileContainingSymbol(SERVICE)
    assert proto.name == "journeymine/v1/enrichment_service.proto"
    assert [m.name for m in proto.service[0].method] == ["Enrich", "EnrichStream", "GetModels"]


def test_streams_over_the_limit_are_refused_and_freed_on_close(stub):
    # TEST_LIMITS allows 2 live streams; hold both open with a queue-fed request iterator.
    def held_stream(name):
        q = queue.Queue()
        q.put(svc_pb.EnrichStreamRequest(start=svc_pb.StreamStart(interaction_id=name)))
        q.put(svc_pb.EnrichStreamRequest(turn=call_interaction().transcript.turns[1]))
        responses = stub.EnrichStream(iter(q.get, None))
        next(responses)  # the server has accepted the stream and answered its first turn
        return q, responses

    held = [held_stream("a"), held_stream("b")]
    with pytest.raises(grpc.RpcError) as err:
        list(stub.EnrichStream(iter([svc_pb.EnrichStreamRequest(start=svc_pb.StreamStart(interaction_id="c"))])))
    assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "limits.max_concurrent_streams" in err.value.details()
    for q, responses in held:
        q.put(None)  # end the client's side; the server finishes the stream and frees its slot
        assert list(responses) == []
    start = svc_pb.EnrichStreamRequest(start=svc_pb.StreamStart(interaction_id="d"))
    assert list(stub.EnrichStream(iter([start]))) == []


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("hi", sig_pb.SENTIMENT_LABEL_NEUTRAL),
        ("thanks", sig_pb.SENTIMENT_LABEL_NEUTRAL),
        ("ok", sig_pb.SENTIMENT_LABEL_NEUTRAL),
        ("bye", sig_pb.SENTIMENT_LABEL_NEUTRAL),
        ("Thank you so much, you were very helpful!", POSITIVE),
        ("I was charged twice and nobody answers my emails.", NEGATIVE),
    ],
)
def test_small_talk_is_neutral_and_opinions_are_not(stub, text, label):
    # The shipped sentiment head learns the convention from MultiDoGo small talk (models/artifacts/sentiment).
    assert stub.Enrich(request_of(text_interaction(text))).results[0].sentiment.label == label
