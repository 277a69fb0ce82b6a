"""Limits: every configured limit is documented in the README's table, and the server enforces the transport ones."""

from __future__ import annotations

import re
import types
from pathlib import Path

import grpc
import pytest
from pydantic import ValidationError

from journeymine.v1 import enrichment_service_pb2 as svc_pb
from journeymine.v1 import enrichment_service_pb2_grpc as svc_grpc
from journeymine.v1 import interaction_pb2 as ix_pb
from pipelines.enrichment.microbatch import MicroBatchConfig
from service.config import LimitsConfig, ServerConfig, Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def _limits_table() -> str:
    text = README.read_text(encoding="utf-8")
    return text[text.index("### Limits and errors") : text.index("## Configuration")]


def test_every_limit_is_in_the_readme_table_with_its_default():
    table = _limits_table()
    keys = [f"limits.{name}" for name in LimitsConfig.model_fields]
    keys += ["server.max_message_bytes", "server.max_concurrent_rpcs", "batching.max_queue"]
    for key in keys:
        row = next((line for line in table.splitlines() if f"`{key}`" in line), None)
        assert row is not None, f"{key} is missing from the README's limits table"
        section, name = key.split(".")
        model = {"limits": LimitsConfig, "server": ServerConfig, "batching": MicroBatchConfig}[section]
        default = model.model_fields[name].default
        shown = re.sub(r"[,\s]", "", row.split("|")[2])
        assert shown in (f"{default:,}".replace(",", ""), "16MiB"), f"{key}: README says {shown}, code says {default}"


def test_streams_must_fit_inside_the_admitted_calls():
    with pytest.raises(ValidationError, match=r"must be below server\.max_concurrent_rpcs"):
        Settings(
            server=ServerConfig(max_workers=16, max_concurrent_rpcs=5),
            limits=LimitsConfig(max_concurrent_streams=4, max_alert_watchers=2),
        )


def test_a_message_over_max_message_bytes_is_refused_with_resource_exhausted(tmp_path):
    from service.server import build_server

    settings = Settings(
        server=ServerConfig(host="127.0.0.1", port=0, max_workers=4, max_message_bytes=64 * 1024),
        limits=LimitsConfig(max_concurrent_streams=1, max_alert_watchers=1),
        data_dir=tmp_path,
    )
    calls: list[object] = []
    never = lambda *a: calls.append(a) or []  # noqa: E731
    stages = {name: never for name in ("enrich", "plan", "send_parse", "encode_ahead", "finish")}
    fake = types.SimpleNamespace(**stages, nlp=None)  # never reached
    server, port = build_server(settings, fake)  # type: ignore[arg-type]
    server.start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            big = svc_pb.EnrichRequest(interactions=[ix_pb.Interaction(id="big", text="x" * (65 * 1024))])
            with pytest.raises(grpc.RpcError) as err:
                svc_grpc.EnrichmentServiceStub(channel).Enrich(big, timeout=10)
        assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert calls == []
    finally:
        server.stop(None).wait()
