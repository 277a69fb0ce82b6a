"""ModelAdminService: each RPC is validate -> call the core -> convert to proto.

``ReloadModels`` re-scans the user model folder (``<data_dir>/models``) through
``pipelines.factory.reload_models``. It needs no lock shared with the
EnrichmentService: the registry serialises its own scans and loads, and swaps its
table instead of mutating it, so an ``Enrich`` in flight keeps a consistent view.
"""

from __future__ import annotations

import grpc

from journeymine.v1 import admin_service_pb2 as admin_pb
from journeymine.v1 import admin_service_pb2_grpc as admin_grpc
from pipelines.enrichment.enricher import Enricher
from pipelines.factory import ReloadReport, reload_models
from service.rpc import handlers
from service.rpc.fields import check_decoded
from service.rpc.handlers import UndecodableRequest

SERVICE_NAME = admin_pb.DESCRIPTOR.services_by_name["ModelAdminService"].full_name


class ModelAdminServicer(admin_grpc.ModelAdminServiceServicer):
    """Operator actions on the models of one shared Enricher."""

    def __init__(self, *, enricher: Enricher) -> None:
        self.enricher = enricher

    def ReloadModels(
        self, request: admin_pb.ReloadModelsRequest | UndecodableRequest, context: grpc.ServicerContext
    ) -> admin_pb.ReloadModelsResponse:
        check_decoded(request)  # the request has no fields: only its bytes can be wrong
        return reload_report_to_proto(reload_models(self.enricher))


def reload_report_to_proto(report: ReloadReport) -> admin_pb.ReloadModelsResponse:
    """The core's ReloadReport as the wire message."""
    return admin_pb.ReloadModelsResponse(
        models=[
            admin_pb.DiscoveredModel(kind=m.kind, name=m.name, version=m.version, id=m.id, path=m.path, error=m.error)
            for m in report.models
        ],
        added=list(report.added),
        removed=list(report.removed),
    )


def method_handlers(servicer: ModelAdminServicer) -> dict[str, grpc.RpcMethodHandler]:
    """The service's methods with tolerant deserialisers (bad bytes -> INVALID_ARGUMENT, not INTERNAL)."""
    return {"ReloadModels": handlers.unary_unary(servicer.ReloadModels, admin_pb.ReloadModelsRequest)}
