"""Deadlines, admission and graceful shutdown on a real server whose enricher blocks until the test lets it go."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from journeymine.v1 import enrichment_service_pb2_grpc as svc_grpc
from service.config import ServerConfig, Settings
from service.interceptors import ErrorInterceptor
from tests.service.conftest import TEST_LIMITS
from tests.service.helpers import request_of, text_interaction

pytestmark = pytest.mark.slow


class GatedEnricher:
    """The real enricher, except that its encoder stage (``finish``; ``enrich`` on the other paths) waits for
    ``gate`` and records what it was asked to do."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.enriched: list[list[str]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def enrich(self, interactions, options):
        return self.finish(self._real.prepare(interactions, options))

    def prepare(self, interactions, options):
        return self._real.prepare(interactions, options)

    def finish(self, prepared):
        self.entered.set()
        assert self.gate.wait(timeout=120), "the test never opened the gate"
        self.enriched.append([plan.interaction.id for plan in prepared.plans])
        return self._real.finish(prepared)


@pytest.fixture
def gated(enricher, tmp_path: Path) -> Iterator[tuple[GatedEnricher, grpc.Server, int, health.HealthServicer]]:
    from service.server import build_server

    fake = GatedEnricher(enricher)
    settings = Settings(
        server=ServerConfig(host="127.0.0.1", port=0, max_workers=6, max_concurrent_rpcs=5, grace_seconds=0),
        limits=TEST_LIMITS,
        data_dir=tmp_path,
    )
    health_servicer = health.HealthServicer()
    server, port = build_server(settings, fake, health_servicer=health_servicer)  # type: ignore[arg-type]
    server.start()
    try:
        yield fake, server, port, health_servicer
    finally:
        fake.gate.set()
        server.stop(None).wait()


def _stub(port: int) -> tuple[grpc.Channel, svc_grpc.EnrichmentServiceStub]:
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    return channel, svc_grpc.EnrichmentServiceStub(channel)


def test_a_queued_call_whose_deadline_passes_is_dropped_not_enriched(gated):
    fake, _server, port, _ = gated
    channel, stub = _stub(port)
    with channel, futures.ThreadPoolExecutor(2) as pool:
        first = pool.submit(stub.Enrich, request_of(text_interaction(id="first")), timeout=120)
        assert fake.entered.wait(timeout=60)  # "first" holds the model
        with pytest.raises(grpc.RpcError) as err:
            stub.Enrich(request_of(text_interaction(id="late")), timeout=0.5)
        assert err.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        fake.gate.set()
        assert [r.interaction_id for r in first.result(timeout=120).results] == ["first"]
        # The next call runs after the batcher has dropped "late": only "first" and "next" were enriched.
        assert [r.interaction_id for r in stub.Enrich(request_of(text_interaction(id="next")), timeout=60).results] == [
            "next"
        ]
    assert fake.enriched == [["first"], ["next"]]


def test_calls_beyond_max_concurrent_rpcs_are_refused_at_once_with_resource_exhausted(gated):
    fake, _server, port, _ = gated
    channel, stub = _stub(port)
    with channel, futures.ThreadPoolExecutor(5) as pool:
        held = [pool.submit(stub.Enrich, request_of(text_interaction(id=f"h{i}")), timeout=120) for i in range(5)]
        assert fake.entered.wait(timeout=60)
        refused = 0
        for _ in range(50):  # until all five are admitted, a sixth may still get in
            try:
                stub.Enrich(request_of(text_interaction(id="extra")), timeout=0.2)
            except grpc.RpcError as err:
                if err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED:
                    refused += 1
                    break
        assert refused == 1
        fake.gate.set()
        assert sorted(r.result(timeout=120).results[0].interaction_id for r in held) == [f"h{i}" for i in range(5)]


def test_graceful_shutdown_goes_not_serving_then_lets_in_flight_calls_finish(gated):
    from service.server import drain

    fake, server, port, health_servicer = gated
    channel, stub = _stub(port)
    with channel, futures.ThreadPoolExecutor(2) as pool:
        watch = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest(service=""))
        assert next(watch).status == health_pb2.HealthCheckResponse.SERVING
        in_flight = pool.submit(stub.Enrich, request_of(text_interaction(id="in-flight")), timeout=120)
        assert fake.entered.wait(timeout=60)
        stopped = drain(server, health_servicer, grace_seconds=60)
        assert next(watch).status == health_pb2.HealthCheckResponse.NOT_SERVING  # before anything finished
        watch.cancel()
        with pytest.raises(grpc.RpcError) as err:
            stub.Enrich(request_of(text_interaction(id="new")), timeout=10)
        assert err.value.code() == grpc.StatusCode.UNAVAILABLE  # new calls go to another replica
        assert not in_flight.done() and not stopped.is_set()
        fake.gate.set()
        assert in_flight.result(timeout=60).results[0].interaction_id == "in-flight"  # drained, not cut off
        assert stopped.wait(timeout=60)
    assert fake.enriched == [["in-flight"]]


class _Context:
    """Just enough of a ServicerContext for the interceptor's deadline check."""

    def __init__(self, remaining: float) -> None:
        self.remaining = remaining
        self.aborted: tuple[Any, ...] | None = None

    def time_remaining(self) -> float:
        return self.remaining

    def is_active(self) -> bool:
        return True

    def code(self) -> None:
        return None

    def abort_with_status(self, status: Any) -> None:
        self.aborted = (status.code, status.details)
        raise RuntimeError("aborted")


def test_a_call_that_starts_after_its_deadline_does_no_work():
    ran: list[bool] = []
    handler = grpc.unary_unary_rpc_method_handler(lambda request, context: ran.append(True))
    wrapped = ErrorInterceptor().intercept_service(lambda details: handler, _Details())
    context = _Context(remaining=0.0)
    with pytest.raises(RuntimeError, match="aborted"):
        wrapped.unary_unary(b"", context)  # type: ignore[union-attr]
    assert ran == [] and context.aborted is not None and context.aborted[0] == grpc.StatusCode.DEADLINE_EXCEEDED
    wrapped.unary_unary(b"", _Context(remaining=5.0))  # type: ignore[union-attr]
    assert ran == [True]


class _Details:
    method = "/test.Deadline/Unary"
    invocation_metadata = ()
