"""Telemetry: request ids in JSON logs, no exception text in them, Prometheus metrics, optional tracing spans."""

from __future__ import annotations

import io
import json
import logging
import sys
import urllib.request
from collections.abc import Iterator
from concurrent import futures

import grpc
import pytest
from prometheus_client import REGISTRY

from pipelines.enrichment.domain import EnrichedInteraction, Intent, Interaction, LanguageInfo, ModelRef, PlainText
from service import metrics
from service.interceptors import REQUEST_ID_KEY, ErrorInterceptor
from service.logs import JsonFormatter, TextFormatter, request_scope
from service.metrics import MetricsConfig, instrumented, start_metrics_server, stop_metrics_server
from service.telemetry import TelemetryInterceptor
from service.tracing import Tracer, TracingConfig, build_tracer

SECRET = "Maria Gonzalez, 4111 1111 1111 1111"
log = logging.getLogger("tests.telemetry")


def _unary(request: bytes, context: grpc.ServicerContext) -> bytes:
    log.info("handling a request of %d bytes", len(request))
    if request == b"bug":
        raise KeyError(SECRET)
    return b"fine"


def _stream(request: bytes, context: grpc.ServicerContext) -> Iterator[bytes]:
    log.info("streaming")
    yield b"one"
    yield b"two"


def _serve(tracer: Tracer | None) -> tuple[grpc.Server, int]:
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=2),
        interceptors=[TelemetryInterceptor(tracer=tracer), ErrorInterceptor()],
    )
    handler = grpc.method_handlers_generic_handler(
        "test.Telemetry",
        {
            "Unary": grpc.unary_unary_rpc_method_handler(_unary),
            "Stream": grpc.unary_stream_rpc_method_handler(_stream),
        },
    )
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, port


@pytest.fixture(scope="module")
def channel() -> Iterator[grpc.Channel]:
    server, port = _serve(None)
    with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
        yield ch
    server.stop(None).wait()


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield out
    root.removeHandler(handler)
    root.setLevel(old_level)


def _lines(out: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def _sample(name: str, labels: dict[str, str]) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_every_line_of_a_call_carries_its_request_id_and_the_access_log_its_code(channel, json_log):
    assert channel.unary_unary("/test.Telemetry/Unary")(b"hello", metadata=((REQUEST_ID_KEY, "req-7"),)) == b"fine"
    mine = [e for e in _lines(json_log) if e.get("request_id") == "req-7"]
    assert next(e["message"] for e in mine) == "handling a request of 5 bytes"
    access = mine[-1]
    assert access["logger"] == "service.telemetry" and access["code"] == "OK"
    assert access["method"] == "/test.Telemetry/Unary" and access["duration_ms"] >= 0
    assert all(e["ts"].endswith("Z") and e["level"] == "INFO" for e in mine)


def test_an_unusable_request_id_is_replaced_by_a_fresh_one(channel, json_log):
    channel.unary_unary("/test.Telemetry/Unary")(b"x", metadata=((REQUEST_ID_KEY, "bad id with spaces and {braces}"),))
    access = [e for e in _lines(json_log) if e.get("code") == "OK"][-1]
    assert len(access["request_id"]) == 16 and " " not in access["request_id"]


def test_internal_errors_log_the_type_and_stack_but_never_the_message(channel, json_log):
    with pytest.raises(grpc.RpcError) as err:
        channel.unary_unary("/test.Telemetry/Unary")(b"bug", metadata=((REQUEST_ID_KEY, "req-bug"),))
    assert err.value.details().endswith("request id req-bug")  # the id in the reply is the id in the logs
    text = json_log.getvalue()
    assert SECRET not in text and "Gonzalez" not in text and "4111" not in text
    failure = next(e for e in _lines(json_log) if "exception" in e)
    assert failure["request_id"] == "req-bug" and failure["exception"]["type"] == "builtins.KeyError"
    assert any("_unary" in frame for frame in failure["exception"]["stack"])
    assert [e["code"] for e in _lines(json_log) if "code" in e] == ["INTERNAL"]


def test_exception_messages_only_when_asked_for():
    try:
        raise ValueError(SECRET)
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    assert SECRET not in JsonFormatter().format(record)
    assert SECRET not in TextFormatter().format(record) and "builtins.ValueError" in TextFormatter().format(record)
    assert SECRET in JsonFormatter(exception_messages=True).format(record)
    with request_scope("r-1", "/x/Y"):
        assert TextFormatter().format(record).splitlines()[0].endswith("[request r-1]")


def test_requests_are_counted_by_method_and_code_with_latency(channel):
    labels = {"method": "/test.Telemetry/Unary"}
    ok, internal = (
        _sample("journeymine_rpc_requests_total", {**labels, "code": "OK"}),
        _sample("journeymine_rpc_requests_total", {**labels, "code": "INTERNAL"}),
    )
    timed = _sample("journeymine_rpc_duration_seconds_count", labels)
    channel.unary_unary("/test.Telemetry/Unary")(b"a")
    channel.unary_unary("/test.Telemetry/Unary")(b"b")
    with pytest.raises(grpc.RpcError):
        channel.unary_unary("/test.Telemetry/Unary")(b"bug")
    assert list(channel.unary_stream("/test.Telemetry/Stream")(b"")) == [b"one", b"two"]
    assert _sample("journeymine_rpc_requests_total", {**labels, "code": "OK"}) - ok == 2
    assert _sample("journeymine_rpc_requests_total", {**labels, "code": "INTERNAL"}) - internal == 1
    assert _sample("journeymine_rpc_duration_seconds_count", labels) - timed == 3
    stream = {"method": "/test.Telemetry/Stream", "code": "OK"}
    assert _sample("journeymine_rpc_requests_total", stream) >= 1
    assert _sample("journeymine_rpc_in_flight", {}) == 0


def _result(i: int, abstained: bool | None) -> EnrichedInteraction:
    intent = None
    if abstained is not None:
        intent = Intent("t", "out_of_scope" if abstained else "refund", abstained, 0.5, 0.4, (), ModelRef("i", "v1"))
    return EnrichedInteraction(str(i), LanguageInfo("en", 1.0, "declared", True), intent=intent)


def test_enrich_calls_record_batch_size_model_time_and_abstentions():
    outcomes = [True, False, False, None, True]
    enrich = instrumented(lambda items, options: [_result(i, a) for i, a in enumerate(outcomes)], path="test")
    before = (
        _sample("journeymine_enrich_batch_interactions_sum", {"path": "test"}),
        _sample("journeymine_intent_documents_total", {"outcome": "abstained"}),
        _sample("journeymine_intent_documents_total", {"outcome": "in_scope"}),
    )
    items = [Interaction(str(i), PlainText("x")) for i in range(5)]
    assert len(enrich(items, None)) == 5  # type: ignore[arg-type]
    assert _sample("journeymine_enrich_batch_interactions_sum", {"path": "test"}) - before[0] == 5
    assert _sample("journeymine_intent_documents_total", {"outcome": "abstained"}) - before[1] == 2
    assert _sample("journeymine_intent_documents_total", {"outcome": "in_scope"}) - before[2] == 2
    assert _sample("journeymine_model_duration_seconds_count", {"path": "test"}) >= 1
    metrics.observe_queue(lambda: 17)
    assert _sample("journeymine_microbatch_queue_interactions", {}) == 17


def test_the_metrics_endpoint_serves_the_prometheus_text_format(channel):
    channel.unary_unary("/test.Telemetry/Unary")(b"a")
    assert start_metrics_server(MetricsConfig()) is None  # no port: no endpoint
    started = start_metrics_server(MetricsConfig(port=0))
    assert started is not None
    http, port = started
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as reply:
            body = reply.read().decode()
    finally:
        stop_metrics_server(http)
    assert 'journeymine_rpc_requests_total{code="OK",method="/test.Telemetry/Unary"}' in body
    assert "journeymine_rpc_duration_seconds_bucket" in body and "journeymine_microbatch_queue_interactions" in body


def test_tracing_makes_one_server_span_per_call_joined_to_the_callers_trace():
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    server, port = _serve(Tracer(otel_tracer=provider.get_tracer("test")))
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
            ch.unary_unary("/test.Telemetry/Unary")(
                b"a", metadata=(("traceparent", f"00-{trace_id}-00f067aa0ba902b7-01"),)
            )
            with pytest.raises(grpc.RpcError):
                ch.unary_unary("/test.Telemetry/Unary")(b"bug")
    finally:
        server.stop(None).wait()
    ok, bug = exporter.get_finished_spans()
    assert ok.name == "/test.Telemetry/Unary" and format(ok.context.trace_id, "032x") == trace_id
    assert ok.attributes["rpc.method"] == "Unary" and ok.attributes["rpc.grpc.status_code"] == "OK"
    assert bug.attributes["rpc.grpc.status_code"] == "INTERNAL" and not bug.status.is_ok
    assert all(SECRET not in str(dict(s.attributes)) for s in (ok, bug))


def test_tracing_is_off_by_default_and_a_warning_without_opentelemetry(monkeypatch, caplog):
    assert build_tracer(TracingConfig()) is None
    assert build_tracer(TracingConfig(enabled=True, exporter="console")) is not None
    monkeypatch.setitem(sys.modules, "opentelemetry.sdk.trace", None)  # as if the otel extra were not installed
    assert build_tracer(TracingConfig(enabled=True)) is None
    assert "pip install 'journeymine[otel]'" in caplog.text


def test_a_taken_metrics_port_is_a_clear_start_up_error():
    from service.metrics import MetricsBindError

    started = start_metrics_server(MetricsConfig(port=0))
    assert started is not None
    http, port = started
    try:
        with pytest.raises(MetricsBindError, match=rf"metrics cannot listen on 127\.0\.0\.1:{port}.*metrics\.port"):
            start_metrics_server(MetricsConfig(port=port))
    finally:
        stop_metrics_server(http)


def test_the_start_warning_says_what_each_insecure_setting_exposes():
    from service.server import Security

    table = object()
    assert "INSECURE local mode" in Security(None, None).describe()
    assert "whoever can connect" in Security(None, None).exposure()
    assert "plaintext" in Security(None, table, 2).exposure()  # type: ignore[arg-type]
    assert Security(object(), table, 2).exposure() == ""  # type: ignore[arg-type]
    assert Security(object(), table, 2, mutual_tls=True).describe() == "mutual TLS, bearer tokens (2 configured)"  # type: ignore[arg-type]
