"""The ray engine of ``journeymine enrich`` against the local engine: same rows in, same results out.

Real models, a real local Ray instance (``ray.init()`` on this machine): about half a minute, most of it
Ray starting and one actor loading the models.
"""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.batch import run_batch
from pipelines.enrichment.domain import EnrichOptions
from service.cli.batch_engine import BatchEnrichment, run_ray
from service.cli.batch_io import ParquetSink, fingerprint, read_rows
from service.config import Settings

ray = pytest.importorskip("ray", reason="ray is a dev dependency: `make install` installs it")

TURN = pa.struct([("role", pa.string()), ("text", pa.string()), ("start_ms", pa.int64()), ("end_ms", pa.int64())])
SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("text", pa.string()),
        ("channel", pa.string()),
        ("transcript", pa.struct([("turns", pa.list_(TURN))])),
    ]
)


def _input(path):
    rows = [
        {"id": f"t{i}", "text": f"my card payment failed again, attempt {i}", "channel": "CHANNEL_CHAT"}
        for i in range(9)
    ]
    rows.insert(3, {"id": "bad", "text": "the fax", "channel": "CHANNEL_FAX"})
    rows.append(
        {
            "id": "call",
            "transcript": {
                "turns": [
                    {
                        "role": "SPEAKER_ROLE_CUSTOMER",
                        "text": "Hi, my refund is three weeks late.",
                        "start_ms": 0,
                        "end_ms": 2500,
                    },
                    {
                        "role": "SPEAKER_ROLE_AGENT",
                        "text": "Sorry about that, let me check.",
                        "start_ms": 2600,
                        "end_ms": 4000,
                    },
                ]
            },
        }
    )
    pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMA), path)
    return path


@pytest.mark.timeout(600)
def test_the_ray_engine_gives_the_local_engines_results(tmp_path):
    src = _input(tmp_path / "in.parquet")
    settings = Settings(data_dir=tmp_path / "data")
    options = EnrichOptions()
    local_out, ray_out = tmp_path / "local.parquet", tmp_path / "ray.parquet"
    engine = BatchEnrichment(settings, options)
    run_batch(
        read_rows([src], settings.limits),
        sink=ParquetSink(local_out),
        fingerprint=fingerprint([src], options, engine.model_ids),
        enrich_many=engine.enrich_many,
        chunk_size=4,
        progress=False,
    )
    try:
        summary = run_ray([src], ray_out, settings=settings, options=options, batch_size=4)
    finally:
        ray.shutdown()
    assert (summary.rows, summary.enriched, summary.rejected) == (11, 10, 1)

    # Ray Data does not keep input order on every run (seen here: one file, its first block written last), so
    # rows are matched by id; the local engine's order is checked in tests/service/cli/test_batch_io.py.
    def by_id(rows):
        return sorted(rows, key=lambda r: r["interaction_id"] or "")

    local, remote = by_id(pq.read_table(local_out).to_pylist()), by_id(pq.read_table(ray_out).to_pylist())
    assert [r["interaction_id"] for r in remote] == [r["interaction_id"] for r in local]  # the same rows, each once
    for a, b in zip(local, remote, strict=True):
        assert {**a, "source": None} == {**b, "source": None}  # every column, the whole result JSON included
    call = json.loads(next(r["enriched"] for r in remote if r["interaction_id"] == "call"))
    assert call["turns"] and call["sentiment"]
    rejected = next(r for r in remote if r["interaction_id"] is None)
    assert rejected["enriched"] is None and "CHANNEL_FAX" in rejected["errors"]
    assert rejected["source"].endswith("in.parquet")
