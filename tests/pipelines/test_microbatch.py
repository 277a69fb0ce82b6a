"""Server micro-batching: concurrent calls share enrich calls, get their own results, and overload is bounded."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from models.errors import NotFoundError, OverloadedError
from pipelines.domain import EnrichedInteraction, EnrichOptions, Interaction, LanguageInfo, PlainText
from pipelines.microbatch import MicroBatchConfig, MicroBatcher


class SlowEnrich:
    """Echoes ids; records every batch it was called with; takes a little time, like the encoder."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()

    def __call__(self, interactions: list[Interaction], options: EnrichOptions) -> list[EnrichedInteraction]:
        self.entered.set()
        self.gate.wait(5)
        if options.intent_taxonomy == "nope":
            raise NotFoundError("intent taxonomy", "nope", ["banking77"], field="options.intent_taxonomy")
        self.batches.append([i.id for i in interactions])
        return [
            EnrichedInteraction(i.id, LanguageInfo("en", 1.0, options.intent_taxonomy or "", True))
            for i in interactions
        ]


def _calls(n: int, prefix: str = "c") -> list[list[Interaction]]:
    return [[Interaction(f"{prefix}{k}-{j}", PlainText("x")) for j in range(2)] for k in range(n)]


def test_concurrent_calls_are_merged_and_each_gets_its_own_results():
    enrich = SlowEnrich()
    batcher = MicroBatcher(enrich=enrich, config=MicroBatchConfig(max_batch=64, max_wait_ms=50))
    calls = _calls(16)
    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(lambda c: batcher.submit(c, EnrichOptions()), calls))
    for call, result in zip(calls, results, strict=True):
        assert [r.interaction_id for r in result] == [i.id for i in call]
    assert len(enrich.batches) < 16 and sum(len(b) for b in enrich.batches) == 32
    batcher.close()


def test_calls_with_other_options_are_not_mixed():
    enrich = SlowEnrich()
    batcher = MicroBatcher(enrich=enrich, config=MicroBatchConfig(max_wait_ms=50))
    options = [EnrichOptions(intent_taxonomy=name) for name in ("banking77", "clinc150")] * 4
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda k: batcher.submit(_calls(1, f"o{k}")[0], options[k]), range(8)))
    for k, result in enumerate(results):
        assert {r.language.source for r in result} == {options[k].intent_taxonomy}
    batcher.close()


def test_an_error_reaches_only_the_calls_it_belongs_to():
    batcher = MicroBatcher(enrich=SlowEnrich(), config=MicroBatchConfig(max_wait_ms=20))
    with pytest.raises(NotFoundError):
        batcher.submit(_calls(1)[0], EnrichOptions(intent_taxonomy="nope"))
    assert len(batcher.submit(_calls(1)[0], EnrichOptions())) == 2
    batcher.close()


def test_a_full_queue_refuses_new_calls_instead_of_growing():
    enrich = SlowEnrich()
    enrich.gate.clear()  # the encoder is busy: calls pile up
    batcher = MicroBatcher(enrich=enrich, config=MicroBatchConfig(max_batch=2, max_wait_ms=0, max_queue=4))
    pool = ThreadPoolExecutor(4)
    running = [pool.submit(batcher.submit, c, EnrichOptions()) for c in _calls(3)]  # one in flight, two waiting
    assert enrich.entered.wait(5)  # the first call is in flight, so the other two can only wait
    pause = threading.Event()
    while batcher._waiting < 4 and not pause.wait(0.01):
        pass
    with pytest.raises(OverloadedError, match="max_queue 4"):
        batcher.submit(_calls(1, "late")[0], EnrichOptions())
    enrich.gate.set()
    assert all(len(f.result(5)) == 2 for f in running)
    pool.shutdown()
    batcher.close()
