"""Method handlers that turn undecodable requests into a marker instead of grpcio's INTERNAL.

protobuf's parser rejects a request with invalid UTF-8 in a string field (a lone
surrogate, say) during deserialisation, and grpcio answers such a failure with
INTERNAL before any servicer code runs. The deserialisers here return an
``UndecodableRequest`` instead, which ``service.rpc.enrichment.validation`` reports as
INVALID_ARGUMENT with a field violation, like any other bad input.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf.message import DecodeError, Message


@dataclass(frozen=True)
class UndecodableRequest:
    """Stands in for a request message whose bytes protobuf could not parse."""

    message_type: str
    error: str


def tolerant_deserializer(message_cls: type[Message]) -> Callable[[bytes], Message | UndecodableRequest]:
    """A request deserialiser that returns ``UndecodableRequest`` instead of raising ``DecodeError``."""
    name = message_cls.DESCRIPTOR.name

    def deserialize(data: bytes) -> Message | UndecodableRequest:
        try:
            return message_cls.FromString(data)
        except DecodeError as exc:
            return UndecodableRequest(name, str(exc))

    return deserialize


def unary_unary(
    behavior: Callable[[Any, grpc.ServicerContext], Message], request_cls: type[Message]
) -> grpc.RpcMethodHandler:
    """A unary-unary handler for ``behavior`` with a tolerant request deserialiser."""
    return grpc.unary_unary_rpc_method_handler(
        behavior,
        request_deserializer=tolerant_deserializer(request_cls),
        response_serializer=_serialize,
    )


def stream_stream(
    behavior: Callable[[Any, grpc.ServicerContext], Any], request_cls: type[Message]
) -> grpc.RpcMethodHandler:
    """A bidi-streaming handler for ``behavior``; each message is deserialised tolerantly."""
    return grpc.stream_stream_rpc_method_handler(
        behavior,
        request_deserializer=tolerant_deserializer(request_cls),
        response_serializer=_serialize,
    )


def unary_stream(
    behavior: Callable[[Any, grpc.ServicerContext], Any], request_cls: type[Message]
) -> grpc.RpcMethodHandler:
    """A server-streaming handler for ``behavior`` with a tolerant request deserialiser."""
    return grpc.unary_stream_rpc_method_handler(
        behavior,
        request_deserializer=tolerant_deserializer(request_cls),
        response_serializer=_serialize,
    )


def stream_unary(
    behavior: Callable[[Any, grpc.ServicerContext], Message], request_cls: type[Message]
) -> grpc.RpcMethodHandler:
    """A client-streaming handler for ``behavior``; each message is deserialised tolerantly."""
    return grpc.stream_unary_rpc_method_handler(
        behavior,
        request_deserializer=tolerant_deserializer(request_cls),
        response_serializer=_serialize,
    )


def _serialize(message: Message) -> bytes:
    return message.SerializeToString()
