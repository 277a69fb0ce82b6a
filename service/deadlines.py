"""The caller's deadline, honoured: work stops once it has passed, and the call ends DEADLINE_EXCEEDED.

The ErrorInterceptor checks it before every handler (a call that waited in the worker queue past its
deadline does no work); servicers check it between stages and pass it to the micro-batcher, which
drops a waiting call whose deadline passes instead of enriching it.
"""

from __future__ import annotations

import time

import grpc

from models.errors import DeadlineExceededError

# grpcio reports a huge time_remaining() for a call without a deadline; beyond this there is none.
NO_DEADLINE_S = 10 * 365 * 24 * 3600


def check_deadline(context: grpc.ServicerContext | None, what: str = "the call") -> None:
    """Raise DeadlineExceededError when the caller's deadline has passed, so no more work is done for it.

    ``context`` None (an in-process call, no gRPC) has no deadline.
    """
    if context is None:
        return
    remaining = context.time_remaining()
    if remaining is not None and remaining <= 0:
        raise DeadlineExceededError(f"the caller's deadline passed before {what} was done; the work was stopped")


def deadline_of(context: grpc.ServicerContext | None) -> float | None:
    """The caller's deadline on the ``time.monotonic()`` clock, or None when it set none."""
    if context is None:
        return None
    remaining = context.time_remaining()
    if remaining is None or remaining > NO_DEADLINE_S:
        return None
    return time.monotonic() + remaining
