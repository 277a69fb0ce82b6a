"""The one place errors become gRPC statuses: a server interceptor for unary and streaming RPCs.

    InvalidInputError        -> INVALID_ARGUMENT     BadRequest with every field violation
    NotFoundError            -> NOT_FOUND            BadRequest naming the valid options (when .field is set)
    ModelNotLoadedError      -> FAILED_PRECONDITION
    OverloadedError          -> RESOURCE_EXHAUSTED
    StorageUnavailableError  -> UNAVAILABLE
    DeadlineExceededError    -> DEADLINE_EXCEEDED    also raised here when a call starts past its deadline
    UnauthenticatedError     -> UNAUTHENTICATED      (raised by service.auth.AuthInterceptor, inside this one)
    PermissionDeniedError    -> PERMISSION_DENIED
    anything else            -> INTERNAL             generic message; traceback in the log only

Servicers raise domain errors and never touch status codes. Logs name the
method, the request id and the fields at fault, never the caller's text.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from models.errors import (
    DeadlineExceededError,
    FieldViolation,
    InvalidInputError,
    JourneymineError,
    ModelNotLoadedError,
    NotFoundError,
    OverloadedError,
    PermissionDeniedError,
    StorageUnavailableError,
    UnauthenticatedError,
)
from service.deadlines import check_deadline
from service.logs import current_request_id

log = logging.getLogger(__name__)

REQUEST_ID_KEY = "x-request-id"

_CODES: tuple[tuple[type[JourneymineError], int], ...] = (
    (InvalidInputError, code_pb2.INVALID_ARGUMENT),
    (NotFoundError, code_pb2.NOT_FOUND),
    (ModelNotLoadedError, code_pb2.FAILED_PRECONDITION),
    (OverloadedError, code_pb2.RESOURCE_EXHAUSTED),
    (StorageUnavailableError, code_pb2.UNAVAILABLE),
    (DeadlineExceededError, code_pb2.DEADLINE_EXCEEDED),
    (UnauthenticatedError, code_pb2.UNAUTHENTICATED),
    (PermissionDeniedError, code_pb2.PERMISSION_DENIED),
)


def status_for(exc: BaseException, request_id: str) -> status_pb2.Status:
    """The google.rpc.Status a caller sees for ``exc``."""
    for cls, code in _CODES:
        if isinstance(exc, cls):
            status = status_pb2.Status(code=code, message=str(exc))
            violations = _violations_of(exc)
            if violations:
                detail = any_pb2.Any()
                detail.Pack(
                    error_details_pb2.BadRequest(
                        field_violations=[
                            error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
                            for v in violations
                        ]
                    )
                )
                status.details.append(detail)
            return status
    return status_pb2.Status(code=code_pb2.INTERNAL, message=f"internal error; see server log, request id {request_id}")


def _violations_of(exc: BaseException) -> list[FieldViolation]:
    if isinstance(exc, InvalidInputError):
        return exc.violations
    if isinstance(exc, NotFoundError) and exc.field:
        return [FieldViolation(exc.field, f"unknown {exc.kind} {exc.name!r}; {exc.fix}")]
    return []


Behavior = Callable[[Any, grpc.ServicerContext], Any]
Wrap = Callable[[Behavior], Behavior]


class WrappingInterceptor(grpc.ServerInterceptor):
    """Base of journeymine's interceptors: wraps each handler's behaviour, knowing the call's method and metadata."""

    def wrappers(self, method: str, metadata: dict[str, Any]) -> tuple[Wrap, Wrap]:
        """(wrap for calls with one response, wrap for streamed responses) of one call."""
        raise NotImplementedError

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        unary, stream = self.wrappers(handler_call_details.method, dict(handler_call_details.invocation_metadata or ()))
        return rewrap(handler, unary=unary, stream=stream)


class ErrorInterceptor(WrappingInterceptor):
    """Maps exceptions raised by any handler (while streaming, too) to a gRPC status with details."""

    def wrappers(self, method: str, metadata: dict[str, Any]) -> tuple[Wrap, Wrap]:
        return (lambda b: _wrap_unary(b, method, metadata)), (lambda b: _wrap_stream(b, method, metadata))


def rewrap(handler: grpc.RpcMethodHandler, *, unary: Wrap, stream: Wrap) -> grpc.RpcMethodHandler:
    """``handler`` with its behaviour wrapped: ``unary`` for calls with one response, ``stream`` for streamed ones.

    The one place the four gRPC handler kinds are told apart; every interceptor here wraps through it.
    """
    new = dict(request_deserializer=handler.request_deserializer, response_serializer=handler.response_serializer)
    if handler.unary_unary:
        return grpc.unary_unary_rpc_method_handler(unary(handler.unary_unary), **new)
    if handler.unary_stream:
        return grpc.unary_stream_rpc_method_handler(stream(handler.unary_stream), **new)
    if handler.stream_unary:
        return grpc.stream_unary_rpc_method_handler(unary(handler.stream_unary), **new)
    if handler.stream_stream:
        return grpc.stream_stream_rpc_method_handler(stream(handler.stream_stream), **new)
    return handler


def _wrap_unary(behavior: Callable[[Any, grpc.ServicerContext], Any], method: str, metadata: dict) -> Callable:
    def wrapper(request: Any, context: grpc.ServicerContext) -> Any:
        try:
            check_deadline(context)
            return behavior(request, context)
        except Exception as exc:
            _abort(exc, context, method, metadata)

    return wrapper


def _wrap_stream(behavior: Callable[[Any, grpc.ServicerContext], Iterator], method: str, metadata: dict) -> Callable:
    def wrapper(request: Any, context: grpc.ServicerContext) -> Iterator:
        try:
            check_deadline(context)
            yield from behavior(request, context)
        except Exception as exc:
            _abort(exc, context, method, metadata)

    return wrapper


def _abort(exc: Exception, context: grpc.ServicerContext, method: str, metadata: dict) -> None:
    if _already_aborted(context):
        # The handler called context.abort() itself; grpcio signals that with a bare Exception.
        raise exc
    if isinstance(exc, grpc.RpcError) and not context.is_active():
        # Reading the request stream of a call the caller cancelled (or whose deadline passed): no one to tell.
        log.info("%s stopped: the caller cancelled or its deadline passed", method)
        context.abort(grpc.StatusCode.CANCELLED, "the caller went away")
    request_id = current_request_id() or str(metadata.get(REQUEST_ID_KEY) or uuid.uuid4().hex[:16])
    status = status_for(exc, request_id)
    if status.code == code_pb2.INTERNAL:
        log.exception("%s failed, request id %s", method, request_id)
    elif isinstance(exc, InvalidInputError):
        fields = ", ".join(v.field for v in exc.violations)
        log.info("%s rejected, request id %s: INVALID_ARGUMENT on %s", method, request_id, fields)
    else:
        log.info("%s failed, request id %s: %s", method, request_id, code_pb2.Code.Name(status.code))
    context.abort_with_status(rpc_status.to_status(status))


def _already_aborted(context: grpc.ServicerContext) -> bool:
    code = getattr(context, "code", lambda: None)()
    return code is not None and code != grpc.StatusCode.OK
