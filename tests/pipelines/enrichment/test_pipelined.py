"""Two-stage pipelining: same results as running the stages in turn, the next item's first stage overlapping."""

from __future__ import annotations

import threading

import pytest

from pipelines.enrichment.domain import EnrichOptions, Interaction, PlainText, SignalKind
from pipelines.enrichment.pipelined import pipelined


def test_results_come_out_in_order_and_equal_the_plain_composition():
    assert list(pipelined(range(20), lambda x: x * 10, lambda y: y + 1)) == [x * 10 + 1 for x in range(20)]
    assert list(pipelined([], lambda x: x, lambda y: y)) == []


def test_the_next_items_first_stage_runs_while_this_items_second_stage_runs():
    second_started, first_of_next = threading.Event(), threading.Event()

    def first(x):
        if x == 1:
            first_of_next.set()
        return x

    def second(x):
        if x == 0:
            second_started.set()
            # item 1's first stage runs meanwhile; without the overlap this would wait the full timeout
            assert first_of_next.wait(timeout=10)
        return x

    assert list(pipelined([0, 1, 2], first, second)) == [0, 1, 2]
    assert second_started.is_set()


def test_an_error_in_either_stage_surfaces_at_its_item():
    def first(x):
        if x == 3:
            raise ValueError("bad item 3")
        return x

    out = []
    with pytest.raises(ValueError, match="bad item 3"):
        for y in pipelined(range(10), first, lambda y: y):
            out.append(y)
    assert out == [0, 1, 2]
    with pytest.raises(KeyError):
        list(pipelined(range(3), lambda x: x, lambda y: {}[y]))


def test_closing_early_stops_the_helper_thread():
    pulled = []

    def items():
        for i in range(1000):
            pulled.append(i)
            yield i

    gen = pipelined(items(), lambda x: x, lambda y: y)
    assert next(gen) == 0
    gen.close()
    assert len(pulled) <= 3  # one item in hand, one ahead in the queue, one being prepared
    assert not any(t.name == "pipelined-first-stage" for t in threading.enumerate())


def test_enrich_batches_equals_enrich_of_each_batch(enricher):
    texts = ["I lost my card. Help!", "hi", "great service thanks", "refund the charge, I hate this", "ok"]
    batches = [[Interaction(f"{b}-{i}", PlainText(t)) for i, t in enumerate(texts[b:])] for b in range(4)]
    options = EnrichOptions(signals=frozenset(SignalKind) - {SignalKind.ASPECTS})
    assert list(enricher.enrich_batches(batches, options)) == [enricher.enrich(b, options) for b in batches]
