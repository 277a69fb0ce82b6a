"""Prometheus metrics, served over HTTP on ``metrics.host:metrics.port`` (off unless a port is set).

    journeymine_rpc_requests_total{method, code}       RPCs handled (admitted calls; calls refused by
                                                        server.max_concurrent_rpcs never reach a handler)
    journeymine_rpc_duration_seconds{method}           handler latency histogram
    journeymine_rpc_in_flight                          calls being handled now
    journeymine_enrich_batch_interactions{path}        interactions per enrich call (after micro-batching)
    journeymine_model_duration_seconds{path}           time in one enrich call (encoder, heads, spaCy)
    journeymine_intent_documents_total{outcome}        document intents: in_scope / abstained;
                                                        abstain rate = rate(..{outcome="abstained"}) / rate(..)
    journeymine_microbatch_queue_interactions          interactions waiting for the micro-batcher
    journeymine_live_streams                           open EnrichStream calls

``path`` is ``enrich`` (Enrich, through the micro-batcher) or ``journeys`` (RecordTouchpoints).
The metrics live in prometheus_client's default registry: one set per process.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from prometheus_client import Counter, Gauge, Histogram, start_http_server
from pydantic import BaseModel, ConfigDict, Field

from pipelines.enrichment.domain import EnrichedInteraction, EnrichOptions, Interaction

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)


class MetricsConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = "127.0.0.1"
    # None: no metrics endpoint. 9464 is the usual Prometheus exporter port.
    port: int | None = Field(None, ge=0, le=65535)


REQUESTS = Counter("journeymine_rpc_requests", "RPCs handled, by method and status code", ["method", "code"])
LATENCY = Histogram("journeymine_rpc_duration_seconds", "RPC handler latency", ["method"], buckets=LATENCY_BUCKETS)
IN_FLIGHT = Gauge("journeymine_rpc_in_flight", "RPCs being handled now")
BATCH_SIZE = Histogram(
    "journeymine_enrich_batch_interactions", "Interactions per enrich call", ["path"], buckets=BATCH_BUCKETS
)
MODEL_LATENCY = Histogram(
    "journeymine_model_duration_seconds", "Time in one enrich call", ["path"], buckets=LATENCY_BUCKETS
)
INTENTS = Counter("journeymine_intent_documents", "Document intents by outcome", ["outcome"])
QUEUE_DEPTH = Gauge("journeymine_microbatch_queue_interactions", "Interactions waiting for the micro-batcher")
LIVE_STREAMS = Gauge("journeymine_live_streams", "Open EnrichStream calls")

Enrich = Callable[[list[Interaction], EnrichOptions], list[EnrichedInteraction]]


def instrumented(enrich: Enrich, *, path: str) -> Enrich:
    """``enrich`` recording batch size, model latency and intent abstentions under ``path``."""
    sizes, latency = BATCH_SIZE.labels(path), MODEL_LATENCY.labels(path)

    def run(interactions: list[Interaction], options: EnrichOptions) -> list[EnrichedInteraction]:
        sizes.observe(len(interactions))
        began = time.perf_counter()
        results = enrich(interactions, options)
        latency.observe(time.perf_counter() - began)
        record_intents(results)
        return results

    return run


class _HasBegan(Protocol):
    began: float  # time.perf_counter() when the batch was made


Timed = TypeVar("Timed", bound=_HasBegan)


def instrumented_stages(
    first: Callable[[list[Interaction], EnrichOptions], Timed],
    finish: Callable[[Timed], list[EnrichedInteraction]],
    *,
    path: str,
) -> tuple[Callable[[list[Interaction], EnrichOptions], Timed], Callable[[Timed], list[EnrichedInteraction]]]:
    """The micro-batcher's first stage and ``finish`` recording the same as ``instrumented``.

    Model latency runs from the batch's ``began`` (set when the first stage made it) to the end of
    ``finish``: the parse, the encoder pass ahead of it and the hand-overs between included.
    """
    sizes, latency = BATCH_SIZE.labels(path), MODEL_LATENCY.labels(path)

    def timed_first(interactions: list[Interaction], options: EnrichOptions) -> Timed:
        sizes.observe(len(interactions))
        return first(interactions, options)

    def timed_finish(item: Timed) -> list[EnrichedInteraction]:
        results = finish(item)
        latency.observe(time.perf_counter() - item.began)
        record_intents(results)
        return results

    return timed_first, timed_finish


def record_intents(results: Sequence[EnrichedInteraction]) -> None:
    """Count each result's document intent as in scope or abstained (out of scope)."""
    abstained = sum(1 for r in results if r.intent is not None and r.intent.out_of_scope)
    scored = sum(1 for r in results if r.intent is not None)
    if abstained:
        INTENTS.labels("abstained").inc(abstained)
    if scored - abstained:
        INTENTS.labels("in_scope").inc(scored - abstained)


def observe_queue(depth: Callable[[], int]) -> None:
    """Report ``depth()`` as the micro-batch queue depth at every scrape."""
    QUEUE_DEPTH.set_function(depth)


class MetricsBindError(RuntimeError):
    """The metrics endpoint cannot listen on its configured address."""


def start_metrics_server(config: MetricsConfig) -> tuple[Any, int] | None:
    """Serve /metrics on ``config.host:config.port``; None when no port is configured.

    Returns the HTTP server and its port (0 in the config picks a free one).
    """
    if config.port is None:
        return None
    try:
        server, _thread = start_http_server(config.port, addr=config.host)
    except OSError as exc:
        raise MetricsBindError(
            f"metrics cannot listen on {config.host}:{config.port} ({exc.strerror}); choose another metrics.port "
            "(JOURNEYMINE_METRICS__PORT) or leave it unset to turn the endpoint off"
        ) from exc
    return server, int(server.server_port)


def stop_metrics_server(server: Any) -> None:
    """Stop serving /metrics and close the listening socket."""
    server.shutdown()
    server.server_close()
