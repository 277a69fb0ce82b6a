"""Limits: every configured limit is in the table of docs/limits.md, and the server enforces the transport ones."""

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

LIMITS_DOC = Path(__file__).resolve().parents[2] / "docs" / "limits.md"


def _limits_table() -> str:
    """The "Limits and errors" section: from its heading to the next heading of the same or a higher level."""
    lines = LIMITS_DOC.read_text(encoding="utf-8").splitlines()
    start: int | None = None
    level = 0
    in_fence = False
    for i, line in enumerate(lines):
        if line.startswith("```"):
            in_fence = not in_fence
        heading = None if in_fence else re.match(r"(#+) +(.*?) *$", line)
        if heading is None:
            continue
        if start is None:
            if heading.group(2) == "Limits and errors":
                start, level = i, len(heading.group(1))
        elif len(heading.group(1)) <= level:
            return "\n".join(lines[start:i])
    assert start is not None, f"no 'Limits and errors' heading in {LIMITS_DOC}"
    return "\n".join(lines[start:])


def test_every_limit_is_in_the_docs_table_with_its_default():
    table = _limits_table()
    keys = [f"limits.{name}" for name in LimitsConfig.model_fields]
    keys += ["server.max_message_bytes", "server.max_concurrent_rpcs", "batching.max_queue"]
    for key in keys:
        row = next((line for line in table.splitlines() if f"`{key}`" in line), None)
        assert row is not None, f"{key} is missing from the limits table in {LIMITS_DOC.name}"
        section, name = key.split(".")
        model = {"limits": LimitsConfig, "server": ServerConfig, "batching": MicroBatchConfig}[section]
        default = model.model_fields[name].default
        shown = re.sub(r"[,\s]", "", row.split("|")[2])
        if key == "server.max_message_bytes" and shown == "16MiB":
            assert default == 16 * 1024 * 1024, f"{key}: {LIMITS_DOC.name} says 16 MiB, code says {default}"
        else:
            assert shown == str(default), f"{key}: {LIMITS_DOC.name} says {shown}, code says {default}"


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
    # never reached (encoder and intent_stage: what the journeys' sentence reader is built from)
    fake = types.SimpleNamespace(**stages, nlp=None, encoder=None, intent_stage=never)
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
