"""Bad input -> INVALID_ARGUMENT naming the field, over a real channel; the rules themselves in-process."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from journeymine.v1 import enrichment_service_pb2 as svc_pb
from journeymine.v1 import interaction_pb2 as ix_pb
from journeymine.v1 import signals_pb2 as sig_pb
from models.errors import InvalidInputError
from service.rpc.enrichment.validation import validate_enrich_request, validate_stream_message
from service.rpc.fields import MAX_REPORTED_VIOLATIONS
from service.rpc.handlers import UndecodableRequest, tolerant_deserializer
from tests.service.conftest import TEST_LIMITS
from tests.service.helpers import AGENT, CUSTOMER, expect_error, request_of, text_interaction

INVALID = grpc.StatusCode.INVALID_ARGUMENT
LONE_SURROGATE_UTF8 = b"\xed\xa0\x80"  # U+D800 encoded as if it were a character: not valid UTF-8


def transcript(*turns: ix_pb.Turn, id: str = "call-1") -> ix_pb.Interaction:
    return ix_pb.Interaction(id=id, channel=ix_pb.CHANNEL_CALL, transcript=ix_pb.Transcript(turns=list(turns)))


def turn(text: str = "I was charged twice.", role: int = CUSTOMER, **kw: object) -> ix_pb.Turn:
    return ix_pb.Turn(role=role, text=text, **kw)


def survey(*responses: ix_pb.SurveyResponse) -> ix_pb.Interaction:
    return ix_pb.Interaction(id="s", survey=ix_pb.Survey(responses=list(responses)))


def violations(request: svc_pb.EnrichRequest) -> dict[str, str]:
    """In-process: field -> description of every violation (first one per field)."""
    with pytest.raises(InvalidInputError) as info:
        validate_enrich_request(request, TEST_LIMITS)
    found: dict[str, str] = {}
    for v in info.value.violations:
        found.setdefault(v.field, v.description)
    return found


def with_invalid_utf8(message: svc_pb.EnrichRequest | svc_pb.EnrichStreamRequest) -> bytes:
    """The message's bytes with the placeholder "@@@" replaced by a UTF-8-encoded lone surrogate."""
    data = message.SerializeToString()
    assert data.count(b"@@@") == 1
    return data.replace(b"@@@", LONE_SURROGATE_UTF8)  # same length, so the framing stays valid


# --- the rules, in-process (fast) ---------------------------------------------------------------

# (name, request, field path, words the description must contain)
CASES = [
    ("empty request", svc_pb.EnrichRequest(), "interactions", ["empty", "between 1 and 16"]),
    (
        "too many interactions",
        request_of(*[text_interaction(id=str(i)) for i in range(17)]),
        "interactions",
        ["17", "at most 16"],
    ),
    ("missing content", request_of(ix_pb.Interaction(id="x")), "interactions[0].content", ["transcript, email"]),
    ("empty text", request_of(text_interaction("")), "interactions[0].text", ["empty"]),
    ("whitespace text", request_of(text_interaction(" \n\t ")), "interactions[0].text", ["whitespace"]),
    ("text too long", request_of(text_interaction("a" * 5001)), "interactions[0].text", ["5001", "5000"]),
    ("no turns", request_of(transcript()), "interactions[0].transcript.turns", ["at least one turn"]),
    (
        "empty turn text",
        request_of(transcript(turn(), turn("   ", AGENT))),
        "interactions[0].transcript.turns[1].text",
        ["empty"],
    ),
    (
        "too many turns",
        request_of(transcript(*[turn()] * 41)),
        "interactions[0].transcript.turns",
        ["41", "at most 40"],
    ),
    (
        "unspecified role",
        request_of(transcript(turn(role=ix_pb.SPEAKER_ROLE_UNSPECIFIED))),
        "interactions[0].transcript.turns[0].role",
        ["SPEAKER_ROLE_CUSTOMER, SPEAKER_ROLE_AGENT, SPEAKER_ROLE_BOT, SPEAKER_ROLE_IVR"],
    ),
    (
        "unknown role number",
        request_of(transcript(turn(role=42))),
        "interactions[0].transcript.turns[0].role",
        ["42 is not a SpeakerRole value", "SPEAKER_ROLE_AGENT (2)"],
    ),
    (
        "negative start",
        request_of(transcript(turn(start_ms=-5))),
        "interactions[0].transcript.turns[0].start_ms",
        ["negative (-5)"],
    ),
    (
        "negative end",
        request_of(transcript(turn(end_ms=-1))),
        "interactions[0].transcript.turns[0].end_ms",
        ["negative (-1)"],
    ),
    (
        "end before start",
        request_of(transcript(turn(), turn(start_ms=1500, end_ms=1200))),
        "interactions[0].transcript.turns[1].end_ms",
        ["end_ms (1200) is before start_ms (1500); send end_ms >= start_ms"],
    ),
    (
        "long speaker id",
        request_of(transcript(turn(speaker_id="s" * 65))),
        "interactions[0].transcript.turns[0].speaker_id",
        ["65", "at most 64"],
    ),
    (
        "empty email",
        request_of(ix_pb.Interaction(id="e", email=ix_pb.Email(subject=" ", body="\n"))),
        "interactions[0].email",
        ["subject and body"],
    ),
    (
        "email body too long",
        request_of(ix_pb.Interaction(id="e", email=ix_pb.Email(subject="Hi", body="b" * 5001))),
        "interactions[0].email.body",
        ["5001"],
    ),
    ("no survey responses", request_of(survey()), "interactions[0].survey.responses", ["at least one"]),
    (
        "survey without answers or ratings",
        request_of(survey(ix_pb.SurveyResponse(question="Why?", answer="  "))),
        "interactions[0].survey.responses",
        ["non-empty answer or a rating"],
    ),
    (
        "too many survey responses",
        request_of(survey(*[ix_pb.SurveyResponse(answer="fine")] * 11)),
        "interactions[0].survey.responses",
        ["11", "at most 10"],
    ),
    (
        "rating outside scale",
        request_of(survey(ix_pb.SurveyResponse(rating=11, scale=ix_pb.RatingScale(kind="NPS", min=0, max=10)))),
        "interactions[0].survey.responses[0].rating",
        ["11 is outside its scale [0, 10]"],
    ),
    (
        "scale min >= max",
        request_of(survey(ix_pb.SurveyResponse(rating=3, scale=ix_pb.RatingScale(kind="CSAT", min=5, max=1)))),
        "interactions[0].survey.responses[0].scale",
        ["min (5) must be below max (1)"],
    ),
    (
        "rating is nan",
        request_of(survey(ix_pb.SurveyResponse(rating=float("nan")))),
        "interactions[0].survey.responses[0].rating",
        ["finite"],
    ),
    (
        "empty social text",
        request_of(ix_pb.Interaction(id="p", social=ix_pb.SocialPost(platform="x", text=""))),
        "interactions[0].social.text",
        ["empty"],
    ),
    (
        "too many attributes",
        request_of(ix_pb.Interaction(id="a", text="hi there", attributes={str(i): "v" for i in range(5)})),
        "interactions[0].attributes",
        ["5 entries", "at most 4"],
    ),
    ("id too long", request_of(text_interaction(id="i" * 65)), "interactions[0].id", ["65", "at most 64"]),
    (
        "customer id too long",
        request_of(ix_pb.Interaction(id="x", customer_id="c" * 100, text="hello")),
        "interactions[0].customer_id",
        ["100"],
    ),
    (
        "unknown channel",
        request_of(ix_pb.Interaction(id="x", channel=99, text="hello")),
        "interactions[0].channel",
        ["99 is not a Channel value", "CHANNEL_EMAIL (3)"],
    ),
    (
        "bad language tag",
        request_of(ix_pb.Interaction(id="x", language="english please", text="hello")),
        "interactions[0].language",
        ["BCP-47", "'de-DE'"],
    ),
    (
        "timestamp out of range",
        request_of(ix_pb.Interaction(id="x", text="hello", occurred_at=Timestamp(seconds=10**12))),
        "interactions[0].occurred_at",
        ["9999-12-31"],
    ),
    (
        "unknown signal",
        request_of(text_interaction(), signals=[sig_pb.SIGNAL_SENTIMENT, 17]),
        "options.signals[1]",
        ["17 is not a Signal value"],
    ),
    (
        "unspecified signal",
        request_of(text_interaction(), signals=[sig_pb.SIGNAL_UNSPECIFIED]),
        "options.signals[0]",
        ["SIGNAL_SENTIMENT, SIGNAL_INTENT, SIGNAL_TOPICS, SIGNAL_ENTITIES"],
    ),
    ("negative top_k", request_of(text_interaction(), intent_top_k=-1), "options.intent_top_k", ["-1", "1 to 10"]),
    ("top_k over max", request_of(text_interaction(), topics_top_k=11), "options.topics_top_k", ["11", "1 to 10"]),
    (
        "negative silence threshold",
        request_of(text_interaction(), silence_threshold_ms=-1),
        "options.silence_threshold_ms",
        ["negative (-1)", "0 for the default (2000)"],
    ),
    (
        "empty pinned model id",
        request_of(text_interaction(), pin_models=["sentiment.v2", " "]),
        "options.pin_models[1]",
        ["is empty", "'sentiment.v2'"],
    ),
    (
        "sentiment model name too long",
        request_of(text_interaction(), sentiment_model="s" * 65),
        "options.sentiment_model",
        ["65", "at most 64"],
    ),
]


@pytest.mark.parametrize(("request_", "field", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rule(request_, field, words):
    found = violations(request_)
    assert field in found, f"{field} not in {sorted(found)}"
    for word in words:
        assert word in found[field]


def test_every_violation_is_collected():
    bad = request_of(
        transcript(turn(""), turn(role=0, start_ms=9, end_ms=3)),
        ix_pb.Interaction(id="x"),
        intent_top_k=-3,
    )
    assert set(violations(bad)) == {
        "interactions[0].transcript.turns[0].text",
        "interactions[0].transcript.turns[1].role",
        "interactions[0].transcript.turns[1].end_ms",
        "interactions[1].content",
        "options.intent_top_k",
    }


def test_descriptions_never_echo_the_callers_text():
    secret = "my card number is 4111 1111 1111 1111 " * 200
    found = violations(request_of(text_interaction(secret), transcript(turn(secret, role=0))))
    assert all("4111" not in d for d in found.values())


def test_good_requests_pass():
    good = request_of(
        text_interaction(),
        transcript(turn(start_ms=0, end_ms=0), turn("Sure.", AGENT)),
        survey(ix_pb.SurveyResponse(rating=10, scale=ix_pb.RatingScale(kind="NPS", min=0, max=10))),
        ix_pb.Interaction(id="e", email=ix_pb.Email(subject="", body="Refund please"), language="en-GB"),
        intent_top_k=10,
        topics_top_k=0,
    )
    assert validate_enrich_request(good, TEST_LIMITS) is good


def test_undecodable_bytes_become_a_field_violation():
    request = request_of(text_interaction("@@@"))
    decoded = tolerant_deserializer(svc_pb.EnrichRequest)(with_invalid_utf8(request))
    assert isinstance(decoded, UndecodableRequest)
    found = violations(decoded)  # type: ignore[arg-type]
    assert "not a valid EnrichRequest" in found["request"] and "UTF-8" in found["request"]


@pytest.mark.parametrize(
    ("message", "started", "turn_count", "field", "words"),
    [
        (svc_pb.EnrichStreamRequest(), False, 0, "event", ["StreamStart first"]),
        (svc_pb.EnrichStreamRequest(turn=turn()), False, 0, "start", ["send a StreamStart first"]),
        (svc_pb.EnrichStreamRequest(start=svc_pb.StreamStart()), True, 2, "start", ["second StreamStart"]),
        (svc_pb.EnrichStreamRequest(turn=turn()), True, 30, "turn", ["at most 30", "start a new stream"]),
        (svc_pb.EnrichStreamRequest(turn=turn(" ")), True, 3, "turn.text", ["turn 3", "empty"]),
        (
            svc_pb.EnrichStreamRequest(start=svc_pb.StreamStart(options=svc_pb.EnrichOptions(intent_top_k=99))),
            False,
            0,
            "start.options.intent_top_k",
            ["99"],
        ),
    ],
)
def test_stream_rules(message, started, turn_count, field, words):
    with pytest.raises(InvalidInputError) as info:
        validate_stream_message(message, index=5, started=started, turn_count=turn_count, limits=TEST_LIMITS)
    found = {v.field: v.description for v in info.value.violations}
    assert field in found, f"{field} not in {sorted(found)}"
    for word in words:
        assert word in found[field]


# --- over a real channel (loads the models once per session) ------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(("request_", "field"), [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_invalid_argument_over_the_wire(stub, request_, field):
    _, details = expect_error(lambda: stub.Enrich(request_), INVALID)
    assert field in details, f"{field} not in {sorted(details)}"


@pytest.mark.slow
def test_all_violations_arrive_together(stub):
    bad = request_of(transcript(turn(""), turn(role=7)), ix_pb.Interaction(id="x"), topics_top_k=-1)
    err, details = expect_error(lambda: stub.Enrich(bad), INVALID)
    assert set(details) == {
        "interactions[0].transcript.turns[0].text",
        "interactions[0].transcript.turns[1].role",
        "interactions[1].content",
        "options.topics_top_k",
    }
    assert "(and 3 more)" in err.details()


@pytest.mark.slow
def test_many_violations_are_capped_to_fit_the_trailer(stub):
    # 40 turns, each with three faults: 120 violations would overflow gRPC's 8 KiB trailer limit.
    bad = request_of(transcript(*[turn(" ", role=0, start_ms=9, end_ms=1)] * 40))
    _, details = expect_error(lambda: stub.Enrich(bad), INVALID)
    assert len(details) <= MAX_REPORTED_VIOLATIONS + 1
    assert "more violations not shown" in details["request"]


@pytest.mark.slow
def test_invalid_utf8_is_invalid_argument_not_internal(channel):
    raw = with_invalid_utf8(request_of(text_interaction("@@@")))
    call = channel.unary_unary("/journeymine.v1.EnrichmentService/Enrich")  # raw bytes, no serializer
    _, details = expect_error(lambda: call(raw), INVALID)
    assert "not a valid EnrichRequest" in details["request"]
    assert "strings must be UTF-8" in details["request"]


@pytest.mark.slow
def test_invalid_utf8_in_a_stream_is_invalid_argument(channel):
    start = svc_pb.EnrichStreamRequest(start=svc_pb.StreamStart(interaction_id="live-1")).SerializeToString()
    bad_turn = with_invalid_utf8(svc_pb.EnrichStreamRequest(turn=turn("@@@")))
    call = channel.stream_stream("/journeymine.v1.EnrichmentService/EnrichStream")
    _, details = expect_error(lambda: list(call(iter([start, bad_turn]))), INVALID)
    assert "not a valid EnrichStreamRequest" in details["request (message 1)"]


@pytest.mark.slow
def test_unknown_taxonomy_is_not_found_naming_valid_ones(stub):
    err, details = expect_error(
        lambda: stub.Enrich(request_of(text_interaction(), intent_taxonomy="banking78")), grpc.StatusCode.NOT_FOUND
    )
    for name in ("banking77", "clinc150", "customer_service"):
        assert name in details["options.intent_taxonomy"]
        assert name in err.details()


@pytest.mark.slow
def test_unknown_sentiment_model_is_not_found_naming_valid_ones(stub):
    err, details = expect_error(
        lambda: stub.Enrich(request_of(text_interaction(), sentiment_model="sentimental")), grpc.StatusCode.NOT_FOUND
    )
    assert "valid sentiment model names are: permissive, sentiment" in details["options.sentiment_model"]
    assert "'sentimental'" in err.details()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("messages", "code", "field"),
    [
        ([svc_pb.EnrichStreamRequest(turn=turn())], INVALID, "start"),
        (
            [
                svc_pb.EnrichStreamRequest(start=svc_pb.StreamStart(interaction_id="a")),
                svc_pb.EnrichStreamRequest(start=svc_pb.StreamStart(interaction_id="b")),
            ],
            INVALID,
            "start",
        ),
        (
            [
                svc_pb.EnrichStreamRequest(start=svc_pb.StreamStart(interaction_id="a")),
                svc_pb.EnrichStreamRequest(turn=turn(role=0)),
            ],
            INVALID,
            "turn.role",
        ),
        (
            [
                svc_pb.EnrichStreamRequest(
                    start=svc_pb.StreamStart(options=svc_pb.EnrichOptions(intent_taxonomy="nope"))
                ),
            ],
            grpc.StatusCode.NOT_FOUND,
            "start.options.intent_taxonomy",
        ),
        (
            [svc_pb.EnrichStreamRequest(start=svc_pb.StreamStart(options=svc_pb.EnrichOptions(topic_model="nope")))],
            grpc.StatusCode.NOT_FOUND,
            "start.options.topic_model",
        ),
        (
            [
                svc_pb.EnrichStreamRequest(
                    start=svc_pb.StreamStart(options=svc_pb.EnrichOptions(sentiment_model="nope"))
                )
            ],
            grpc.StatusCode.NOT_FOUND,
            "start.options.sentiment_model",
        ),
    ],
    ids=[
        "turn before start",
        "second start",
        "bad turn",
        "unknown taxonomy",
        "unknown topic model",
        "unknown sentiment model",
    ],
)
def test_bad_streams_fail_with_the_field(stub, messages, code, field):
    _, details = expect_error(lambda: list(stub.EnrichStream(iter(messages))), code)
    assert field in details, f"{field} not in {sorted(details)}"


@pytest.mark.slow
def test_server_still_answers_after_bad_requests(stub):
    for case in CASES[:5]:
        expect_error(lambda case=case: stub.Enrich(case[1]), INVALID)
    reply = stub.Enrich(request_of(text_interaction("The agent was friendly and fixed my problem.")))
    assert len(reply.results) == 1
    assert reply.results[0].sentiment.label == sig_pb.SENTIMENT_LABEL_POSITIVE
