"""Enrich carries each intent's category from the default (curated) taxonomy, over a real channel and models."""

from __future__ import annotations

import pytest

from journeymine.v1 import interaction_pb2 as ix_pb
from models.registry import ModelRegistry
from tests.service.helpers import AGENT, CUSTOMER, request_of

pytestmark = pytest.mark.slow

CHAT = [
    (CUSTOMER, "Hi there."),
    (AGENT, "Hello, how can I help you today?"),
    (CUSTOMER, "Please close my account, I do not want to be your customer any more."),
    (AGENT, "I'm sorry to hear that. I can do that for you."),
    (CUSTOMER, "Thank you."),
]


def chat(turns: list[tuple[int, str]], id: str = "chat-1") -> ix_pb.Interaction:
    return ix_pb.Interaction(
        id=id,
        channel=ix_pb.CHANNEL_CHAT,
        transcript=ix_pb.Transcript(turns=[ix_pb.Turn(role=role, text=text) for role, text in turns]),
    )


@pytest.fixture(scope="module")
def categories() -> dict[str, str]:
    head = ModelRegistry().load("intent.customer_service.v3")
    return dict(head.metadata["categories"])


def test_every_intent_of_a_chat_carries_its_category(stub, categories: dict[str, str]) -> None:
    result = stub.Enrich(request_of(chat(CHAT))).results[0]
    intents = [t.intent for t in result.turns if t.role == CUSTOMER] + [result.intent]
    for intent in intents:
        assert (intent.model.name, intent.model.version) == ("intent.customer_service", "v3")
        expected = "" if intent.out_of_scope else categories[intent.label]
        assert intent.category == expected, (intent.label, intent.category)
    # The reason for contact is leaving; the small talk around it is small talk and does not hide it.
    assert (result.intent.label, result.intent.category) == ("cancel_account", "leaving")
    greeting, _, thanks = (t.intent for t in result.turns if t.role == CUSTOMER)
    assert greeting.category == thanks.category == "small_talk"


def test_other_taxonomies_carry_no_category(stub) -> None:
    result = stub.Enrich(request_of(chat(CHAT), intent_taxonomy="banking77")).results[0]
    assert result.intent.taxonomy == "banking77"
    assert result.intent.category == ""
