"""The correction detector behind the "customer corrected the agent" effort evidence."""

from __future__ import annotations

import pytest

from pipelines.enrichment.domain import SpeakerRole
from pipelines.journeys.effort import agent_failures, corrections, is_correction, is_inability

C, A = SpeakerRole.CUSTOMER, SpeakerRole.AGENT


@pytest.mark.parametrize(
    "text",
    [
        "No, play it on the bedroom speaker instead.",
        "Nope, I need only three tickets",
        "That's not right, because I need tickets for four people.",
        "Please find something else.",
        "I like documentaries, could you try again?",
        "Actually, I was referring to the 11th.",
        "It still doesn't work.",
    ],
)
def test_corrections_are_found(text):
    assert is_correction(text)


@pytest.mark.parametrize(
    "text",
    ["Yes, that's it.", "Thank you for your help.", "I'd like to book a table for two.", "Not bad at all"],
)
def test_plain_turns_are_not_corrections(text):
    assert not is_correction(text)


@pytest.mark.parametrize(
    "text",
    [
        "No problem.",
        "No worries!",
        "Not bad at all",
        "Not at all.",
        "No thanks, that's all.",
        "No, that's everything",
        "Nope, that's it",
        "No, I'm good, thanks",
        "No, nothing else.",
    ],
)
def test_polite_closings_are_not_corrections(text):
    assert not is_correction(text)


def test_a_no_to_an_offer_of_more_help_is_not_a_correction_but_a_real_one_still_counts():
    offer = "Is there anything else I can help you with?"
    assert not is_correction("No.", after=offer)
    assert not is_correction("No, you've been great.", after=offer)
    assert is_correction("No, the 7 pm one.", after="Shall I book the 4 pm show?")
    assert is_correction("No, it still doesn't work.", after=offer)  # a complaint, even after the offer
    assert is_correction("Not at all what I wanted")
    turns = [
        (A, "Your refund is on its way."),
        (C, "No worries, thanks."),
        (A, "Anything else?"),
        (C, "No, that's everything."),
        (A, "Is there anything else I can do for you?"),
        (C, "No."),
    ]
    assert corrections(turns) == 0


def test_only_customer_turns_after_an_agent_turn_count():
    turns = [
        (C, "No idea where my parcel is."),  # opens the call: nothing to correct yet
        (A, "Shall I book the 4 pm show?"),
        (C, "No, the 7 pm one."),
        (C, "No, wait."),  # follows the customer's own turn
        (A, "Booked the 7 pm show."),
        (C, "Thanks!"),
        (A, "No problem."),  # an agent saying no is not the customer correcting
    ]
    assert corrections(turns) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sorry, I can't find any movie matching your requirements.", True),
        ("Unfortunately there is no availability on that date.", True),
        ("Sorry, you are not authorized to unlock the door.", True),
        ("I'm unable to change that booking.", True),
        ("Sorry for the wait, your table is booked.", False),
        ("I can book that for you now.", False),
    ],
)
def test_agent_inability(text, expected):
    assert is_inability(text) is expected


def test_agent_failures_count_agent_turns_only():
    turns = [(C, "Sorry, I can't find my card"), (A, "Sorry, I cannot find that order."), (A, "Anything else?")]
    assert agent_failures(turns) == 1
