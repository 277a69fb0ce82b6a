"""Faults, each with its test: a missing or corrupt model artifact, a batch job killed with SIGKILL, the
database going away in the middle of a RecordTouchpoints batch."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
import sqlalchemy as sa
from google.protobuf.timestamp_pb2 import Timestamp

from eval.server_process import REPO
from journeymine.v1 import interaction_pb2 as ix_pb
from journeymine.v1 import journey_service_pb2 as jr_pb
from journeymine.v1 import journey_service_pb2_grpc as jr_grpc
from models.errors import ModelNotLoadedError
from models.registry import ARTIFACTS_DIR, SPECS, ModelRegistry
from pipelines.enrichment.locks import ModelLocks
from service.config import JourneyConfig, ServerConfig, Settings
from tests.pg_server import postgres_url  # noqa: F401  (session fixture, found by name)
from tests.pipelines.journeys.test_journey_store import _fresh_pg_database
from tests.service.conftest import TEST_LIMITS

# --- a missing or corrupt model artifact: the server refuses to start, naming the file ------------------

ARTIFACT_FILES = sorted(
    p.relative_to(ARTIFACTS_DIR)
    for p in ARTIFACTS_DIR.rglob("*")
    if p.suffix in (".json", ".safetensors") and "encoder" not in p.parts
)


def _damage(path: Path, how: str) -> None:
    if how == "missing":
        path.unlink()
    elif how == "truncated":
        path.write_bytes(path.read_bytes()[: max(1, path.stat().st_size // 3)])
    else:
        path.write_bytes(b"\x00garbage\xff" * 10)


def test_every_shipped_artifact_file_is_checked():
    kinds = {p.parts[0] for p in ARTIFACT_FILES}
    assert kinds == {"sentiment", "intent", "topics", "aspect", "satisfaction"}
    # Every registered built-in model's folder, and no other, holds the files damaged below: two each (weights and
    # metadata), four for the aspect model (its LoRA adapter too)
    assert sorted({str(p.parent) for p in ARTIFACT_FILES}) == sorted(spec.path for spec in SPECS)
    assert len(ARTIFACT_FILES) == 2 * len(SPECS) + 2


@pytest.mark.parametrize("how", ["missing", "truncated", "garbage"])
@pytest.mark.parametrize("relative", ARTIFACT_FILES, ids=str)
def test_a_damaged_artifact_fails_the_start_naming_the_file(tmp_path, relative, how):
    artifacts = tmp_path / "artifacts"
    shutil.copytree(ARTIFACTS_DIR, artifacts)
    _damage(artifacts / relative, how)
    with pytest.raises(ModelNotLoadedError) as err:
        ModelRegistry(artifacts_dir=artifacts).load_all()  # what the server does before it listens
    assert str(artifacts / relative) in str(err.value)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["adapter_config.json", "adapter_model.safetensors"])
@pytest.mark.parametrize("how", ["missing", "truncated"])
def test_a_damaged_encoder_adapter_fails_naming_the_file(tmp_path, name, how):
    from models.encoder import ADAPTER_DIR, SentenceTransformerEncoder

    adapter = tmp_path / "adapter"
    shutil.copytree(ADAPTER_DIR, adapter)
    _damage(adapter / name, how)
    with pytest.raises(ModelNotLoadedError, match=name.replace(".", r"\.")) as err:
        SentenceTransformerEncoder(adapter_path=adapter)
    assert str(adapter) in str(err.value)


@pytest.mark.slow
def test_serve_with_a_corrupt_artifact_exits_1_with_one_line_naming_the_file(tmp_path):
    artifacts = tmp_path / "artifacts"
    shutil.copytree(ARTIFACTS_DIR, artifacts)
    damaged = artifacts / "intent" / "banking77" / "v2" / "head.safetensors"
    _damage(damaged, "truncated")
    env = {**os.environ, "JOURNEYMINE_MODELS__ARTIFACTS_DIR": str(artifacts), "JOURNEYMINE_DATA_DIR": str(tmp_path)}
    env.pop("JOURNEYMINE_CONFIG", None)
    done = subprocess.run(
        [sys.executable, "-m", "service.cli", "serve", "--port", "0"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr[-2000:]
    records = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    refusal = records[-1]
    assert refusal["level"] == "ERROR" and refusal["message"].startswith("not starting: model artifact unreadable")
    assert str(damaged) in refusal["message"]
    assert "Traceback" not in done.stderr and not any("serving on" in r["message"] for r in records)


# --- a batch job killed with SIGKILL: the rerun finishes with no row lost or repeated --------------------

ROWS = 2000
BAD = frozenset(range(7, ROWS, 97))  # empty texts: rejected into <out>.errors.jsonl


def _job(rows: Path, out: Path, delay: float, *, capture: bool = False) -> subprocess.Popen[bytes]:
    args = ["--in", str(rows), "--out", str(out), "--chunk-size", "20", "--json"]
    return subprocess.Popen(
        [sys.executable, "-m", "tests.service.fake_enrich_job", *args],
        cwd=REPO,
        env={**os.environ, "FAKE_ENRICH_DELAY_S": str(delay)},
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _rows_done(out: Path) -> int:
    try:
        return int(json.loads((out.parent / f"{out.name}.checkpoint.json").read_text())["rows_done"])
    except (FileNotFoundError, json.JSONDecodeError, KeyError):
        return 0


@pytest.mark.slow
def test_a_batch_job_killed_with_sigkill_three_times_finishes_with_no_loss_or_duplicate(tmp_path):
    rows, out = tmp_path / "rows.jsonl", tmp_path / "out.jsonl"
    with rows.open("w") as f:
        for i in range(ROWS):
            f.write(json.dumps({"id": f"r{i:05}", "text": "" if i in BAD else f"row number {i}"}) + "\n")
    killed_at = []
    for threshold in (300, 900, 1500):
        job = _job(rows, out, delay=0.01)
        deadline = time.monotonic() + 120
        while _rows_done(out) < threshold and time.monotonic() < deadline and job.poll() is None:
            time.sleep(0.005)
        job.send_signal(signal.SIGKILL)
        assert job.wait(timeout=30) == -signal.SIGKILL
        killed_at.append(_rows_done(out))
        assert killed_at[-1] < ROWS, "the job finished before it was killed"
    job = _job(rows, out, delay=0.0, capture=True)
    stdout, _ = job.communicate(timeout=120)
    assert job.returncode == 0
    summary = json.loads(stdout)
    assert summary["total_enriched"] == ROWS - len(BAD) and summary["total_rejected"] == len(BAD)

    ids = [json.loads(line)["interaction_id"] for line in out.read_text().splitlines()]
    assert ids == [f"r{i:05}" for i in range(ROWS) if i not in BAD]  # each once, in input order
    rejected = [json.loads(line)["row"] for line in (tmp_path / "out.jsonl.errors.jsonl").read_text().splitlines()]
    assert rejected == sorted(BAD)
    assert killed_at == sorted(killed_at) and killed_at[0] >= 300
    print(f"SIGKILL drill: killed at rows_done={killed_at}; {len(ids)} enriched, {len(rejected)} rejected, 0 repeated")


# --- the database going away mid-batch: UNAVAILABLE, and the retried batch is stored exactly once --------


def _touchpoints(prefix: str, n: int) -> jr_pb.RecordTouchpointsRequest:
    return jr_pb.RecordTouchpointsRequest(
        touchpoints=[
            jr_pb.Touchpoint(
                id=f"{prefix}-{i:04}",
                customer_id=f"c{i % 17}",
                channel=ix_pb.CHANNEL_WEB,
                occurred_at=Timestamp(seconds=1_795_000_000 + i * 60),
                stage="billing",
                outcome=jr_pb.OUTCOME_RESOLVED,
            )
            for i in range(n)
        ]
    )


@pytest.fixture
def journey_db(postgres_url: str) -> Iterator[str]:  # noqa: F811
    """A fresh PostgreSQL database for one server's journey store."""
    yield from _fresh_pg_database(postgres_url)


@pytest.fixture
def pg_server(journey_db: str, enricher, tmp_path: Path) -> Iterator[int]:
    from service.server import build_journeys, build_server

    settings = Settings(
        server=ServerConfig(host="127.0.0.1", port=0, max_workers=4, grace_seconds=0),
        limits=TEST_LIMITS,
        data_dir=tmp_path,
        journeys=JourneyConfig(url=journey_db),
    )
    lock = ModelLocks()
    journeys = build_journeys(settings, enricher, lock)
    server, port = build_server(settings, enricher, journeys=journeys, lock=lock)
    server.start()
    try:
        yield port
    finally:
        server.stop(None).wait()
        journeys.store.close()


@pytest.mark.slow
def test_the_database_going_away_mid_batch_is_unavailable_and_the_retry_stores_each_touchpoint_once(
    pg_server: int, journey_db: str
):
    admin = sa.create_engine(journey_db, poolclass=sa.pool.NullPool)
    errors: list[grpc.RpcError] = []
    try:
        with grpc.insecure_channel(f"127.0.0.1:{pg_server}") as channel:
            stub = jr_grpc.JourneyServiceStub(channel)
            assert stub.RecordTouchpoints(_touchpoints("warm", 3), timeout=60).stored == 3
            batch = _touchpoints("tp", 400)

            def record() -> None:
                try:
                    stub.RecordTouchpoints(batch, timeout=60)
                except grpc.RpcError as err:
                    errors.append(err)

            with admin.connect() as blocker:
                # Hold the scores table: the batch inserts its touchpoints, then waits inside its transaction.
                blocker.execute(sa.text("LOCK TABLE customer_scores IN ACCESS EXCLUSIVE MODE"))
                caller = threading.Thread(target=record)
                caller.start()
                pid = _blocked_backend(admin)
                with admin.connect() as killer:
                    inserting = killer.execute(
                        sa.text(
                            "SELECT count(*) FROM pg_locks WHERE pid = :pid AND mode = 'RowExclusiveLock' "
                            "AND relation = 'touchpoints'::regclass"
                        ),
                        {"pid": pid},
                    ).scalar_one()
                    assert inserting == 1  # mid-batch: its rows are in, uncommitted
                    terminated = killer.execute(sa.text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
                    assert terminated.scalar()
                caller.join(timeout=60)
                blocker.rollback()
            assert len(errors) == 1 and errors[0].code() == grpc.StatusCode.UNAVAILABLE, errors
            assert "retry" in errors[0].details()
            with admin.connect() as conn:
                assert conn.execute(sa.text("SELECT count(*) FROM touchpoints WHERE id LIKE 'tp-%'")).scalar() == 0

            retry = stub.RecordTouchpoints(batch, timeout=60)
            assert (retry.stored, retry.duplicates) == (400, 0)
            again = stub.RecordTouchpoints(batch, timeout=60)
            assert (again.stored, again.duplicates) == (0, 400)
            with admin.connect() as conn:
                counts = conn.execute(
                    sa.text("SELECT count(*), count(DISTINCT id) FROM touchpoints WHERE id LIKE 'tp-%'")
                ).one()
            assert tuple(counts) == (400, 400)
            print("outage drill: 400 sent, UNAVAILABLE x1 mid-batch, 0 stored; retry stored 400, again 0 (400 dup)")
    finally:
        admin.dispose()


def _blocked_backend(engine: sa.Engine) -> int:
    """The pid of the one backend waiting for a lock (the server's write), once it is waiting."""
    deadline = time.monotonic() + 60
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            pids = (
                conn.execute(
                    sa.text(
                        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                        "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                    )
                )
                .scalars()
                .all()
            )
            if pids:
                assert len(pids) == 1
                return int(pids[0])
            time.sleep(0.05)
    raise AssertionError("the server's write never reached the locked table")
