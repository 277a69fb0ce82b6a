"""Builders for requests and readers for error details, shared by the service tests."""

from __future__ import annotations

from collections.abc import Callable

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from journeymine.v1 import enrichment_service_pb2 as svc_pb
from journeymine.v1 import interaction_pb2 as ix_pb

CUSTOMER = ix_pb.SPEAKER_ROLE_CUSTOMER
AGENT = ix_pb.SPEAKER_ROLE_AGENT


def text_interaction(text: str = "The new card arrived quickly, thank you.", id: str = "t-1") -> ix_pb.Interaction:
    return ix_pb.Interaction(id=id, channel=ix_pb.CHANNEL_WEB, text=text)


def request_of(*interactions: ix_pb.Interaction, **options: object) -> svc_pb.EnrichRequest:
    return svc_pb.EnrichRequest(interactions=list(interactions), options=svc_pb.EnrichOptions(**options))


def bad_request_details(err: grpc.RpcError) -> dict[str, str]:
    """field -> description from the BadRequest detail of a failed call."""
    status = rpc_status.from_call(err)
    assert status is not None, "no google.rpc.Status in the trailers"
    found: dict[str, str] = {}
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            for v in bad.field_violations:
                found.setdefault(v.field, v.description)
    return found


def expect_error(call: Callable[[], object], code: grpc.StatusCode) -> tuple[grpc.RpcError, dict[str, str]]:
    """Run ``call``, assert it fails with ``code``; return the error and its field violations."""
    with pytest.raises(grpc.RpcError) as info:
        call()
    err = info.value
    assert err.code() == code, f"{err.code()}: {err.details()}"
    return err, bad_request_details(err)
