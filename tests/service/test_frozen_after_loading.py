"""service.server.frozen_after_loading: no cycle collection while the models load, then what lives is frozen."""

from __future__ import annotations

import gc
import weakref

from service.server import frozen_after_loading


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def test_collector_paused_while_loading_then_garbage_collected_and_the_rest_frozen() -> None:
    thresholds = gc.get_threshold()
    gc.unfreeze()
    try:
        with frozen_after_loading():
            assert gc.get_threshold()[0] == 0  # no automatic collection, even if a library calls gc.enable()
            gc.enable()
            kept = _Node()
            garbage = _Node()
            garbage.other = _Node()
            garbage.other.other = garbage  # a cycle only the collector frees
            gone = weakref.ref(garbage)
            del garbage
            assert gone() is not None  # paused: nothing collected the cycle yet
        assert gc.get_threshold() == thresholds
        assert gone() is None  # the one collection on the way out freed it
        assert gc.get_freeze_count() > 0
        assert all(obj is not kept for obj in gc.get_objects())  # frozen: no longer in any generation
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
