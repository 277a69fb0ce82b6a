"""The spaCy parse in a child process: the same results as in this process, and a dead child is restarted."""

from __future__ import annotations

import pytest

from models.nlp import FALLBACK_NAME, load_nlp
from pipelines.enrichment.parsing import (
    InProcessParser,
    ParsedText,
    ParserProcessError,
    SubprocessParser,
    _answers,
    _queued,
    skipped_components,
)

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


def test_batches_sent_before_any_answer_is_read_each_get_their_own_parse(child):
    """submit returns at once; answers come back in order, whichever caller reads first."""
    expected = [child.parse([t], with_entities=True) for t in TEXTS]
    pending = [child.submit([t], with_entities=True) for t in TEXTS]
    assert [p.result() for p in reversed(pending)] == list(reversed(expected))
    assert pending[0].result() == expected[0]  # an answer read by another waiter stays on its request


def test_a_batch_is_sent_while_another_caller_waits_for_an_answer(child):
    """submit never takes the receiving lock, which a caller waiting for its parse holds."""
    import threading

    child.wait_ready()
    sent: list[object] = []
    with child._recv_lock:  # as a caller blocked reading an answer holds it
        sender = threading.Thread(target=lambda: sent.append(child.submit(TEXTS, with_entities=True)))
        sender.start()
        sender.join(10)
        assert sent, "submit waited for the receiving lock"
    assert sent[0].result() == child.parse(TEXTS, with_entities=True)


def test_a_child_killed_with_batches_in_flight_answers_them_all_after_its_restart(child):
    expected = [child.parse([t], with_entities=False) for t in TEXTS]
    child.wait_ready()
    child._proc.kill()
    child._proc.wait()
    pending = [child.submit([t], with_entities=False) for t in TEXTS]  # sent to the dead child
    assert [p.result() for p in pending] == expected


def test_a_batch_the_child_cannot_answer_after_a_restart_fails_with_the_reason(child):
    child.wait_ready()
    first = child.submit(TEXTS, with_entities=True)
    child._proc.kill()
    child._proc.wait()
    first.request.sends = 2  # as if it had already been sent again once
    with pytest.raises(ParserProcessError, match="died and did not restart"):
        first.result()
    assert child.parse(TEXTS[:1], with_entities=False)[0].sentences  # the restarted child serves on


def test_closing_the_parser_fails_what_it_has_not_answered():
    parser = SubprocessParser()
    parser.wait_ready()
    pending = parser.submit(TEXTS * 50, with_entities=True)
    parser.close()
    with pytest.raises(ParserProcessError, match="closed before it answered"):
        pending.result()
    with pytest.raises(ParserProcessError, match="closed"):
        parser.submit(TEXTS, with_entities=True)


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


def test_sentences_alone_skip_the_tagger_the_attribute_ruler_and_the_entity_recognizer():
    """They come from the dependency parser on the shared tok2vec: the same spans without the other components."""
    nlp, _ = load_nlp()
    assert skipped_components(nlp.pipe_names, with_entities=False, with_aspects=False) == [
        "tagger",
        "attribute_ruler",
        "ner",
    ]
    assert skipped_components(nlp.pipe_names, with_entities=True, with_aspects=False) == []
    assert skipped_components(nlp.pipe_names, with_entities=False, with_aspects=True) == []
    assert skipped_components(["sentencizer"], with_entities=False, with_aspects=False) == []  # the blank fallback
    texts = [*TEXTS, "no punctuation at all i called twice nobody answered the app keeps failing", "Ok. Thanks!"]
    parser = InProcessParser(nlp)
    lean = parser.parse(texts, with_entities=False)
    full = parser.parse(texts, with_entities=True, with_aspects=True)
    assert [p.sentences for p in lean] == [p.sentences for p in full]
    assert all(p.entities == () and p.aspects == () for p in lean)
    assert any(p.entities for p in full)


def test_the_child_parses_queued_batches_together_and_answers_each_as_if_alone():
    nlp, _ = load_nlp()
    parser = InProcessParser(nlp, batch_size=64)
    queued = [([t], flags, False) for t in TEXTS for flags in (True, False)]
    alone = [("ok", parser.parse(texts, with_entities=e, with_aspects=a)) for texts, e, a in queued]
    assert _answers(parser, queued) == alone


def test_a_queued_batch_that_fails_fails_alone():
    class Failing:
        def parse(self, texts, *, with_entities, with_aspects=False):
            if "boom" in texts:
                raise ValueError("cannot parse boom")
            return [ParsedText(((0, len(t)),)) for t in texts]

    answers = _answers(Failing(), [(["one"], True, False), (["boom"], True, False), (["two", "three"], True, False)])
    assert answers == [
        ("ok", [ParsedText(((0, 3),))]),
        ("error", "ValueError: cannot parse boom"),
        ("ok", [ParsedText(((0, 3),)), ParsedText(((0, 5),))]),
    ]


def test_the_child_takes_what_is_queued_up_to_its_batch_size_and_stops_after_it():
    from multiprocessing import Pipe

    ours, theirs = Pipe()
    for texts in (["a", "b"], ["c"], ["d", "e"]):
        ours.send((texts, True, False))
    assert _queued(theirs, batch_size=3) == ([(["a", "b"], True, False), (["c"], True, False)], False)
    ours.send(None)
    assert _queued(theirs, batch_size=3) == ([(["d", "e"], True, False)], True)
    ours.send(None)
    assert _queued(theirs, batch_size=3) == ([], True)
