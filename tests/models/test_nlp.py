"""models.nlp: the spaCy pipeline runs its layers on numpy's matrix product and parses as the stock load does."""

from __future__ import annotations

import pytest

from models.nlp import BLANK_PACKAGE, FALLBACK_NAME, SPACY_PACKAGE, load_nlp
from pipelines.enrichment.parsing import parse_doc

TEXTS = [
    "I was charged twice for my Netflix subscription on March 3rd, can you refund the $15.99?",
    "hi, my card from Chase still hasn't arrived and I'm travelling to London next week",
    "The agent, Maria, was lovely. But the app keeps crashing when I open my account page!",
    "cancel my contract please",
    "  whitespace \n\n around   it  ",
]


@pytest.fixture(scope="module")
def pipelines() -> tuple[object, object]:
    spacy = pytest.importorskip("spacy")
    nlp, name = load_nlp()
    if name == FALLBACK_NAME:
        pytest.skip(f"spaCy package {SPACY_PACKAGE} not installed: load_nlp() fell back to a blank pipeline")
    return nlp, spacy.load(SPACY_PACKAGE, exclude=["lemmatizer"])


def test_layers_use_numpy_matmul_not_blis(pipelines: tuple[object, object]) -> None:
    from thinc.api import NumpyOps

    nlp, stock = pipelines
    for pipeline, use_blis in ((nlp, False), (stock, True)):
        for name in ("tok2vec", "ner"):
            layers = list(pipeline.get_pipe(name).model.walk())  # type: ignore[attr-defined]
            maxouts = [layer for layer in layers if layer.name == "maxout"]
            assert maxouts, name
            assert all(isinstance(m.ops, NumpyOps) and m.ops.use_blis is use_blis for m in maxouts), name


def test_parses_equal_the_stock_pipeline(pipelines: tuple[object, object]) -> None:
    nlp, stock = pipelines

    def parsed(pipeline: object) -> list[object]:
        docs = pipeline.pipe(TEXTS)  # type: ignore[attr-defined]
        return [parse_doc(doc, with_entities=True, with_aspects=True) for doc in docs]

    ours, theirs = parsed(nlp), parsed(stock)
    assert ours == theirs
    assert any(p.entities for p in ours) and all(p.sentences for p in ours)


def test_the_blank_pipeline_on_purpose_splits_sentences_and_warns_of_nothing(caplog: pytest.LogCaptureFixture) -> None:
    pytest.importorskip("spacy")
    with caplog.at_level("WARNING", logger="models.nlp"):
        nlp, name = load_nlp(BLANK_PACKAGE)
    assert name == FALLBACK_NAME and nlp.pipe_names == ["sentencizer"]
    assert not caplog.records
    parsed = parse_doc(nlp("It broke. Fix it!"), with_entities=True)
    assert parsed.sentences == ((0, 9), (10, 17)) and parsed.entities == ()
