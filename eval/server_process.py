"""`journeymine serve` in a child process, its stderr (the JSON log) in a file: for load tests and tests
that need the real thing."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 240  # model loading on a busy 2-core machine


def start_line(log_path: Path, proc: subprocess.Popen[bytes], timeout: float = START_TIMEOUT_S) -> str:
    """Wait for the server's "serving on" line in ``log_path``; raise with the log's tail if it exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log_path.read_text(encoding="utf-8", errors="replace")
        for line in text.splitlines():
            if "serving on" in line:
                return line
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before serving:\n{text[-3000:]}")
        time.sleep(0.2)
    raise TimeoutError(f"server did not start within {timeout}s:\n{log_path.read_text()[-3000:]}")


@contextmanager
def served(log_path: Path, env: dict[str, str] | None = None, *args: str) -> Iterator[tuple[int, subprocess.Popen]]:
    """A running server on a free port: yields (port, process); SIGTERM (then SIGKILL) at the end."""
    environ = {**os.environ, "JOURNEYMINE_SERVER__GRACE_SECONDS": "1", **(env or {})}
    environ.pop("JOURNEYMINE_CONFIG", None)
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "serve", "--port", "0", *args], cwd=REPO, env=environ, stderr=log
        )
    try:
        line = start_line(log_path, proc)
        match = re.search(r"serving on [^ ]+:(\d+) ", line)
        assert match, line
        yield int(match.group(1)), proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def rss_kib(pid: int) -> tuple[int, int]:
    """(resident set size now, its peak so far) of process ``pid`` in KiB, from /proc (Linux)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0])
    return fields["VmRSS"], fields["VmHWM"]
