"""The image test's own parts (container/), fast: `make image-test` builds and serves the image itself.

The build, a server started inside the image, health, Enrich and RecordTouchpoints are checked by
`make image-test` (container/test.sh; CI runs it after `make test`). Here: its SERVING timer, and that it skips
with a reason where podman cannot run instead of failing.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from concurrent import futures
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

ROOT = Path(__file__).resolve().parents[1]


def load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "container" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def health_server():
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    servicer.set("", health_pb2.HealthCheckResponse.NOT_SERVING)
    server.start()
    yield servicer, f"127.0.0.1:{port}"
    server.stop(None)


def test_wait_serving_waits_for_serving_and_prints_the_elapsed_ms(health_server, capsys):
    servicer, address = health_server
    wait_serving = load_script("wait_serving")
    # NOT_SERVING (loading models) for 0.4 s, then SERVING: the timer must not stop at the first answer.
    flip = threading.Timer(0.4, servicer.set, ("", health_pb2.HealthCheckResponse.SERVING))
    started_ns = time.time_ns()
    flip.start()
    try:
        rc = wait_serving.main(["--address", address, "--started-ns", str(started_ns), "--timeout", "20"])
    finally:
        flip.cancel()
    assert rc == 0
    elapsed_ms = int(capsys.readouterr().out.strip())
    assert 400 <= elapsed_ms < 20_000


def test_wait_serving_gives_up_when_the_server_process_exits(capsys):
    wait_serving = load_script("wait_serving")
    exited = subprocess.Popen([sys.executable, "-c", "pass"])
    exited.wait()
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{probe.getsockname()[1]}"
    rc = wait_serving.main(["--address", address, "--pid", str(exited.pid), "--timeout", "20"])
    assert rc == 1
    assert f"process {exited.pid} exited" in capsys.readouterr().err


def test_image_test_skips_with_the_reason_where_podman_is_missing(tmp_path):
    # A PATH with the shell tools the script needs but no podman or buildah: a skip (exit 0), not a failure.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "id", "dirname", "sudo", "true"):
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    done = subprocess.run(
        [str(bin_dir / "bash"), str(ROOT / "container" / "test.sh")],
        env={**os.environ, "PATH": str(bin_dir)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("SKIPPED: make image-test: ")
    assert "podman" in done.stdout or "sudo" in done.stdout
