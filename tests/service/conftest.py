"""Session fixtures: one real Enricher (encoder, spaCy, shipped artifacts) behind one real server on port 0.

Loading the models takes seconds, so every slow test shares them. The server's
limits are tighter than the defaults so limit tests stay small and fast; they
also prove that ``LimitsConfig`` reaches the servicer.
"""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest

from journeymine.v1 import enrichment_service_pb2_grpc as svc_grpc
from pipelines.enrichment.enricher import Enricher
from service.config import LimitsConfig, ServerConfig, Settings

TEST_LIMITS = LimitsConfig(
    max_interactions_per_request=16,
    max_chars_per_text=5_000,
    max_turns_per_transcript=40,
    max_survey_responses=10,
    max_attributes=4,
    max_top_k=10,
    max_stream_turns=30,
    max_id_chars=64,
    max_concurrent_streams=2,
    max_alert_watchers=1,
)


@pytest.fixture(scope="session")
def enricher() -> Enricher:
    from pipelines.factory import build_enricher

    return build_enricher()


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    # data_dir in a temp dir: the server's SQLite journey store must not land in the checkout.
    return Settings(
        server=ServerConfig(host="127.0.0.1", port=0, max_workers=4, grace_seconds=0),
        limits=TEST_LIMITS,
        data_dir=tmp_path_factory.mktemp("data"),
    )


@pytest.fixture(scope="session")
def server_port(settings: Settings, enricher: Enricher) -> Iterator[int]:
    from service.server import build_server

    server, port = build_server(settings, enricher)
    server.start()
    yield port
    server.stop(None).wait()


@pytest.fixture(scope="session")
def channel(server_port: int) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(f"127.0.0.1:{server_port}") as ch:
        grpc.channel_ready_future(ch).result(timeout=30)
        yield ch


@pytest.fixture(scope="session")
def stub(channel: grpc.Channel) -> svc_grpc.EnrichmentServiceStub:
    return svc_grpc.EnrichmentServiceStub(channel)
