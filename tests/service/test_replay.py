"""Issue 8 end to end, real models over a real channel: a timed 20-turn call gets conversation metrics and
speaker-attributed aspects; a pinned request replays byte for byte whatever shares its batch."""

from __future__ import annotations

import grpc
import pytest

from journeymine.v1 import enrichment_service_pb2 as svc_pb
from journeymine.v1 import enrichment_service_pb2_grpc as svc_grpc
from journeymine.v1 import interaction_pb2 as ix_pb
from journeymine.v1 import signals_pb2 as sig_pb
from tests.service.helpers import AGENT, CUSTOMER, expect_error, request_of, text_interaction

pytestmark = pytest.mark.slow

WITH_ASPECTS = [
    sig_pb.SIGNAL_SENTIMENT,
    sig_pb.SIGNAL_INTENT,
    sig_pb.SIGNAL_TOPICS,
    sig_pb.SIGNAL_ENTITIES,
    sig_pb.SIGNAL_ASPECTS,
]

# (role, text, start_ms, end_ms): a gap of 6 s after turn 5, the agent cutting in at turn 8,
# a back-channel inside turn 11, and turn 15 without times.
TURNS: list[tuple[int, str, int | None, int | None]] = [
    (AGENT, "Thanks for calling Northwind, this is Sam, how can I help?", 0, 3200),
    (CUSTOMER, "Hi, I returned a jacket a month ago and I still have not got my refund.", 3900, 8800),
    (AGENT, "I am sorry to hear that. Can I have your order number?", 9300, 12500),
    (CUSTOMER, "It is 4 4 1 9 2.", 13400, 15600),
    (AGENT, "Thank you. I can see the return arrived at our warehouse on the third.", 16100, 20400),
    (CUSTOMER, "So why is the money not back on my card?", 20900, 23300),
    (AGENT, "Refunds usually take five days after the warehouse scan.", 29300, 32800),
    (CUSTOMER, "It has been three weeks. The refund process is a joke and nobody answers my emails.", 33100, 39800),
    (AGENT, "I understand, let me escalate this right now.", 39000, 42600),
    (CUSTOMER, "Okay.", 42900, 43400),
    (AGENT, "I have escalated the refund and marked it urgent for our payments team.", 44000, 50200),
    (CUSTOMER, "Mm-hm.", 47000, 47500),
    (AGENT, "You should see the money within two days.", 50600, 53100),
    (CUSTOMER, "Fine. The agent on the chat yesterday was rude, but you have been really helpful.", 53800, 59900),
    (AGENT, "Thank you, I am glad I could help.", 60400, 62700),
    (CUSTOMER, "Will I get an email when it is done?", None, None),
    (AGENT, "Yes, you will get a confirmation email.", 67000, 69800),
    (CUSTOMER, "Great, the jacket itself was lovely, by the way.", 70300, 73900),
    (AGENT, "Is there anything else I can help you with today?", 74400, 77300),
    (CUSTOMER, "No, that is all. Thanks, bye.", 77900, 80200),
]


def twenty_turn_call(id: str = "call-20") -> ix_pb.Interaction:
    turns = []
    for role, text, start, end in TURNS:
        turn = ix_pb.Turn(role=role, text=text, speaker_id="agent-7" if role == AGENT else "cust-1")
        if start is not None:
            turn.start_ms, turn.end_ms = start, end
        turns.append(turn)
    return ix_pb.Interaction(id=id, channel=ix_pb.CHANNEL_CALL, transcript=ix_pb.Transcript(turns=turns))


def test_twenty_turn_call_gets_conversation_metrics_and_speaker_attributed_aspects(
    stub: svc_grpc.EnrichmentServiceStub,
) -> None:
    [result] = stub.Enrich(request_of(twenty_turn_call(), signals=WITH_ASPECTS), timeout=120).results
    m = result.conversation
    assert (m.turn_count, m.timed_turn_count, m.duration_ms) == (20, 19, 80200)
    roles = {r.role: r for r in m.roles}
    assert roles[CUSTOMER].turn_count == 10 and roles[CUSTOMER].timed_turn_count == 9
    assert roles[AGENT].talk_share + roles[CUSTOMER].talk_share == pytest.approx(1.0)
    assert m.longest_silence_ms == 6000 and m.silence_count >= 1
    assert m.overtalk_count == 2 and m.overtalk_ms == 800 + 500
    assert [(i.by, i.on, i.count) for i in m.interruptions] == [(AGENT, CUSTOMER, 1)]
    assert m.response_count >= 8 and m.max_response_ms == 6000
    # Aspects: attributed to who said them, each with its own polarity.
    said = {(a.text.lower(), a.span.index): a for a in result.aspects}
    refund = said[("refund process", 7)]
    assert refund.role == CUSTOMER and refund.speaker_id == "cust-1"
    assert refund.sentiment.label == sig_pb.SENTIMENT_LABEL_NEGATIVE
    assert said[("jacket", 17)].sentiment.label == sig_pb.SENTIMENT_LABEL_POSITIVE
    assert any(a.role == AGENT for a in result.aspects)
    for a in result.aspects:
        text = TURNS[a.span.index][1]
        assert text[a.span.start : a.span.end] == a.text and a.sentiment.model.name == "aspect"
        assert 0 < a.confidence <= 1
    summary = {(s.aspect, s.role): s for s in result.aspect_summary}
    assert summary[("refund", AGENT)].mentions >= 1
    assert all(s.negative + s.neutral + s.positive == s.mentions for s in result.aspect_summary)
    assert "aspect.v1" in {f"{x.name}.{x.version}" for x in result.models}


def test_a_pinned_request_replays_byte_for_byte_in_any_batch(stub: svc_grpc.EnrichmentServiceStub) -> None:
    first = stub.Enrich(request_of(twenty_turn_call(), signals=WITH_ASPECTS), timeout=120).results[0]
    pins = [f"{m.name}.{m.version}" for m in first.models]
    pinned = {"signals": WITH_ASPECTS, "pin_models": pins}
    alone = stub.Enrich(request_of(twenty_turn_call(), **pinned), timeout=120).results[0]
    again = stub.Enrich(request_of(twenty_turn_call(), **pinned), timeout=120).results[0]
    crowd = [
        text_interaction("My parcel is late and the tracking page is broken.", id="x1"),
        twenty_turn_call(),
        text_interaction("Lovely staff, terrible parking.", id="x2"),
    ]
    in_a_crowd = stub.Enrich(request_of(*crowd, **pinned), timeout=120).results[1]
    assert alone.SerializeToString(deterministic=True) == again.SerializeToString(deterministic=True)
    assert alone.SerializeToString(deterministic=True) == in_a_crowd.SerializeToString(deterministic=True)
    assert [f"{m.name}.{m.version}" for m in alone.models] == pins


def test_a_pinned_version_that_is_not_loaded_is_not_found(stub: svc_grpc.EnrichmentServiceStub) -> None:
    request = request_of(text_interaction(), pin_models=["sentiment.v2", "sentiment.v1"])
    err, _ = expect_error(lambda: stub.Enrich(request, timeout=30), grpc.StatusCode.NOT_FOUND)
    assert "'sentiment.v1'" in err.details() and "sentiment.v2" in err.details()


def test_stream_summary_carries_conversation_metrics_and_aspects(stub: svc_grpc.EnrichmentServiceStub) -> None:
    start = svc_pb.StreamStart(interaction_id="live-1", options=svc_pb.EnrichOptions(signals=WITH_ASPECTS))
    turns = list(twenty_turn_call().transcript.turns)[:9]
    messages = [svc_pb.EnrichStreamRequest(start=start)] + [svc_pb.EnrichStreamRequest(turn=t) for t in turns]
    replies = list(stub.EnrichStream(iter(messages), timeout=120))
    assert [r.summary.conversation.turn_count for r in replies] == list(range(1, 10))
    assert replies[7].summary.conversation.interruptions == []  # the cut-in comes with turn 8
    assert replies[-1].summary.conversation.longest_silence_ms == 6000
    assert replies[-1].summary.conversation.interruptions[0].by == AGENT
    assert any(a.text.lower() == "refund process" and a.role == CUSTOMER for a in replies[7].aspects)
    assert replies[-1].summary.aspect_summary
