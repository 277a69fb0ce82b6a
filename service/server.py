"""Server bootstrap: load the models, register services, health and reflection, serve until a signal.

Services registered here (a new one is added the same way: its own folder
``service/rpc/<name>/`` with ``servicer.py`` (holding ``method_handlers(servicer)``),
``validation.py`` and ``convert.py``):

    journeymine.v1.EnrichmentService   service/rpc/enrichment/servicer.py
    journeymine.v1.EvaluationService   service/rpc/evaluation/servicer.py
    journeymine.v1.ModelAdminService   service/rpc/admin/servicer.py
    journeymine.v1.TopicsService       service/rpc/topics/servicer.py
    journeymine.v1.JourneyService      service/rpc/journeys/servicer.py
    grpc.health.v1.Health              grpcio-health-checking
    grpc.reflection.v1alpha.ServerReflection
"""

from __future__ import annotations

import contextlib
import gc
import logging
import signal
import threading
import time
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass
from types import FrameType

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from models.encoder import build_pretrained_encoder
from pipelines.enrichment.enricher import Enricher
from pipelines.enrichment.locks import ModelLocks
from pipelines.journeys.customer_text import CustomerTextReader
from pipelines.journeys.database import default_url
from pipelines.journeys.journeys import Journeys
from pipelines.journeys.pii import Redactor
from pipelines.journeys.store import JourneyStore
from service import metrics
from service.auth import AuthInterceptor, TokenFileError, TokenTable, load_tokens
from service.config import Settings, build_configured_enricher
from service.interceptors import ErrorInterceptor
from service.rpc.admin import servicer as admin
from service.rpc.enrichment import servicer as enrichment
from service.rpc.evaluation import servicer as evaluation
from service.rpc.journeys import servicer as journeys_servicer
from service.rpc.topics import servicer as topics
from service.telemetry import TelemetryInterceptor
from service.tls import TlsFileError, server_credentials
from service.tracing import Tracer, build_tracer

log = logging.getLogger(__name__)

OVERALL = ""  # the health service's name for the server as a whole


class BindError(RuntimeError):
    """The server cannot listen on its configured address."""

    def __init__(self, address: str) -> None:
        super().__init__(
            f"cannot listen on {address}: the port is in use or the address is not available here; "
            "choose another with --port / --host (or JOURNEYMINE_SERVER__PORT / JOURNEYMINE_SERVER__HOST)"
        )


@dataclass(frozen=True)
class Security:
    """What the server demands of callers: TLS credentials (None: plaintext) and tokens (None: no auth)."""

    credentials: grpc.ServerCredentials | None
    tokens: TokenTable | None
    token_count: int = 0
    mutual_tls: bool = False

    def describe(self) -> str:
        """How the server is secured, for the start line."""
        if self.credentials is None and self.tokens is None:
            return "INSECURE local mode: plaintext, no auth"
        transport = "INSECURE: plaintext"
        if self.credentials is not None:
            transport = "mutual TLS" if self.mutual_tls else "TLS"
        auth = f"bearer tokens ({self.token_count} configured)" if self.tokens is not None else "INSECURE: no auth"
        return f"{transport}, {auth}"

    def exposure(self) -> str:
        """What an attacker on the network gets from this configuration; empty when TLS and auth are both on."""
        if self.tokens is None:
            return "whoever can connect can read and write customer data"
        if self.credentials is None:
            return "tokens and customer data cross the network in plaintext"
        return ""


# Start-up problems the operator can fix; `journeymine serve` reports them without a traceback.
STARTUP_ERRORS = (TokenFileError, TlsFileError, metrics.MetricsBindError)


def build_security(settings: Settings) -> Security:
    """TLS credentials and the token table the settings describe; TokenFileError/TlsFileError name the file."""
    tokens = load_tokens(settings.auth)
    credentials = server_credentials(settings.tls) if settings.tls.enabled else None
    table = TokenTable(tokens) if tokens else None
    return Security(credentials, table, len(tokens), settings.tls.mutual)


def build_journeys(settings: Settings, enricher: Enricher, lock: ModelLocks) -> Journeys:
    """The journey core on the configured store (``journeys.url``, or SQLite under ``data_dir``), migrated to head."""
    store = JourneyStore.open(settings.journeys.url or default_url(settings.data_dir))
    return Journeys(
        store=store,
        enrich=metrics.instrumented(enricher.enrich, path="journeys"),
        redactor=Redactor(nlp=enricher.nlp),
        config=settings.journeys,
        model_lock=lock,
        # Sentence intents and embeddings of the customer's words, for the churn and repeat-contact alerts.
        read_customer_text=CustomerTextReader.of(enricher).read,
    )


def build_server(
    settings: Settings,
    enricher: Enricher,
    *,
    health_servicer: health.HealthServicer | None = None,
    journeys: Journeys | None = None,
    lock: ModelLocks | None = None,
    security: Security | None = None,
    tracer: Tracer | None = None,
) -> tuple[grpc.Server, int]:
    """A configured, not yet started server bound to ``settings.server`` host:port (0 picks a free port).

    Health reports SERVING for every registered service: the enricher passed in
    already holds its loaded models. Without ``journeys``, the configured store is opened;
    ``lock`` serialises model work and must be the one ``journeys`` was built with.
    Without ``security``, it is built from ``settings.tls`` and ``settings.auth``.

    Interceptors, outermost first: telemetry (request id, access log, metrics, span), errors
    (the one mapping to status codes), auth (raises the errors the one before maps).
    """
    cfg = settings.server
    security = security or build_security(settings)
    interceptors: list[grpc.ServerInterceptor] = [TelemetryInterceptor(tracer=tracer), ErrorInterceptor()]
    if security.tokens is not None:
        interceptors.append(AuthInterceptor(table=security.tokens))
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=cfg.max_workers, thread_name_prefix="rpc"),
        interceptors=interceptors,
        maximum_concurrent_rpcs=cfg.max_concurrent_rpcs,
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
        if security.credentials is not None:
            port = server.add_secure_port(address, security.credentials)
        else:
            port = server.add_insecure_port(address)
    except RuntimeError as exc:  # grpcio's way of saying the bind failed
        raise BindError(address) from exc
    if port == 0 and cfg.port != 0:
        raise BindError(address)
    return server, port


def drain(server: grpc.Server, health_servicer: health.HealthServicer, grace_seconds: float) -> threading.Event:
    """Graceful shutdown: health NOT_SERVING at once, in-flight calls get ``grace_seconds``, new ones are refused.

    Returns the event set once every call has finished (or was cancelled at the end of the grace).
    """
    health_servicer.enter_graceful_shutdown()
    return server.stop(grace_seconds)


@contextlib.contextmanager
def frozen_after_loading() -> Iterator[None]:
    """Pause Python's cycle collector while the models load; then collect once and freeze what is left
    (``gc.freeze``), so that no later collection walks it again.

    Loading makes hundreds of thousands of objects that live as long as the server, and the collector's full
    passes over them while they loaded cost about half a second of the start (six starts taking turns: 5.1-5.9
    s to SERVING before, 4.4-5.3 s after; docs/speed.md). Without the freeze, every later full pass would walk
    them again (0.1-0.4 s, a stall on whatever call is running then). Only objects made before serving are
    frozen; user models load later and are collected as usual. Paused by a zero threshold, not
    ``gc.disable()``: srsly, which spaCy loads its pipeline with, calls ``gc.enable()``.
    """
    thresholds = gc.get_threshold()
    gc.set_threshold(0)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.collect()
        gc.freeze()


def serve(settings: Settings) -> None:
    """Load the models, serve until SIGTERM/SIGINT, then drain in-flight calls for ``grace_seconds``."""
    began = time.perf_counter()
    security = build_security(settings)  # a bad TLS or tokens file fails before minutes of model loading
    exposure = security.exposure()
    if exposure:
        log.warning(
            "%s: %s; set tls.cert_file, tls.key_file and auth.tokens_file before anyone but you can reach "
            "this server (host %s; docs/security.md)",
            security.describe(),
            exposure,
            settings.server.host,
        )
    with frozen_after_loading():
        enricher = build_configured_enricher(settings)
        health_servicer = health.HealthServicer()
        lock = ModelLocks()
        journeys = build_journeys(settings, enricher, lock)
        server, port = build_server(
            settings,
            enricher,
            health_servicer=health_servicer,
            journeys=journeys,
            lock=lock,
            security=security,
            tracer=build_tracer(settings.tracing),
        )
    exporter = metrics.start_metrics_server(settings.metrics)
    server.start()
    models = ", ".join(sorted(enricher.registry.specs))
    log.info(
        "journeymine serving on %s:%d (%s); metrics %s; journey store %s; models loaded: %s, %s, %s; started in %.1fs",
        settings.server.host,
        port,
        security.describe(),
        f"on http://{settings.metrics.host}:{exporter[1]}/metrics" if exporter else "off",
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
            "%s received: health NOT_SERVING, draining in-flight calls for up to %.1fs",
            signal.Signals(signum).name,
            settings.server.grace_seconds,
        )
        drain(server, health_servicer, settings.server.grace_seconds)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    server.wait_for_termination()
    journeys.store.close()
    if exporter is not None:
        metrics.stop_metrics_server(exporter[0])
    log.info("journeymine stopped")
