"""ErrorInterceptor: every error class maps to one status, for unary and streaming handlers alike."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from concurrent import futures

import grpc
import pytest
from grpc_status import rpc_status

from models.errors import (
    FieldViolation,
    InvalidInputError,
    ModelNotLoadedError,
    NotFoundError,
    OverloadedError,
    StorageUnavailableError,
)
from service.interceptors import REQUEST_ID_KEY, ErrorInterceptor
from tests.service.helpers import bad_request_details

SECRET = "my card number is 4111 1111 1111 1111"

ERRORS: dict[str, tuple[Exception, grpc.StatusCode]] = {
    "invalid": (
        InvalidInputError(
            [FieldViolation("interactions[0].text", "is empty"), FieldViolation("options.intent_top_k", "is -1")]
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    ),
    "not_found": (
        NotFoundError("intent taxonomy", "bank", ["banking77", "clinc150"], field="options.intent_taxonomy"),
        grpc.StatusCode.NOT_FOUND,
    ),
    "not_found_no_field": (NotFoundError("model", "x.v9", ["sentiment.v1"]), grpc.StatusCode.NOT_FOUND),
    "not_loaded": (ModelNotLoadedError("head.json missing"), grpc.StatusCode.FAILED_PRECONDITION),
    "overloaded": (OverloadedError("queue full"), grpc.StatusCode.RESOURCE_EXHAUSTED),
    "storage": (StorageUnavailableError("db down"), grpc.StatusCode.UNAVAILABLE),
    "bug": (KeyError(SECRET), grpc.StatusCode.INTERNAL),
}


def _unary(request: bytes, context: grpc.ServicerContext) -> bytes:
    key = request.decode()
    if key == "ok":
        return b"fine"
    if key == "abort":
        context.abort(grpc.StatusCode.PERMISSION_DENIED, "handler aborted itself")
    raise ERRORS[key][0]


def _stream(requests: Iterator[bytes], context: grpc.ServicerContext) -> Iterator[bytes]:
    for request in requests:
        key = request.decode()
        if key != "ok":
            raise ERRORS[key][0]
        yield b"fine"


@pytest.fixture(scope="module")
def channel() -> Iterator[grpc.Channel]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2), interceptors=[ErrorInterceptor()])
    handler = grpc.method_handlers_generic_handler(
        "test.Errors",
        {
            "Unary": grpc.unary_unary_rpc_method_handler(_unary),
            "Stream": grpc.stream_stream_rpc_method_handler(_stream),
        },
    )
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
        yield ch
    server.stop(None).wait()


@pytest.mark.parametrize("key", list(ERRORS))
def test_unary_errors_map_to_their_status(channel, key):
    with pytest.raises(grpc.RpcError) as info:
        channel.unary_unary("/test.Errors/Unary")(key.encode())
    assert info.value.code() == ERRORS[key][1]


@pytest.mark.parametrize("key", list(ERRORS))
def test_streaming_errors_raised_mid_stream_map_to_their_status(channel, key):
    call = channel.stream_stream("/test.Errors/Stream")(iter([b"ok", b"ok", key.encode()]))
    received = []
    with pytest.raises(grpc.RpcError) as info:
        received.extend(call)
    assert received == [b"fine", b"fine"]  # responses before the error still arrive
    assert info.value.code() == ERRORS[key][1]


def test_invalid_input_carries_every_field_violation(channel):
    with pytest.raises(grpc.RpcError) as info:
        channel.unary_unary("/test.Errors/Unary")(b"invalid")
    assert bad_request_details(info.value) == {"interactions[0].text": "is empty", "options.intent_top_k": "is -1"}
    assert "(and 1 more)" in info.value.details()


def test_not_found_names_the_field_and_the_valid_options(channel):
    with pytest.raises(grpc.RpcError) as info:
        channel.unary_unary("/test.Errors/Unary")(b"not_found")
    details = bad_request_details(info.value)
    assert "banking77, clinc150" in details["options.intent_taxonomy"]
    assert "banking77, clinc150" in info.value.details()


def test_not_found_without_field_has_no_details(channel):
    with pytest.raises(grpc.RpcError) as info:
        channel.unary_unary("/test.Errors/Unary")(b"not_found_no_field")
    assert bad_request_details(info.value) == {}


def test_internal_is_generic_and_logs_the_traceback(channel, caplog):
    caplog.set_level(logging.INFO, logger="service.interceptors")
    with pytest.raises(grpc.RpcError) as info:
        channel.unary_unary("/test.Errors/Unary")(b"bug", metadata=((REQUEST_ID_KEY, "req-42"),))
    message = info.value.details()
    assert message == "internal error; see server log, request id req-42"
    assert SECRET not in message and "KeyError" not in message
    status = rpc_status.from_call(info.value)
    assert status is not None and not status.details
    record = next(r for r in caplog.records if "req-42" in r.getMessage())
    assert record.exc_info is not None and record.exc_info[0] is KeyError


def test_internal_without_request_id_gets_a_generated_one(channel):
    with pytest.raises(grpc.RpcError) as info:
        channel.unary_unary("/test.Errors/Unary")(b"bug")
    request_id = info.value.details().rsplit(" ", 1)[-1]
    assert len(request_id) == 16 and request_id != "id"


def test_a_handler_abort_passes_through_unchanged(channel):
    with pytest.raises(grpc.RpcError) as info:
        channel.unary_unary("/test.Errors/Unary")(b"abort")
    assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert info.value.details() == "handler aborted itself"


def test_success_passes_through(channel):
    assert channel.unary_unary("/test.Errors/Unary")(b"ok") == b"fine"
