"""Server bootstrap: load the models, register services, health and reflection, serve until a signal.

Services registered here (later issues add theirs the same way, each in its own
``service/servicers/<name>.py`` with a ``method_handlers(servicer)`` function):

    journeymine.v1.EnrichmentService   service/servicers/enrichment.py
    journeymine.v1.EvaluationService   service/servicers/evaluation.py
    journeymine.v1.ModelAdminService   service/servicers/admin.py
    journeymine.v1.TopicsService       service/servicers/topics.py
    journeymine.v1.JourneyService      service/servicers/journeys.py
    grpc.health.v1.Health              grpcio-health-checking
    grpc.reflection.v1alpha.ServerReflection
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from concurrent import futures
from types import FrameType

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from pipelines.enrich import Enricher
from pipelines.factory import build_pretrained_encoder
from pipelines.journey_store import JourneyStore, default_url
from pipelines.journeys import Journeys
from pipelines.locks import ModelLocks
from pipelines.pii import Redactor
from service.config import Settings, build_configured_enricher
from service.interceptors import ErrorInterceptor
from service.servicers import admin, enrichment, evaluation, topics
from service.servicers import journeys as journeys_servicer

log = logging.getLogger(__name__)

OVERALL = ""  # the health service's name for the server as a whole


class BindError(RuntimeError):
    """The server cannot listen on its configured address."""

    def __init__(self, address: str) -> None:
        super().__init__(
            f"cannot listen on {address}: the port is in use or the address is not available here; "
            "choose another with --port / --host (or JOURNEYMINE_SERVER__PORT / JOURNEYMINE_SERVER__HOST)"
        )


def build_journeys(settings: Settings, enricher: Enricher, lock: ModelLocks) -> Journeys:
    """The journey core on the configured store (``journeys.url``, or SQLite under ``data_dir``), migrated to head."""
    store = JourneyStore.open(settings.journeys.url or default_url(settings.data_dir))
    return Journeys(
        store=store,
        enrich=enricher.enrich,
        redactor=Redactor(nlp=enricher.nlp),
        config=settings.journeys,
        model_lock=lock,
    )


def build_server(
    settings: Settings,
    enricher: Enricher,
    *,
    health_servicer: health.HealthServicer | None = None,
    journeys: Journeys | None = None,
    lock: ModelLocks | None = None,
) -> tuple[grpc.Server, int]:
    """A configured, not yet started server bound to ``settings.server`` host:port (0 picks a free port).

    Health reports SERVING for every registered service: the enricher passed in
    already holds its loaded models. Without ``journeys``, the configured store is opened;
    ``lock`` serialises model work and must be the one ``journeys`` was built with.
    """
    cfg = settings.server
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=cfg.max_workers, thread_name_prefix="rpc"),
        interceptors=[ErrorInterceptor()],
        options=[
            ("grpc.max_send_message_length", cfg.max_message_bytes),
            ("grpc.max_receive_message_length", cfg.max_message_bytes),
            # gRPC sets SO_REUSEPORT by default: a second server on a taken port would start and
            # silently share it. Off, a taken port is a clear error at start.
            ("grpc.so_reuseport", 0),
        ],
    )
    # One lock per Enricher: every servicer that calls it shares this one.
    lock = lock or ModelLocks()
    journeys = journeys or build_journeys(settings, enricher, lock)
    services: dict[str, dict[str, grpc.RpcMethodHandler]] = {
        enrichment.SERVICE_NAME: enrichment.method_handlers(
            enrichment.EnrichmentServicer(
                enricher=enricher, limits=settings.limits, lock=lock, batching=settings.batching
            )
        ),
        evaluation.SERVICE_NAME: evaluation.method_handlers(
            evaluation.EvaluationServicer(
                enricher=enricher,
                limits=settings.limits,
                lock=lock,
                baseline_encoder=lambda: build_pretrained_encoder(settings.models.encoder),
            )
        ),
        admin.SERVICE_NAME: admin.method_handlers(admin.ModelAdminServicer(enricher=enricher)),
        topics.SERVICE_NAME: topics.method_handlers(
            topics.TopicsServicer(enricher=enricher, limits=settings.limits, lock=lock)
        ),
        journeys_servicer.SERVICE_NAME: journeys_servicer.method_handlers(
            journeys_servicer.JourneyServicer(journeys=journeys, limits=settings.limits)
        ),
    }
    for name, methods in services.items():
        server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(name, methods),))
        server.add_registered_method_handlers(name, methods)

    health_servicer = health_servicer or health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    for name in (OVERALL, *services):
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)

    reflection.enable_server_reflection((*services, health.SERVICE_NAME, reflection.SERVICE_NAME), server)
    address = f"{cfg.host}:{cfg.port}"
    try:
        port = server.add_insecure_port(address)
    except RuntimeError as exc:  # grpcio's way of saying the bind failed
        raise BindError(address) from exc
    if port == 0 and cfg.port != 0:
        raise BindError(address)
    return server, port


def serve(settings: Settings) -> None:
    """Load the models, serve until SIGTERM/SIGINT, then drain in-flight calls for ``grace_seconds``."""
    began = time.perf_counter()
    enricher = build_configured_enricher(settings)
    health_servicer = health.HealthServicer()
    lock = ModelLocks()
    journeys = build_journeys(settings, enricher, lock)
    server, port = build_server(settings, enricher, health_servicer=health_servicer, journeys=journeys, lock=lock)
    server.start()
    models = ", ".join(sorted(enricher.registry.specs))
    log.info(
        "journeymine serving on %s:%d (insecure, local mode: no TLS, no auth); journey store %s; "
        "models loaded: %s, %s, %s; started in %.1fs",
        settings.server.host,
        port,
        journeys.store.safe_url,
        enricher.encoder_model.id,
        enricher.nlp_model.id,
        models,
        time.perf_counter() - began,
    )
    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if stopping.is_set():
            return
        stopping.set()
        log.info(
            "%s received: health NOT_SERVING, draining for %.1fs",
            signal.Signals(signum).name,
            settings.server.grace_seconds,
        )
        health_servicer.enter_graceful_shutdown()
        server.stop(settings.server.grace_seconds)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    server.wait_for_termination()
    journeys.store.close()
    log.info("journeymine stopped")
