"""The spaCy parse in a child process: the same results as in this process, and a dead child is restarted."""

from __future__ import annotations

import pytest

from models.nlp import FALLBACK_NAME, load_nlp
from pipelines.parsing import InProcessParser, ParserProcessError, SubprocessParser

pytestmark = pytest.mark.slow

TEXTS = [
    "Thank you for calling Acme Bank. My credit card was charged twice on Friday.",
    "hi",
    "  The parcel is late!   Where is it?  ",
    "I want a refund of $40 for order 1234, please",
]


@pytest.fixture(scope="module")
def child():
    parser = SubprocessParser(batch_size=2)
    yield parser
    parser.close()


def test_the_child_parses_like_this_process(child):
    nlp, name = load_nlp()
    assert child.wait_ready() == name
    for with_entities in (True, False):
        here = InProcessParser(nlp, batch_size=2).parse(TEXTS, with_entities=with_entities)
        assert child.parse(TEXTS, with_entities=with_entities) == here
    parsed = child.parse(TEXTS[2:3], with_entities=False)[0]
    assert [TEXTS[2][s:e] for s, e in parsed.sentences] == ["The parcel is late!", "Where is it?"]
    assert child.parse([], with_entities=True) == []


def test_a_killed_child_is_restarted_once_and_the_call_still_answers(child):
    before = child.parse(TEXTS, with_entities=True)
    child._proc.kill()
    child._proc.wait()
    assert child.parse(TEXTS, with_entities=True) == before


def test_a_child_without_the_package_says_it_fell_back_to_the_blank_pipeline(tmp_path):
    """What lets build_enricher refuse a child that loaded another pipeline than this process."""
    parser = SubprocessParser(package=str(tmp_path / "no-such-pipeline"))
    try:
        assert parser.wait_ready() == FALLBACK_NAME
        parsed = parser.parse(["One. Two."], with_entities=True)[0]
        assert parsed.sentences == ((0, 4), (5, 9)) and parsed.entities == ()
    finally:
        parser.close()
    assert parser._proc is None
    impatient = SubprocessParser(start_timeout_s=0.0)
    try:
        with pytest.raises(ParserProcessError, match="did not start in 0s"):
            impatient.wait_ready()
    finally:
        impatient.close()


def test_the_child_does_not_load_torch(child):
    """thinc imports torch when it is installed; the child blocks it (~185 MB resident saved)."""
    from pathlib import Path

    child.wait_ready()
    maps = Path(f"/proc/{child._proc.pid}/maps")
    if not maps.exists():
        pytest.skip("needs Linux /proc to read the child's loaded libraries")
    assert "libtorch" not in maps.read_text()
