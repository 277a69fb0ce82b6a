"""Server micro-batching: concurrent Enrich calls share one encoder pass.

Each call puts its interactions on a bounded queue and waits. One worker thread takes the
oldest call, gathers the queued calls with the same options until ``max_batch`` interactions
or ``max_wait_ms`` has passed, runs one ``Enricher.enrich`` over all of them (under the model
lock every servicer shares), and hands each call its own results. Batched output equals
one-at-a-time output (the Enricher guarantees it), so batching changes only the throughput.

Beyond ``max_queue`` waiting interactions a call is refused with OverloadedError
(RESOURCE_EXHAUSTED): memory stays bounded and the caller backs off.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from models.errors import DeadlineExceededError, OverloadedError
from pipelines.domain import EnrichedInteraction, EnrichOptions, Interaction

Enrich = Callable[[list[Interaction], EnrichOptions], list[EnrichedInteraction]]


class MicroBatchConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # Interactions per enrich call; a single larger request still runs, alone.
    max_batch: int = Field(default=64, ge=1)
    # How long the oldest waiting call may wait for company (adds at most this to a lone call).
    max_wait_ms: float = Field(default=2.0, ge=0)
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
    """Merges concurrent enrich calls; thread-safe; one worker thread, started on first use."""

    def __init__(
        self,
        *,
        enrich: Enrich,
        config: MicroBatchConfig | None = None,
        model_lock: AbstractContextManager[Any] | None = None,
    ) -> None:
        self.enrich = enrich
        self.config = config or MicroBatchConfig()
        self.model_lock = model_lock or nullcontext()
        self._calls: deque[_Call] = deque()
        self._waiting = 0
        self._cond = threading.Condition()
        self._worker: threading.Thread | None = None
        self._closed = False
        self.batches = 0  # enrich calls made (for tests and benchmarks)

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
            if self._worker is None:
                self._worker = threading.Thread(target=self._run, name="microbatch", daemon=True)
                self._worker.start()
            self._cond.notify_all()
        timeout = None if deadline is None else max(deadline - time.monotonic(), 0.0)
        try:
            return call.future.result(timeout)
        except TimeoutError:
            raise DeadlineExceededError(
                "the caller's deadline passed while its interactions waited to be enriched; the work was stopped"
            ) from None

    def close(self) -> None:
        """Finish what is queued, then stop the worker."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._worker is not None:
            self._worker.join()

    def _run(self) -> None:
        while True:
            batch = self._next_batch()
            if batch is None:
                return
            self._enrich(batch)

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
            while size < limit:
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
                if remaining <= 0 or self._closed:
                    break
                self._cond.wait(remaining)
            self._waiting -= size
            return batch

    def _drop_expired(self) -> None:
        """Fail (and forget) the queued calls whose deadline has passed; called under ``_cond``."""
        now = time.monotonic()
        for call in [c for c in self._calls if c.expired(now)]:
            self._calls.remove(call)
            self._waiting -= len(call.interactions)
            call.future.set_exception(DeadlineExceededError("the caller's deadline passed before enrichment began"))

    def _enrich(self, batch: list[_Call]) -> None:
        merged = [i for call in batch for i in call.interactions]
        try:
            with self.model_lock:
                results = self.enrich(merged, batch[0].options)
        except BaseException as exc:  # every waiting call gets the error its own call would have raised
            for call in batch:
                call.future.set_exception(exc)
            return
        finally:
            self.batches += 1
        start = 0
        for call in batch:
            call.future.set_result(results[start : start + len(call.interactions)])
            start += len(call.interactions)
