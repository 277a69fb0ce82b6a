"""EnrichmentService: each RPC is validate -> convert from proto -> call the core -> convert to proto.

Errors are raised as ``models.errors`` types and mapped to statuses by
``service.interceptors.ErrorInterceptor``; nothing here sets a status code.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import grpc

from journeymine.v1 import enrichment_service_pb2 as svc_pb
from journeymine.v1 import enrichment_service_pb2_grpc as svc_grpc
from models.errors import OverloadedError
from pipelines.enrichment.enricher import Enricher
from pipelines.enrichment.locks import ModelLocks
from pipelines.enrichment.microbatch import MicroBatchConfig, MicroBatcher
from pipelines.enrichment.stream import ConversationSession
from pipelines.factory import catalog
from service import metrics
from service.config import LimitsConfig
from service.deadlines import check_deadline, deadline_of
from service.rpc import convert as shared
from service.rpc import handlers
from service.rpc.enrichment import convert
from service.rpc.enrichment.validation import (
    validate_enrich_request,
    validate_get_models_request,
    validate_stream_message,
)
from service.rpc.handlers import UndecodableRequest

SERVICE_NAME = svc_pb.DESCRIPTOR.services_by_name["EnrichmentService"].full_name


class EnrichmentServicer(svc_grpc.EnrichmentServiceServicer):
    """Sentiment, intent, topics and entities over one shared Enricher."""

    def __init__(
        self,
        *,
        enricher: Enricher,
        limits: LimitsConfig | None = None,
        lock: ModelLocks | None = None,
        batching: MicroBatchConfig | None = None,
    ) -> None:
        self.enricher = enricher
        self.limits = limits or LimitsConfig()
        # The Enricher (its stage caches, spaCy, torch) is not thread-safe: a core call holds both model locks.
        # Every servicer sharing this Enricher must share these locks (the server passes them in).
        self._lock = lock or ModelLocks()
        # Concurrent Enrich calls are merged into shared batches (pipelines/enrichment/microbatch.py); a batch is
        # sent to the parser (under the nlp lock) while its own encoder pass and the previous batch's run (the
        # encoder lock), and before the previous batch's parse has come back.
        plan, finish = metrics.instrumented_stages(enricher.plan, enricher.finish, path="enrich")
        self.batcher = MicroBatcher(
            plan=plan,
            send=enricher.send_parse,
            ahead=enricher.encode_ahead,
            finish=finish,
            config=batching,
            prepare_lock=self._lock.nlp,
            finish_lock=self._lock.encoder,
        )
        metrics.observe_queue(lambda: self.batcher.waiting)
        # Each open stream holds a worker thread: past the limit a new one is refused, not queued.
        self._streams = threading.BoundedSemaphore(self.limits.max_concurrent_streams)

    def Enrich(
        self, request: svc_pb.EnrichRequest | UndecodableRequest, context: grpc.ServicerContext
    ) -> svc_pb.EnrichResponse:
        request = validate_enrich_request(request, self.limits)
        interactions = [shared.interaction_from_proto(m) for m in request.interactions]
        options = shared.options_from_proto(request.options)
        results = self.batcher.submit(interactions, options, deadline=deadline_of(context))
        return convert.enrich_response_to_proto(results)

    def EnrichStream(
        self,
        request_iterator: Iterator[svc_pb.EnrichStreamRequest | UndecodableRequest],
        context: grpc.ServicerContext,
    ) -> Iterator[svc_pb.EnrichStreamResponse]:
        if not self._streams.acquire(blocking=False):
            raise OverloadedError(
                f"{self.limits.max_concurrent_streams} live streams are already open "
                "(limits.max_concurrent_streams); retry with backoff"
            )
        metrics.LIVE_STREAMS.inc()
        try:
            yield from self._stream(request_iterator, context)
        finally:
            metrics.LIVE_STREAMS.dec()
            self._streams.release()

    def _stream(
        self,
        request_iterator: Iterator[svc_pb.EnrichStreamRequest | UndecodableRequest],
        context: grpc.ServicerContext,
    ) -> Iterator[svc_pb.EnrichStreamResponse]:
        session: ConversationSession | None = None
        for index, message in enumerate(request_iterator):
            check_deadline(context, f"turn message {index}")
            message = validate_stream_message(
                message,
                index=index,
                started=session is not None,
                turn_count=session.turn_count if session is not None else 0,
                limits=self.limits,
            )
            if message.WhichOneof("event") == "start":
                start = convert.stream_start_from_proto(message.start)
                with self._lock:  # resolving the taxonomy fills the Enricher's stage cache
                    session = ConversationSession(enricher=self.enricher, start=start)
                continue
            assert session is not None  # validate_stream_message rejects turns before the start
            turn = shared.turn_from_proto(message.turn)
            with self._lock:
                update = session.add_turn(turn)
            yield convert.turn_update_to_proto(update)

    def GetModels(
        self, request: svc_pb.GetModelsRequest | UndecodableRequest, context: grpc.ServicerContext
    ) -> svc_pb.GetModelsResponse:
        validate_get_models_request(request)
        with self._lock:
            models = catalog(self.enricher)
        return convert.catalog_to_proto(models)


def method_handlers(servicer: EnrichmentServicer) -> dict[str, grpc.RpcMethodHandler]:
    """The service's methods with tolerant deserialisers (bad UTF-8 -> INVALID_ARGUMENT, not INTERNAL)."""
    return {
        "Enrich": handlers.unary_unary(servicer.Enrich, svc_pb.EnrichRequest),
        "EnrichStream": handlers.stream_stream(servicer.EnrichStream, svc_pb.EnrichStreamRequest),
        "GetModels": handlers.unary_unary(servicer.GetModels, svc_pb.GetModelsRequest),
    }
