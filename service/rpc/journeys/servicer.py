"""JourneyService: each RPC is validate -> convert from proto -> call ``pipelines.journeys`` -> convert to proto."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import grpc

from journeymine.v1 import journey_service_pb2 as jr_pb
from journeymine.v1 import journey_service_pb2_grpc as jr_grpc
from models.errors import NotFoundError, OverloadedError
from pipelines.journeys.journeys import Journeys
from service.config import LimitsConfig
from service.deadlines import check_deadline
from service.rpc import handlers
from service.rpc.handlers import UndecodableRequest
from service.rpc.journeys.convert import (
    ALERT_RULE_FROM_PROTO,
    alert_to_proto,
    friction_to_proto,
    maybe_when,
    record_options_from_proto,
    record_response_to_proto,
    score_to_proto,
    stored_to_proto,
    touchpoint_from_proto,
)
from service.rpc.journeys.validation import (
    validate_friction,
    validate_get_journey,
    validate_get_score,
    validate_list_alerts,
    validate_record,
    validate_watch_alerts,
)

SERVICE_NAME = jr_pb.DESCRIPTOR.services_by_name["JourneyService"].full_name
DEFAULT_ALERTS_PAGE = 100


class JourneyServicer(jr_grpc.JourneyServiceServicer):
    """Journeys over gRPC: the store, scoring and alerts live in ``pipelines.journeys.journeys``."""

    def __init__(self, *, journeys: Journeys, limits: LimitsConfig | None = None) -> None:
        self.journeys = journeys
        self.limits = limits or LimitsConfig()
        self._watchers = threading.BoundedSemaphore(self.limits.max_alert_watchers)

    def RecordTouchpoints(
        self, request: jr_pb.RecordTouchpointsRequest | UndecodableRequest, context: grpc.ServicerContext
    ) -> jr_pb.RecordTouchpointsResponse:
        request = validate_record(request, self.limits)
        touchpoints = [touchpoint_from_proto(m) for m in request.touchpoints]
        check_deadline(context, "validation")  # a large batch can take its caller's whole deadline to check
        batch = self.journeys.record(touchpoints, record_options_from_proto(request))
        return record_response_to_proto(batch.results, batch.alerts)

    def GetJourney(
        self, request: jr_pb.GetJourneyRequest | UndecodableRequest, context: grpc.ServicerContext
    ) -> jr_pb.GetJourneyResponse:
        request = validate_get_journey(request, self.limits)
        found = self.journeys.journey(
            request.customer_id,
            journey_id=request.journey_id,
            start=maybe_when(request, "start"),
            end=maybe_when(request, "end"),
        )
        return jr_pb.GetJourneyResponse(
            customer_id=request.customer_id, touchpoints=[stored_to_proto(t) for t in found]
        )

    def GetCustomerScore(
        self, request: jr_pb.GetCustomerScoreRequest | UndecodableRequest, context: grpc.ServicerContext
    ) -> jr_pb.GetCustomerScoreResponse:
        request = validate_get_score(request, self.limits)
        score = self.journeys.score(
            request.customer_id, journey_id=request.journey_id, as_of=maybe_when(request, "as_of")
        )
        if score is None:
            what = f"customer {request.customer_id!r}" + (
                f" journey {request.journey_id!r}" if request.journey_id else ""
            )
            raise NotFoundError(
                "customer",
                request.customer_id,
                [],
                field="customer_id",
                hint=f"the store holds no touchpoint of {what} up to as_of; record some with RecordTouchpoints",
            )
        return score_to_proto(score)

    def ListAlerts(
        self, request: jr_pb.ListAlertsRequest | UndecodableRequest, context: grpc.ServicerContext
    ) -> jr_pb.ListAlertsResponse:
        request = validate_list_alerts(request, self.limits)
        found = self.journeys.list_alerts(
            customer_id=request.customer_id,
            rules=[ALERT_RULE_FROM_PROTO[r] for r in request.rules],
            after_id=request.after_id,
            start=maybe_when(request, "start"),
            end=maybe_when(request, "end"),
            limit=request.limit or DEFAULT_ALERTS_PAGE,
        )
        return jr_pb.ListAlertsResponse(alerts=[alert_to_proto(a) for a in found])

    def WatchAlerts(
        self, request: jr_pb.WatchAlertsRequest | UndecodableRequest, context: grpc.ServicerContext
    ) -> Iterator[jr_pb.Alert]:
        request = validate_watch_alerts(request, self.limits)
        if not self._watchers.acquire(blocking=False):
            raise OverloadedError(
                f"{self.limits.max_alert_watchers} alert watchers are already open (limits.max_alert_watchers); "
                "retry with backoff, or page with ListAlerts"
            )
        try:
            for alert in self.journeys.watch_alerts(
                customer_id=request.customer_id,
                rules=[ALERT_RULE_FROM_PROTO[r] for r in request.rules],
                after_id=request.after_id if request.HasField("after_id") else None,
                is_active=context.is_active,
            ):
                yield alert_to_proto(alert)
        finally:
            self._watchers.release()

    def AnalyzeFriction(
        self, request: jr_pb.AnalyzeFrictionRequest | UndecodableRequest, context: grpc.ServicerContext
    ) -> jr_pb.AnalyzeFrictionResponse:
        request = validate_friction(request, self.limits)
        report = self.journeys.friction(
            start=maybe_when(request, "start"), end=maybe_when(request, "end"), top=request.top or None
        )
        return friction_to_proto(report)


def method_handlers(servicer: JourneyServicer) -> dict[str, grpc.RpcMethodHandler]:
    """The service's methods with tolerant deserialisers (bad bytes -> INVALID_ARGUMENT, not INTERNAL)."""
    return {
        "RecordTouchpoints": handlers.unary_unary(servicer.RecordTouchpoints, jr_pb.RecordTouchpointsRequest),
        "GetJourney": handlers.unary_unary(servicer.GetJourney, jr_pb.GetJourneyRequest),
        "GetCustomerScore": handlers.unary_unary(servicer.GetCustomerScore, jr_pb.GetCustomerScoreRequest),
        "ListAlerts": handlers.unary_unary(servicer.ListAlerts, jr_pb.ListAlertsRequest),
        "WatchAlerts": handlers.unary_stream(servicer.WatchAlerts, jr_pb.WatchAlertsRequest),
        "AnalyzeFriction": handlers.unary_unary(servicer.AnalyzeFriction, jr_pb.AnalyzeFrictionRequest),
    }
