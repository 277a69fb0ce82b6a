"""Two-stage pipelining: stage one of item k+1 runs in a helper thread while stage two of item k runs here.

Worth it when the stages use different resources and release the GIL for much of their work: in
``Enricher.enrich_batches`` spaCy's parse (one core) overlaps the encoder (ONNX Runtime or torch threads).
Results come out in input order; an exception in either stage surfaces here, at that item; closing the
generator early stops the helper.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

In = TypeVar("In")
Mid = TypeVar("Mid")
Out = TypeVar("Out")

_DONE = object()


class _Failed:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def pipelined(
    items: Iterable[In], first: Callable[[In], Mid], second: Callable[[Mid], Out], *, ahead: int = 1
) -> Iterator[Out]:
    """``second(first(item))`` for each item, in order, with ``first`` running up to ``ahead`` items ahead."""
    handoff: queue.Queue[Any] = queue.Queue(maxsize=ahead)
    stop = threading.Event()

    def put(value: Any) -> bool:
        while not stop.is_set():
            try:
                handoff.put(value, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(first(item)):
                    return
        except BaseException as exc:  # handed to the consumer, raised there at this item
            put(_Failed(exc))
            return
        put(_DONE)

    helper = threading.Thread(target=produce, name="pipelined-first-stage", daemon=True)
    helper.start()
    try:
        while True:
            value = handoff.get()
            if value is _DONE:
                return
            if isinstance(value, _Failed):
                raise value.exc
            yield second(value)
    finally:
        stop.set()
        helper.join()
