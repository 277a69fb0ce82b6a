"""Fuzzing every RPC of the running server: random, empty, huge and out-of-range requests are never INTERNAL.

Each RPC gets hypothesis-made requests (``tests/service/fuzz_strategies.py``) and raw random bytes.
Any status but INTERNAL and UNKNOWN is an answer; INTERNAL is a bug, and so is a server that stops
answering health checks. Examples are derandomized (the same in every CI run) and bounded;
``JOURNEYMINE_FUZZ_EXAMPLES=500`` runs a longer campaign.
"""

from __future__ import annotations

import collections
import os
from collections.abc import Iterator

import grpc
import pytest
from google.protobuf.descriptor import MethodDescriptor
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeymine.v1 import (
    admin_service_pb2,
    enrichment_service_pb2,
    evaluation_service_pb2,
    journey_service_pb2,
    topics_service_pb2,
)
from tests.service import fuzz_strategies
from tests.service.fuzz_strategies import messages

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("JOURNEYMINE_FUZZ_EXAMPLES", "25"))
NEVER = {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN}
# method + code -> calls of the whole module, printed in the report only: tests assert on their own calls.
CODES: collections.Counter[str] = collections.Counter()

METHODS: list[MethodDescriptor] = [
    method
    for module in (
        enrichment_service_pb2,
        evaluation_service_pb2,
        journey_service_pb2,
        topics_service_pb2,
        admin_service_pb2,
    )
    for service in module.DESCRIPTOR.services_by_name.values()
    for method in service.methods
]
# A WatchAlerts call waits for alerts until its deadline: a short one keeps the run bounded.
TIMEOUT_S = {"WatchAlerts": 0.3}
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)


def _path(method: MethodDescriptor) -> str:
    return f"/{method.containing_service.full_name}/{method.name}"


def _call(channel: grpc.Channel, method: MethodDescriptor, payload: object, *, raw: bool = False) -> grpc.StatusCode:
    """Send ``payload`` (a message, a list of them for client streams, or bytes), assert the status, return it."""
    path = _path(method)
    serialize = (lambda b: b) if raw else (lambda m: m.SerializeToString())
    kind = (method.client_streaming, method.server_streaming)
    timeout = TIMEOUT_S.get(method.name, 30)
    factory = {
        (False, False): channel.unary_unary,
        (False, True): channel.unary_stream,
        (True, False): channel.stream_unary,
        (True, True): channel.stream_stream,
    }[kind]
    stub = factory(path, request_serializer=serialize, response_deserializer=lambda b: b)
    request = iter(payload) if method.client_streaming else payload  # type: ignore[call-overload]
    try:
        reply = stub(request, timeout=timeout)
        if method.server_streaming:
            collections.deque(reply, maxlen=0)
        code = grpc.StatusCode.OK
    except grpc.RpcError as err:
        code = err.code()
        assert code not in NEVER, f"{path} answered {code.name}: {err.details()}"
    CODES[f"{method.name} {code.name}"] += 1
    return code


@pytest.fixture(scope="module", autouse=True)
def still_serving(channel: grpc.Channel) -> Iterator[None]:
    yield
    reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=30)
    assert reply.status == health_pb2.HealthCheckResponse.SERVING  # nothing crashed or wedged the server
    print("fuzz status codes:", dict(sorted(CODES.items())))


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.name)
def test_fuzzed_requests_are_never_internal(channel, method):
    request = messages(method.input_type)
    payloads = st.lists(request, max_size=6) if method.client_streaming else request

    @FUZZ
    @given(payload=payloads)
    def run(payload: object) -> None:
        _call(channel, method, payload)

    run()


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.name)
def test_random_bytes_are_never_internal(channel, method):
    chunk = st.one_of(st.binary(max_size=64), st.sampled_from([b"", b"\x0a\x02\xff\xfe", b"\x0a\xff\xff\xff\xff\x0f"]))
    payloads = st.lists(chunk, max_size=4) if method.client_streaming else chunk

    @settings(FUZZ, max_examples=max(5, EXAMPLES // 3))
    @given(payload=payloads)
    def run(payload: object) -> None:
        _call(channel, method, payload, raw=True)

    run()


WELL_FORMED = {
    "Enrich": fuzz_strategies.enrich_requests(),
    "EnrichStream": fuzz_strategies.stream_calls(),
    "RecordTouchpoints": fuzz_strategies.record_requests(),
    "GetTopicTrends": fuzz_strategies.trend_requests(),
}


@pytest.mark.parametrize("name", list(WELL_FORMED))
def test_well_formed_requests_with_random_content_reach_the_models_and_succeed_or_say_why(channel, name):
    method = next(m for m in METHODS if m.name == name)
    codes: collections.Counter[grpc.StatusCode] = collections.Counter()  # this test's calls only

    @settings(FUZZ, max_examples=max(5, EXAMPLES * 3 // 5))
    @given(payload=WELL_FORMED[name])
    def run(payload: object) -> None:
        codes[_call(channel, method, payload)] += 1

    run()
    assert codes[grpc.StatusCode.OK] > 0, dict(codes)  # the content reached the models, not only the validator
