"""The journeymine command: flags over env over file, `models` prints JSON, `serve` runs and stops on SIGTERM."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from service.cli import main as cli

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def captured_settings(monkeypatch):
    """Run `journeymine serve ...` in-process with serve() replaced by a recorder."""
    monkeypatch.setenv("JOURNEYMINE_CONFIG", "")  # load_settings may set it; monkeypatch restores it
    seen = []
    monkeypatch.setattr("service.server.serve", seen.append)
    return seen


def test_serve_flags_override_env_and_file(tmp_path, monkeypatch, captured_settings):
    config = tmp_path / "journeymine.toml"
    config.write_text(
        'log_level = "WARNING"\n[server]\nport = 6000\nhost = "0.0.0.0"\nmax_workers = 2\n'
        "[limits]\nmax_concurrent_streams = 2\nmax_alert_watchers = 1\n"
    )
    monkeypatch.setenv("JOURNEYMINE_SERVER__HOST", "10.1.2.3")
    assert cli.main(["serve", "--config", str(config), "--workers", "4"]) == 0
    (settings,) = captured_settings
    assert (settings.server.port, settings.server.host, settings.server.max_workers) == (6000, "10.1.2.3", 4)
    assert settings.log_level == "WARNING" and settings.limits.max_concurrent_streams == 2


def test_serve_defaults(captured_settings):
    assert cli.main(["serve", "--port", "0", "--host", "::1"]) == 0
    assert (captured_settings[0].server.port, captured_settings[0].server.host) == (0, "::1")
    assert captured_settings[0].server.max_workers == 32


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["serve", "--port", "70000"], "less than or equal to 65535"),
        (["serve", "--config", "/nonexistent.toml"], "config file not found"),
        ([], "required: COMMAND"),
    ],
)
def test_bad_arguments_exit_with_usage(argv, message, captured_settings, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.slow
def test_models_prints_the_catalog_as_json(monkeypatch, capsys, enricher):
    monkeypatch.setattr("pipelines.factory.build_enricher", lambda **kw: enricher)
    assert cli.main(["models"]) == 0
    catalog = json.loads(capsys.readouterr().out)
    assert {t["name"] for t in catalog["taxonomies"]} == {"customer_service", "banking77", "clinc150"}
    assert any(m["kind"] == "sentiment" for m in catalog["models"])
    # The default topic model is marked, whichever versions are listed beside it.
    assert [(t["name"], t["version"]) for t in catalog["topic_models"] if t["is_default"]] == [
        ("customer_service", "v3")
    ]


@pytest.mark.slow
def test_serve_goes_not_serving_and_exits_cleanly_on_sigterm():
    env = {**os.environ, "JOURNEYMINE_SERVER__GRACE_SECONDS": "1", "JOURNEYMINE_LOG_LEVEL": "INFO"}
    env.pop("JOURNEYMINE_CONFIG", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--port", "0"],
        cwd=REPO,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        lines = []
        for line in proc.stderr:  # blocks until the server logs its start line (or exits)
            lines.append(line)
            if "serving on" in line:
                break
        start = lines[-1]
        assert "INSECURE local mode" in start and "models loaded" in start and "sentiment.v4" in start, "".join(lines)
        warning = json.loads(next(line for line in lines if "whoever can connect can read and write" in line))
        assert warning["level"] == "WARNING" and "tls.cert_file" in warning["message"]
        port = int(re.search(r"serving on [^ ]+:(\d+) ", start).group(1))
        assert re.search(r"started in \d+\.\ds", start)

        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            watch = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest(service=""))
            assert next(watch).status == health_pb2.HealthCheckResponse.SERVING
            proc.send_signal(signal.SIGTERM)
            assert next(watch).status == health_pb2.HealthCheckResponse.NOT_SERVING
            watch.cancel()
        assert proc.wait(timeout=60) == 0
        assert "journeymine stopped" in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()


@pytest.mark.slow
def test_a_taken_port_is_a_clear_error_not_a_shared_port(settings, enricher):
    from service.server import BindError, build_server

    first, port = build_server(settings, enricher)
    try:
        taken = settings.model_copy(update={"server": settings.server.model_copy(update={"port": port})})
        with pytest.raises(BindError, match=rf"cannot listen on 127\.0\.0\.1:{port}: .*--port"):
            build_server(taken, enricher)
    finally:
        first.stop(None)


def test_serve_reports_start_up_errors_without_a_traceback(monkeypatch, caplog):
    from models.errors import ModelNotLoadedError
    from service import server

    def fail(settings):
        raise ModelNotLoadedError("model artifact missing: /x/head.json")

    monkeypatch.setattr(server, "serve", fail)
    assert cli.main(["serve", "--port", "0"]) == 1
    assert "not starting: model artifact missing: /x/head.json" in caplog.text


def test_streams_must_leave_workers_for_other_calls(captured_settings, capsys):
    with pytest.raises(SystemExit):
        cli.main(["serve", "--workers", "4"])  # default limits.max_concurrent_streams is 4
    assert "limits.max_concurrent_streams (4) + limits.max_alert_watchers (2) must be below server.max_workers (4)" in (
        capsys.readouterr().err
    )


@pytest.mark.slow
def test_health_exits_0_for_a_serving_server_and_1_for_none(server_port, capsys):
    import socket

    assert cli.main(["health", "--address", f"127.0.0.1:{server_port}"]) == 0
    assert capsys.readouterr().out.strip() == f"127.0.0.1:{server_port}: SERVING"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]
    assert cli.main(["health", "--address", f"127.0.0.1:{free}", "--timeout", "1"]) == 1
    err = capsys.readouterr().err
    assert "UNAVAILABLE" in err or "DEADLINE_EXCEEDED" in err
