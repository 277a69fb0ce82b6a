"""Server micro-batching: concurrent calls share enrich calls, get their own results, and overload is bounded."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from models.errors import NotFoundError, OverloadedError
from pipelines.enrichment.domain import EnrichedInteraction, EnrichOptions, Interaction, LanguageInfo, PlainText
from pipelines.enrichment.microbatch import MicroBatchConfig, MicroBatcher


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
    pool = ThreadPoolExecutor(8)
    pause = threading.Event()

    def settle(waiting: int) -> None:
        for _ in range(500):
            if batcher._waiting == waiting:
                return
            pause.wait(0.01)
        raise AssertionError(f"{batcher._waiting} interactions waiting, expected {waiting}")

    # Three calls fill the pipeline: one finishing, one prepared and handed over, one prepared and
    # waiting to be handed over. The next two wait in the queue: 4 interactions, max_queue.
    running = []
    for call in _calls(3):
        running.append(pool.submit(batcher.submit, call, EnrichOptions()))
        settle(0)
    assert enrich.entered.wait(5)
    running += [pool.submit(batcher.submit, call, EnrichOptions()) for call in _calls(2, "q")]
    settle(4)
    with pytest.raises(OverloadedError, match="max_queue 4"):
        batcher.submit(_calls(1, "late")[0], EnrichOptions())
    enrich.gate.set()
    assert all(len(f.result(5)) == 2 for f in running)
    pool.shutdown()
    batcher.close()


def test_a_batch_is_prepared_while_the_previous_one_finishes():
    """Two stages under two locks: batch 2's prepare runs while batch 1's finish holds its lock."""
    finishing, prepared_meanwhile = threading.Event(), threading.Event()
    finish_lock = threading.Lock()

    def prepare(interactions, options):
        if finishing.is_set():
            prepared_meanwhile.set()
        return interactions

    def finish(interactions):
        if interactions[0].id.startswith("first"):
            finishing.set()
            assert prepared_meanwhile.wait(10)  # would time out if the stages ran in turn
        return [EnrichedInteraction(i.id, LanguageInfo("en", 1.0, "", True)) for i in interactions]

    batcher = MicroBatcher(
        prepare=prepare, finish=finish, config=MicroBatchConfig(max_wait_ms=0), finish_lock=finish_lock
    )
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(batcher.submit, _calls(1, "first")[0], EnrichOptions())
        assert finishing.wait(5)
        second = pool.submit(batcher.submit, _calls(1, "second")[0], EnrichOptions())
        assert [r.interaction_id for r in first.result(10)] == ["first0-0", "first0-1"]
        assert [r.interaction_id for r in second.result(10)] == ["second0-0", "second0-1"]
    assert batcher.batches == 2
    batcher.close()


def test_model_locks_hold_both_models_or_one():
    from pipelines.enrichment.locks import ModelLocks

    locks = ModelLocks()
    with locks:
        assert locks.nlp.locked() and locks.encoder.locked()
    assert not locks.nlp.locked() and not locks.encoder.locked()
    with locks.encoder:  # the finishing stage: the parse lock stays free for the next batch
        assert locks.nlp.acquire(blocking=False)
        locks.nlp.release()


def _echo(interactions: list[Interaction]) -> list[EnrichedInteraction]:
    return [EnrichedInteraction(i.id, LanguageInfo("en", 1.0, "", True)) for i in interactions]


def test_a_batch_is_encoded_ahead_while_it_is_parsed_and_finished_after_both():
    """plan -> (send under prepare_lock | ahead under finish_lock, at once) -> the parse waited for -> finish."""
    parsing, ahead_ran, order = threading.Event(), threading.Event(), []
    prepare_lock, finish_lock = threading.Lock(), threading.Lock()

    def plan(interactions, options):
        order.append("plan")
        return {"interactions": interactions}

    def send(item):
        parsing.set()
        assert ahead_ran.wait(10)  # would time out if ahead waited for the parse
        order.append("parse")
        return lambda: item

    def ahead(item):
        assert parsing.wait(10)  # the parse has begun and is still running (it waits for this)
        assert finish_lock.locked()  # ahead holds the encoder's lock, not the parser's
        item["ahead"] = True
        ahead_ran.set()

    def finish(item):
        assert item.get("ahead") and order == ["plan", "parse"]
        return _echo(item["interactions"])

    batcher = MicroBatcher(
        plan=plan,
        send=send,
        ahead=ahead,
        finish=finish,
        config=MicroBatchConfig(max_wait_ms=0),
        prepare_lock=prepare_lock,
        finish_lock=finish_lock,
    )
    results = batcher.submit(_calls(1)[0], EnrichOptions())
    assert [r.interaction_id for r in results] == ["c0-0", "c0-1"]
    batcher.close()


def test_an_ahead_failure_fails_its_batch_and_the_next_batch_still_runs():
    def ahead(item):
        if item[0].id.startswith("bad"):
            raise NotFoundError("intent taxonomy", "nope", ["banking77"], field="options.intent_taxonomy")

    batcher = MicroBatcher(
        plan=lambda interactions, options: interactions,
        send=lambda item: lambda: item,
        ahead=ahead,
        finish=_echo,
        config=MicroBatchConfig(max_wait_ms=0),
    )
    with pytest.raises(NotFoundError):
        batcher.submit(_calls(1, "bad")[0], EnrichOptions())
    assert [r.interaction_id for r in batcher.submit(_calls(1, "good")[0], EnrichOptions())] == ["good0-0", "good0-1"]
    batcher.close()


def _sending(send) -> MicroBatcher:
    """The server's four-stage form, with ``send`` as the parse and no work in plan or ahead."""
    return MicroBatcher(
        plan=lambda interactions, options: interactions,
        send=send,
        ahead=lambda item: None,
        finish=_echo,
        config=MicroBatchConfig(max_wait_ms=0),
    )


def test_the_next_batch_is_sent_to_the_parser_before_this_one_is_waited_for():
    """The gathering thread does not wait for a batch's parse: batch 2 is sent while batch 1's is awaited."""
    second_sent, sent = threading.Event(), []

    def send(item):
        sent.append(item[0].id)
        if item[0].id.startswith("second"):
            second_sent.set()

        def wait():
            if item[0].id.startswith("first"):
                assert second_sent.wait(10)  # would time out if batch 2 were sent only after this returned
            return item

        return wait

    batcher = _sending(send)
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(batcher.submit, _calls(1, "first")[0], EnrichOptions())
        while not sent:
            time.sleep(0.001)
        second = pool.submit(batcher.submit, _calls(1, "second")[0], EnrichOptions())
        assert [r.interaction_id for r in first.result(10)] == ["first0-0", "first0-1"]
        assert [r.interaction_id for r in second.result(10)] == ["second0-0", "second0-1"]
    assert sent == ["first0-0", "second0-0"] and batcher.batches == 2
    batcher.close()


def test_a_failed_parse_fails_only_its_batch():
    def send(item):
        def wait():
            if item[0].id.startswith("bad"):
                raise RuntimeError("spaCy failed in the parser process: boom")
            return item

        return wait

    batcher = _sending(send)
    with pytest.raises(RuntimeError, match="boom"):
        batcher.submit(_calls(1, "bad")[0], EnrichOptions())
    assert [r.interaction_id for r in batcher.submit(_calls(1, "good")[0], EnrichOptions())] == ["good0-0", "good0-1"]
    batcher.close()


def test_the_stage_forms_must_be_complete():
    with pytest.raises(TypeError, match="plan, send, ahead and finish"):
        MicroBatcher(plan=lambda i, o: i, send=lambda item: lambda: item, finish=_echo)
    with pytest.raises(TypeError, match="plan, send, ahead and finish"):
        MicroBatcher(plan=lambda i, o: i, prepare=_echo, send=lambda item: lambda: item, ahead=print, finish=_echo)


def test_a_lone_caller_does_not_wait_for_company_and_a_returning_group_is_gathered():
    gate, entered, batches = threading.Event(), threading.Event(), []
    gate.set()

    def prepare(interactions, options):
        entered.set()
        assert gate.wait(10)
        batches.append([i.id for i in interactions])
        return interactions

    batcher = MicroBatcher(prepare=prepare, finish=_echo, config=MicroBatchConfig(max_wait_ms=60_000))
    # No batch yet held more than one call: nobody to wait for (a minute of max_wait would time this out).
    began = time.monotonic()
    for k in range(3):
        assert len(batcher.submit(_calls(1, f"lone{k}")[0], EnrichOptions())) == 2
    assert time.monotonic() - began < 30
    # Three callers queue while the parse is busy, and the next batch takes them together...
    gate.clear()
    entered.clear()
    with ThreadPoolExecutor(4) as pool:
        blocker = pool.submit(batcher.submit, _calls(1, "busy")[0], EnrichOptions())
        assert entered.wait(5)
        group = [pool.submit(batcher.submit, c, EnrichOptions()) for c in _calls(3, "g")]
        while batcher.waiting < 6:
            threading.Event().wait(0.01)
        gate.set()
        blocker.result(10)
        [f.result(10) for f in group]
    assert batches[-1] == [f"g{k}-{j}" for k in range(3) for j in range(2)]
    # ...so the next call of theirs waits (up to max_wait) for the other two, which come 0.2 s later.
    with ThreadPoolExecutor(3) as pool:
        first = pool.submit(batcher.submit, _calls(1, "r0")[0], EnrichOptions())
        threading.Event().wait(0.2)
        rest = [pool.submit(batcher.submit, c, EnrichOptions()) for c in (_calls(1, "r1")[0], _calls(1, "r2")[0])]
        first.result(10), [f.result(10) for f in rest]
    assert sorted(batches[-1]) == sorted(f"r{k}0-{j}" for k in range(3) for j in range(2))
    batcher.close()
