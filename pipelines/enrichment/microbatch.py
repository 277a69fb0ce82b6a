"""Server micro-batching: concurrent Enrich calls share one encoder pass.

Each call puts its interactions on a bounded queue and waits. The gathering thread takes the
oldest call, gathers the queued calls with the same options until ``max_batch`` interactions
or ``max_wait_ms`` has passed, and runs the first stage over all of them (``Enricher.prepare``:
the spaCy parse, under ``prepare_lock``); the finishing thread runs the second stage
(``Enricher.finish``: the encoder and heads, under ``finish_lock``) and hands each call its own
results. So one batch's parse overlaps the previous batch's encode.

Given ``plan``, ``send`` and ``ahead`` instead, the first stage is ``plan`` (``Enricher.plan``: segment,
detect the language), then ``send`` of the planned batch (``Enricher.send_parse``: the batch goes to the
parser process, and what ``send`` returns waits for its parse), while a helper thread runs ``ahead`` on it
(``Enricher.encode_ahead``: the encoder pass over the part texts, under ``finish_lock``). The gathering
thread does not wait for the parse: it goes on to the next batch and sends it too, so the parser starts
on it as soon as it is done with this one. The finishing thread waits for the batch's parse (outside
every lock) and its ahead pass, then runs ``finish``. A lone batch's parse overlaps its own encode, not
only the previous batch's. Batched output equals one-at-a-time output (the Enricher guarantees it), so
batching changes only the throughput and the latency.

Beyond ``max_queue`` waiting interactions a call is refused with OverloadedError
(RESOURCE_EXHAUSTED): memory stays bounded and the caller backs off.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from models.errors import DeadlineExceededError, OverloadedError
from pipelines.enrichment.domain import EnrichedInteraction, EnrichOptions, Interaction

Enrich = Callable[[list[Interaction], EnrichOptions], list[EnrichedInteraction]]
Prepare = Callable[[list[Interaction], EnrichOptions], Any]
Finish = Callable[[Any], list[EnrichedInteraction]]
Plan = Callable[[list[Interaction], EnrichOptions], Any]
Stage = Callable[[Any], Any]
Send = Callable[[Any], Callable[[], Any]]  # starts the parse of a planned batch; what it returns waits for it


class MicroBatchConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # Interactions per enrich call; a single larger request still runs, alone.
    max_batch: int = Field(default=64, ge=1)
    # How long the oldest waiting call may wait for company: only for as many calls as the last batches
    # held, so a lone caller does not wait, and callers that come back together share one batch instead of
    # a fixed wait splitting them across two. `python -m eval.bench.enrich --only server` reports the
    # resulting single-short-text latency (p50/p99 at 8 clients).
    max_wait_ms: float = Field(default=5.0, ge=0)
    # Waiting interactions beyond which new calls get RESOURCE_EXHAUSTED.
    max_queue: int = Field(default=4096, ge=1)


@dataclass
class _Call:
    interactions: list[Interaction]
    options: EnrichOptions
    deadline: float | None = None  # time.monotonic(); past it the call is dropped, not enriched
    future: Future[list[EnrichedInteraction]] = field(default_factory=Future)

    def expired(self, now: float) -> bool:
        return self.deadline is not None and now >= self.deadline


class MicroBatcher:
    """Merges concurrent enrich calls; thread-safe; two worker threads, started on first use.

    Give ``prepare`` and ``finish`` (the Enricher's two halves, with their locks) to overlap a batch's
    first stage with the previous batch's second; or ``plan``, ``send``, ``ahead`` and ``finish`` to
    overlap a batch's parse with its own encoder pass too and keep the parser busy (what the server
    gives); or ``enrich`` alone to run each batch in one piece.
    """

    def __init__(
        self,
        *,
        enrich: Enrich | None = None,
        prepare: Prepare | None = None,
        finish: Finish | None = None,
        plan: Plan | None = None,
        send: Send | None = None,
        ahead: Stage | None = None,
        config: MicroBatchConfig | None = None,
        model_lock: AbstractContextManager[Any] | None = None,
        prepare_lock: AbstractContextManager[Any] | None = None,
        finish_lock: AbstractContextManager[Any] | None = None,
    ) -> None:
        # The first stage makes the batch's item from (interactions, options); ``send`` (under prepare_lock)
        # and ``ahead`` (under finish_lock, in a helper thread) work on that item at the same time.
        self.send: Send | None = None
        self.ahead: Stage | None = None
        if enrich is not None:
            whole = enrich
            self.first: Plan = lambda interactions, options: (interactions, options)
            self.finish: Finish = lambda prepared: whole(*prepared)
            self.prepare_lock: AbstractContextManager[Any] = nullcontext()
            self.finish_lock: AbstractContextManager[Any] = model_lock or nullcontext()
        elif plan is not None and send is not None and ahead is not None and finish is not None and prepare is None:
            self.first, self.send, self.ahead, self.finish = plan, send, ahead, finish
            self.prepare_lock = prepare_lock or nullcontext()
            self.finish_lock = finish_lock or nullcontext()
        elif prepare is not None and finish is not None and plan is None and send is None and ahead is None:
            self.first, self.finish = prepare, finish
            self.prepare_lock = prepare_lock or nullcontext()
            self.finish_lock = finish_lock or nullcontext()
        else:
            raise TypeError("MicroBatcher needs enrich; or prepare and finish; or plan, send, ahead and finish")
        self.config = config or MicroBatchConfig()
        self._calls: deque[_Call] = deque()
        self._recent_calls: deque[int] = deque(maxlen=8)  # calls in each of the last batches
        self._waiting = 0
        self._cond = threading.Condition()
        # Batches waiting for the finishing thread (prepared, or sent to the parser): at most one, so memory
        # stays bounded. At most three are at the parser: the one the finishing thread waits for, this one
        # and the one the gathering thread has just sent.
        self._prepared: queue.Queue[tuple[list[_Call], Any, Future[Any] | None] | None] = queue.Queue(maxsize=1)
        self._workers: list[threading.Thread] = []
        self._ahead_pool: ThreadPoolExecutor | None = None
        self._closed = False
        self.batches = 0  # batches finished (for tests and benchmarks)

    @property
    def waiting(self) -> int:
        """Interactions queued and not yet taken into a batch."""
        return self._waiting

    def submit(
        self, interactions: Sequence[Interaction], options: EnrichOptions, *, deadline: float | None = None
    ) -> list[EnrichedInteraction]:
        """The results of ``interactions``, in order, enriched together with whatever else is waiting.

        Past ``deadline`` (``time.monotonic()``) the call raises DeadlineExceededError; if it was still
        queued, it is dropped without being enriched.
        """
        call = _Call(list(interactions), options, deadline)
        with self._cond:
            if self._closed:
                raise OverloadedError("the server is shutting down; retry against another replica")
            if self._waiting and self._waiting + len(call.interactions) > self.config.max_queue:
                raise OverloadedError(
                    f"{self._waiting} interactions are already waiting (server micro-batching max_queue "
                    f"{self.config.max_queue}); retry with backoff"
                )
            self._calls.append(call)
            self._waiting += len(call.interactions)
            if not self._workers:
                if self.ahead is not None:
                    self._ahead_pool = ThreadPoolExecutor(1, thread_name_prefix="microbatch-ahead")
                self._workers = [
                    threading.Thread(target=self._gather, name="microbatch-prepare", daemon=True),
                    threading.Thread(target=self._finish, name="microbatch-finish", daemon=True),
                ]
                for worker in self._workers:
                    worker.start()
            self._cond.notify_all()
        timeout = None if deadline is None else max(deadline - time.monotonic(), 0.0)
        try:
            return call.future.result(timeout)
        except TimeoutError:
            raise DeadlineExceededError(
                "the caller's deadline passed while its interactions waited to be enriched; the work was stopped"
            ) from None

    def close(self) -> None:
        """Finish what is queued, then stop the workers."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        for worker in self._workers:
            worker.join()
        if self._ahead_pool is not None:
            self._ahead_pool.shutdown()

    def _gather(self) -> None:
        while True:
            batch = self._next_batch()
            if batch is None:
                self._prepared.put(None)
                return
            merged = [i for call in batch for i in call.interactions]
            ahead: Future[Any] | None = None
            try:
                with self.prepare_lock:
                    prepared = self.first(merged, batch[0].options)
                if self.send is not None:
                    if self._ahead_pool is not None:
                        ahead = self._ahead_pool.submit(self._run_ahead, prepared)
                    with self.prepare_lock:
                        prepared = self.send(prepared)  # now what waits for the parse
            except BaseException as exc:  # every call in the batch gets the error its own call would have raised
                _fail(batch, exc)
                continue
            self._prepared.put((batch, prepared, ahead))

    def _run_ahead(self, prepared: Any) -> None:
        assert self.ahead is not None
        with self.finish_lock:
            self.ahead(prepared)

    def _finish(self) -> None:
        while (item := self._prepared.get()) is not None:
            batch, prepared, ahead = item
            now = time.monotonic()
            if all(call.expired(now) for call in batch):  # every caller has gone: skip the encoder pass
                _fail(batch, DeadlineExceededError("the caller's deadline passed before enrichment finished"))
                continue
            try:
                if self.send is not None:  # the parse, waited for outside every lock
                    prepared = prepared()
                if ahead is not None:  # waited for outside finish_lock, which the ahead pass takes
                    ahead.result()
                with self.finish_lock:
                    results = self.finish(prepared)
            except BaseException as exc:
                _fail(batch, exc)
                continue
            finally:
                self.batches += 1
            start = 0
            for call in batch:
                call.future.set_result(results[start : start + len(call.interactions)])
                start += len(call.interactions)

    def _next_batch(self) -> list[_Call] | None:
        limit, wait = self.config.max_batch, self.config.max_wait_ms / 1000.0
        with self._cond:
            self._drop_expired()
            while not self._calls:
                if self._closed:
                    return None
                self._cond.wait()
                self._drop_expired()
            first = self._calls.popleft()
            batch, size = [first], len(first.interactions)
            deadline = time.monotonic() + wait
            # Callers come back: wait (up to max_wait_ms) only for as many calls as recent batches held, so a
            # lone caller never waits and eight callers are gathered into one batch, not split across two.
            expected = max(self._recent_calls, default=1)
            while size < limit:
                # Only calls with equal options share a batch: one batch runs one set of heads (sentiment model,
                # taxonomy, topic model, pins), so a call never gets another call's model.
                fits = next(
                    (c for c in self._calls if c.options == first.options and size + len(c.interactions) <= limit),
                    None,
                )
                if fits is not None:
                    self._calls.remove(fits)
                    batch.append(fits)
                    size += len(fits.interactions)
                    continue
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed or len(batch) >= expected:
                    break
                self._cond.wait(remaining)
            self._waiting -= size
            self._recent_calls.append(len(batch))
            return batch

    def _drop_expired(self) -> None:
        """Fail (and forget) the queued calls whose deadline has passed; called under ``_cond``."""
        now = time.monotonic()
        for call in [c for c in self._calls if c.expired(now)]:
            self._calls.remove(call)
            self._waiting -= len(call.interactions)
            call.future.set_exception(DeadlineExceededError("the caller's deadline passed before enrichment began"))


def _fail(batch: list[_Call], exc: BaseException) -> None:
    for call in batch:
        call.future.set_exception(exc)
