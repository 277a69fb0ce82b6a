"""The outermost interceptor: a request id, one access-log line, metrics and (optionally) a span per call.

Every call gets a request id (the caller's ``x-request-id`` when it is a sane token, else a new one);
every log line written while the call is handled carries it (``service.logs``), and so does the
INTERNAL message the ErrorInterceptor builds. The access log names the method, the status code
and the duration, never the request.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

import grpc

from service import metrics
from service.interceptors import REQUEST_ID_KEY, Behavior, Wrap, WrappingInterceptor
from service.logs import request_scope
from service.tracing import Tracer, span_of

log = logging.getLogger(__name__)

_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def request_id_of(metadata: dict[str, Any]) -> str:
    """The caller's request id when it is 1-64 characters of ``[A-Za-z0-9._:-]``, else a fresh one."""
    given = metadata.get(REQUEST_ID_KEY)
    if isinstance(given, str) and _SANE_ID.fullmatch(given):
        return given
    return uuid.uuid4().hex[:16]


def code_of(context: grpc.ServicerContext, failed: bool) -> str:
    """The status code the caller gets, as the server can tell it once the handler returned or raised."""
    code = context.code()
    if code is not None:
        return code.name if isinstance(code, grpc.StatusCode) else str(code)
    if not context.is_active():
        remaining = context.time_remaining()
        return "DEADLINE_EXCEEDED" if remaining is not None and remaining <= 0 else "CANCELLED"
    return "UNKNOWN" if failed else "OK"


class TelemetryInterceptor(WrappingInterceptor):
    """Request id, access log, Prometheus metrics and an optional trace span for every call."""

    def __init__(self, *, tracer: Tracer | None = None) -> None:
        self.tracer = tracer

    def wrappers(self, method: str, metadata: dict[str, Any]) -> tuple[Wrap, Wrap]:
        call = _Call(method, metadata, self.tracer)
        return call.unary, call.stream


class _Call:
    def __init__(self, method: str, metadata: dict[str, Any], tracer: Tracer | None) -> None:
        self.method, self.metadata, self.tracer = method, metadata, tracer

    def unary(self, behavior: Behavior) -> Behavior:
        def wrapper(request: Any, context: grpc.ServicerContext) -> Any:
            began, failed = self._begin(), True
            with (
                request_scope(request_id_of(self.metadata), self.method),
                span_of(self.tracer, self.method, self.metadata) as span,
            ):
                try:
                    reply = behavior(request, context)
                    failed = False
                    return reply
                finally:
                    self._end(context, span, began, failed)

        return wrapper

    def stream(self, behavior: Behavior) -> Behavior:
        def wrapper(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            began, failed = self._begin(), True
            with (
                request_scope(request_id_of(self.metadata), self.method),
                span_of(self.tracer, self.method, self.metadata) as span,
            ):
                try:
                    yield from behavior(request, context)
                    failed = False
                finally:
                    self._end(context, span, began, failed)

        return wrapper

    def _begin(self) -> float:
        metrics.IN_FLIGHT.inc()
        return time.perf_counter()

    def _end(self, context: grpc.ServicerContext, span: Any, began: float, failed: bool) -> None:
        elapsed = time.perf_counter() - began
        metrics.IN_FLIGHT.dec()
        code = code_of(context, failed)
        metrics.REQUESTS.labels(self.method, code).inc()
        metrics.LATENCY.labels(self.method).observe(elapsed)
        if span is not None and self.tracer is not None:
            self.tracer.finish(span, code)
        ms = round(elapsed * 1000, 2)
        log.info("rpc done: %s in %.1f ms", code, ms, extra={"code": code, "duration_ms": ms})
