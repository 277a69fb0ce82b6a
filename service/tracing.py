"""Optional OpenTelemetry tracing: one server span per RPC, joined to the caller's trace (``traceparent``).

    [tracing]
    enabled = true
    exporter = "otlp"                    # or "console"; OTLP goes to OTEL_EXPORTER_OTLP_ENDPOINT
    service_name = "journeymine"

Needs the ``otel`` extra (``pip install 'journeymine[otel]'``). Enabled without it, the server
logs a warning at start and runs without tracing; disabled, nothing of OpenTelemetry is imported.
Spans carry the method and the status code, never request content.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

log = logging.getLogger(__name__)


class TracingConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = False
    exporter: Literal["otlp", "console"] = "otlp"
    service_name: str = "journeymine"


class Tracer:
    """Starts one server span per call on an OpenTelemetry tracer."""

    def __init__(self, *, otel_tracer: Any) -> None:
        from opentelemetry import propagate, trace

        self._tracer = otel_tracer
        self._propagate = propagate
        self._kind = trace.SpanKind.SERVER
        self._status = trace.Status
        self._error = trace.StatusCode.ERROR

    @contextmanager
    def span(self, method: str, metadata: Mapping[str, Any]) -> Iterator[Any]:
        """A span named after the gRPC method, child of the caller's trace when it sent one."""
        parent = self._propagate.extract({k: v for k, v in metadata.items() if isinstance(v, str)})
        service, _, name = method.lstrip("/").partition("/")
        with self._tracer.start_as_current_span(method, context=parent, kind=self._kind) as span:
            span.set_attribute("rpc.system", "grpc")
            span.set_attribute("rpc.service", service)
            span.set_attribute("rpc.method", name)
            yield span

    def finish(self, span: Any, code: str) -> None:
        """Record the call's status code on its span."""
        span.set_attribute("rpc.grpc.status_code", code)
        if code not in ("OK", "CANCELLED"):
            span.set_status(self._status(self._error, code))


def build_tracer(config: TracingConfig) -> Tracer | None:
    """A tracer exporting as configured, or None (tracing off, or the otel extra is not installed)."""
    if not config.enabled:
        return None
    try:
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
    except ImportError:
        log.warning("tracing.enabled is set but OpenTelemetry is not installed: pip install 'journeymine[otel]'")
        return None
    exporter: SpanExporter
    if config.exporter == "console":
        exporter = ConsoleSpanExporter()
    else:
        try:
            from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
        except ImportError:
            log.warning(
                "tracing.exporter = otlp needs opentelemetry-exporter-otlp-proto-grpc: pip install 'journeymine[otel]'"
            )
            return None
        exporter = OTLPSpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": config.service_name}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return Tracer(otel_tracer=provider.get_tracer("journeymine"))


def span_of(tracer: Tracer | None, method: str, metadata: Mapping[str, Any]) -> AbstractContextManager[Any]:
    """The call's span, or a context that does nothing when tracing is off."""
    return tracer.span(method, metadata) if tracer is not None else nullcontext()
