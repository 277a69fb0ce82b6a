"""A throwaway PostgreSQL server for the test session: tests run against a real server, never a mock.

    url, reason = start_postgres()     # SQLAlchemy URL, or None and why (callers pytest.skip(reason))
    ...
    stop_postgres()                    # stops the server and removes its files (also done at exit)

or ``with running_postgres() as (url, reason): ...``, or the session fixture ``postgres_url``
(import it into a conftest or test module; it skips with the reason when there is no server).

``JOURNEYMINE_TEST_POSTGRES_URL`` set: that URL is used and nothing is started. Otherwise
``initdb``/``pg_ctl`` are looked up on PATH, then under ``/usr/lib/postgresql/*/bin`` (highest
version); the cluster lives in a temp dir, listens on 127.0.0.1 only (a free port) and on a unix
socket in that dir, trusts every local connection, and runs with fsync, synchronous_commit and
full_page_writes off (its data is thrown away). initdb refuses to run as root, so as root the
server binaries run as the ``postgres`` user (created by Debian's ``postgresql`` package).
The database is ``journeymine_test``; the URL is ``postgresql+psycopg://postgres@127.0.0.1:PORT/journeymine_test``.
"""

from __future__ import annotations

import atexit
import os
import pwd
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ENV_URL = "JOURNEYMINE_TEST_POSTGRES_URL"
DATABASE = "journeymine_test"
SUPERUSER = "postgres"
START_TIMEOUT_S = 60
INSTALL_HINT = "install Debian package postgresql (.ci/run does) or set " + ENV_URL


@dataclass
class _Server:
    url: str
    root: Path  # temp dir: data/, server.log, the unix socket
    bin_dir: Path
    run_as: list[str]  # command prefix: [] or ["runuser", "-u", "postgres", "--"]

    def pg_ctl(self, *args: str, timeout: float = START_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
        return _run(
            [*self.run_as, str(self.bin_dir / "pg_ctl"), "-D", str(self.root / "data"), *args], self.root, timeout
        )


_server: _Server | None = None


def find_bin_dir() -> Path | None:
    """The folder holding initdb and pg_ctl: PATH first, else the highest /usr/lib/postgresql/N/bin."""
    initdb = shutil.which("initdb")
    if initdb:
        folder = Path(initdb).resolve().parent
        if (folder / "pg_ctl").is_file():
            return folder
    candidates = [p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "initdb").is_file()]
    candidates = [p for p in candidates if (p / "pg_ctl").is_file() and re.fullmatch(r"\d+(\.\d+)?", p.parent.name)]
    if not candidates:
        return None
    return max(candidates, key=lambda p: tuple(int(n) for n in p.parent.name.split(".")))


def start_postgres(timeout: float = START_TIMEOUT_S) -> tuple[str | None, str]:
    """(SQLAlchemy URL, "") of a running server, or (None, reason to skip). Idempotent within a process.

    Raises RuntimeError (with the server log's tail) when the binaries are there but the server will not start.
    """
    global _server
    if os.environ.get(ENV_URL):
        return os.environ[ENV_URL], ""
    if _server is not None:
        return _server.url, ""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        return None, f"PostgreSQL server binaries not found (initdb); {INSTALL_HINT}"
    run_as: list[str] = []
    if os.geteuid() == 0:
        # initdb refuses to run as root: run the server as the postgres user, on files it owns.
        try:
            owner = pwd.getpwnam(SUPERUSER)
        except KeyError:
            return None, f"running as root and there is no {SUPERUSER!r} user to run PostgreSQL as; {INSTALL_HINT}"
        runuser = shutil.which("runuser")
        if runuser is None:
            return None, "running as root and runuser is missing, so PostgreSQL cannot run as the postgres user"
        run_as = [runuser, "-u", SUPERUSER, "--"]
    root = Path(tempfile.mkdtemp(prefix="journeymine-pg-"))
    if run_as:
        os.chown(root, owner.pw_uid, owner.pw_gid)
    port = _free_port()
    server = _Server(
        url=f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{port}/{DATABASE}", root=root, bin_dir=bin_dir, run_as=run_as
    )
    try:
        initdb = [str(bin_dir / "initdb"), "-D", str(root / "data"), f"--username={SUPERUSER}", "--auth=trust"]
        _check(_run([*run_as, *initdb, "--no-locale", "--encoding=UTF8", "--no-sync"], root, timeout), "initdb", root)
        options = {
            "listen_addresses": "127.0.0.1",
            "port": str(port),
            "unix_socket_directories": str(root),
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
        }
        opts = " ".join(f"-c {k}={shlex.quote(v)}" for k, v in options.items())
        log = root / "server.log"
        # -w: wait until the server accepts connections (at most -t seconds).
        started = server.pg_ctl(
            "-l", str(log), "-o", opts, "-w", "-t", str(int(timeout)), "start", timeout=timeout + 10
        )
        _check(started, "pg_ctl start", root)
        created = _run(
            [*run_as, str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", SUPERUSER, DATABASE],
            root,
            timeout,
        )
        _check(created, f"createdb {DATABASE}", root)
    except BaseException:
        _stop(server)
        raise
    _server = server
    return server.url, ""


def stop_postgres() -> None:
    """Stop the server start_postgres started (if any) and remove its files; a URL from the env is left alone."""
    global _server
    if _server is not None:
        server, _server = _server, None
        _stop(server)


@contextmanager
def running_postgres() -> Iterator[tuple[str | None, str]]:
    """``with running_postgres() as (url, reason):`` start_postgres(), then stop_postgres() on the way out."""
    try:
        yield start_postgres()
    finally:
        stop_postgres()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """SQLAlchemy URL of the session's PostgreSQL server; skips the test with the reason when there is none."""
    with running_postgres() as (url, reason):
        if url is None:
            pytest.skip(reason)
        yield url


atexit.register(stop_postgres)


def _stop(server: _Server) -> None:
    if (server.root / "data" / "postmaster.pid").exists():
        server.pg_ctl("-m", "immediate", "-w", "stop")
    shutil.rmtree(server.root, ignore_errors=True)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(cmd: list[str], cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    # cwd: a folder the postgres user can enter (initdb/pg_ctl fail in one it cannot).
    try:
        return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"{shlex.join(cmd)} took over {timeout:.0f} s{_log_tail(cwd)}") from exc


def _check(result: subprocess.CompletedProcess[str], what: str, root: Path) -> None:
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()
        raise RuntimeError(f"{what} failed (exit {result.returncode}): {output}{_log_tail(root)}")


def _log_tail(root: Path, lines: int = 20) -> str:
    log = root / "server.log"
    if not log.is_file():
        return ""
    tail = log.read_text(errors="replace").splitlines()[-lines:]
    return "\nserver log (last lines):\n" + "\n".join(tail)
