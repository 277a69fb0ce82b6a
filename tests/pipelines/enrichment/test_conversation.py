"""Conversation metrics: every figure of docs/conversation.md on hand-made timelines."""

from __future__ import annotations

import pytest

from pipelines.enrichment.conversation import ConversationConfig, conversation_metrics
from pipelines.enrichment.domain import ConversationMetrics, InterruptionCount, RoleTalk, SpeakerRole, Turn

A, C = SpeakerRole.AGENT, SpeakerRole.CUSTOMER


def turn(role: SpeakerRole, start: int | None, end: int | None, text: str = "words here", speaker: str = "") -> Turn:
    return Turn(role=role, text=text, speaker_id=speaker, start_ms=start, end_ms=end)


def role_of(metrics: ConversationMetrics, role: SpeakerRole) -> RoleTalk:
    return next(r for r in metrics.roles if r.role == role)


def test_talk_time_share_and_turn_lengths() -> None:
    m = conversation_metrics(
        [
            turn(A, 0, 2000, "hello how can I help"),
            turn(C, 2500, 8500, "my card was charged twice"),
            turn(A, 9000, 11000, "let me check"),
        ]
    )
    agent, customer = role_of(m, A), role_of(m, C)
    assert (agent.turn_count, agent.talk_ms, customer.talk_ms) == (2, 4000, 6000)
    assert agent.talk_share == pytest.approx(0.4) and customer.talk_share == pytest.approx(0.6)
    assert agent.avg_turn_ms == 2000 and customer.avg_turn_ms == 6000
    assert agent.word_count == 8 and agent.avg_turn_words == 4
    assert m.duration_ms == 11000 and m.turn_count == 3 and m.timed_turn_count == 3


def test_silence_total_longest_and_threshold_count() -> None:
    turns = [turn(A, 0, 1000), turn(C, 1500, 3000), turn(A, 6000, 7000), turn(C, 9500, 10000)]
    m = conversation_metrics(turns)  # gaps 500, 3000, 2500; default threshold 2000
    assert (m.silence_total_ms, m.longest_silence_ms, m.silence_count, m.silence_threshold_ms) == (6000, 3000, 2, 2000)
    assert conversation_metrics(turns, silence_threshold_ms=2600).silence_count == 1
    assert conversation_metrics(turns, silence_threshold_ms=400).silence_count == 3


def test_overlap_is_overtalk_not_silence_and_backchannel_is_not_an_interruption() -> None:
    m = conversation_metrics(
        [
            turn(C, 0, 10000, "long complaint"),
            turn(A, 4000, 4500, "mm-hm"),  # inside the customer's turn: overtalk, not an interruption
            turn(A, 9000, 12000, "I see, so"),  # cuts in 1 s before the customer ends and keeps talking
        ]
    )
    assert m.overtalk_ms == 500 + 1000 and m.overtalk_count == 2
    assert m.silence_total_ms == 0 and m.longest_silence_ms == 0
    assert m.interruptions == (InterruptionCount(A, C, 1),)
    # The customer's talk time is not reduced by being talked over; the agent's own turns form a union.
    assert role_of(m, C).talk_ms == 10000 and role_of(m, A).talk_ms == 3500


def test_interruptions_name_who_cut_in_on_whom() -> None:
    m = conversation_metrics(
        [
            turn(A, 0, 5000),
            turn(C, 4000, 8000),  # customer cuts in on the agent
            turn(A, 7000, 9000),  # agent cuts in on the customer
            turn(C, 8800, 9500),  # 200 ms boundary overlap: overtalk only (< 300 ms)
        ]
    )
    # Sorted by (by, on).
    assert m.interruptions == (InterruptionCount(A, C, 1), InterruptionCount(C, A, 1))
    assert m.overtalk_count == 3 and m.overtalk_ms == 1000 + 1000 + 200
    strict = conversation_metrics(
        [turn(A, 0, 5000), turn(C, 4000, 8000)], config=ConversationConfig(interruption_min_overlap_ms=1500)
    )
    assert strict.interruptions == () and strict.overtalk_count == 1


def test_same_speaker_overlap_is_not_overtalk() -> None:
    m = conversation_metrics([turn(A, 0, 3000, speaker="a1"), turn(A, 2000, 4000, speaker="a1")])
    assert m.overtalk_ms == 0 and m.overtalk_count == 0 and role_of(m, A).talk_ms == 4000
    two_agents = conversation_metrics([turn(A, 0, 3000, speaker="a1"), turn(A, 2000, 4000, speaker="a2")])
    assert two_agents.overtalk_ms == 1000 and two_agents.overtalk_count == 1


def test_response_time_from_customer_end_to_agent_start() -> None:
    m = conversation_metrics(
        [
            turn(C, 0, 2000),
            turn(A, 3500, 5000),  # 1500
            turn(C, 5200, 7000),
            turn(A, 6800, 9000),  # started early: 0
            turn(A, 9500, 10000),  # agent after agent: not a response
            turn(C, 10000, 11000),
            turn(A, 15000, 16000),  # 4000
        ]
    )
    assert m.response_count == 3 and m.max_response_ms == 4000
    assert m.avg_response_ms == pytest.approx((1500 + 0 + 4000) / 3)


def test_missing_times_count_turns_but_not_time() -> None:
    m = conversation_metrics(
        [turn(A, 0, 1000), turn(C, None, None, "no times"), turn(C, 1500, None, "start only"), turn(A, 4000, 5000)]
    )
    assert (m.turn_count, m.timed_turn_count) == (4, 2)
    assert role_of(m, C).turn_count == 2 and role_of(m, C).timed_turn_count == 0 and role_of(m, C).talk_ms == 0
    assert m.silence_total_ms == 3000 and m.duration_ms == 5000
    untimed = conversation_metrics([turn(A, None, None), turn(C, None, None)])
    assert untimed.timed_turn_count == 0 and untimed.duration_ms == 0 and untimed.response_count == 0
    assert all(r.talk_share == 0.0 for r in untimed.roles)


def test_turns_out_of_order_are_read_in_time_order() -> None:
    ordered = [turn(C, 0, 2000), turn(A, 3000, 4000), turn(C, 4500, 6000)]
    shuffled = [ordered[2], ordered[0], ordered[1]]
    a, b = conversation_metrics(ordered), conversation_metrics(shuffled)
    assert (a.silence_total_ms, a.response_count, a.avg_response_ms) == (b.silence_total_ms, b.response_count, 1000)


def test_the_example_of_docs_conversation_md() -> None:
    m = conversation_metrics([turn(A, 0, 2000), turn(C, 2500, 8000), turn(A, 7000, 9000), turn(C, 12000, 13000)])
    assert (m.duration_ms, role_of(m, A).talk_ms, role_of(m, C).talk_ms) == (13000, 4000, 6500)
    assert (m.silence_total_ms, m.longest_silence_ms, m.silence_count) == (3500, 3000, 1)
    assert (m.overtalk_ms, m.overtalk_count, m.interruptions) == (1000, 1, (InterruptionCount(A, C, 1),))
    assert (m.response_count, m.avg_response_ms) == (1, 0.0)
