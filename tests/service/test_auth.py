"""Bearer-token auth, TLS and mutual TLS: the scope table covers every RPC; a real server enforces it."""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2
from prometheus_client import REGISTRY

from journeymine.v1 import (
    admin_service_pb2,
    enrichment_service_pb2,
    evaluation_service_pb2,
    journey_service_pb2,
    topics_service_pb2,
)
from journeymine.v1 import admin_service_pb2 as admin_pb
from journeymine.v1 import admin_service_pb2_grpc as admin_grpc
from journeymine.v1 import journey_service_pb2 as jr_pb
from journeymine.v1 import journey_service_pb2_grpc as jr_grpc
from models.errors import PermissionDeniedError, UnauthenticatedError
from service.auth import (
    AUTHENTICATED,
    METHOD_SCOPES,
    OPEN,
    AuthConfig,
    Scope,
    TokenConfig,
    TokenFileError,
    TokenTable,
    authorize,
    bearer_token,
    load_tokens,
)
from service.config import Settings
from service.tls import TlsConfig, TlsFileError
from tests.service.certs import Authority

READER = "reader-token-0123456789"
WRITER = "writer-token-0123456789"
ADMIN = "admin-token-0123456789ab"
ENRICHER = "enrich-token-0123456789a"


def _methods(*files: object) -> set[str]:
    return {
        f"/{service.full_name}/{method.name}"
        for module in files
        for service in module.DESCRIPTOR.services_by_name.values()  # type: ignore[attr-defined]
        for method in service.methods
    }


def _contract_modules() -> list[object]:
    """Every generated *_pb2 module of journeymine.v1: a new service file is picked up without editing this test."""
    import journeymine.v1

    names = [m.name for m in pkgutil.iter_modules(journeymine.v1.__path__) if m.name.endswith("_pb2")]
    return [importlib.import_module(f"journeymine.v1.{name}") for name in names]


def test_every_rpc_of_every_service_has_exactly_one_scope_rule():
    contract = _contract_modules()
    assert {admin_service_pb2, enrichment_service_pb2, evaluation_service_pb2, journey_service_pb2} <= set(contract)
    assert topics_service_pb2 in contract
    served = _methods(*contract)
    served |= _methods(health_pb2, reflection_pb2)
    served.add("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo")
    assert set(METHOD_SCOPES) == served  # nothing served without a rule, no rule for a method that is not served
    assert {m for m, s in METHOD_SCOPES.items() if s is OPEN} == {
        "/grpc.health.v1.Health/Check",
        "/grpc.health.v1.Health/Watch",
        "/grpc.health.v1.Health/List",
    }
    assert all(s in (OPEN, AUTHENTICATED) or isinstance(s, Scope) for s in METHOD_SCOPES.values())


def _table() -> TokenTable:
    return TokenTable(
        [
            TokenConfig(name="reader", token=READER, scopes=("journeys:read",)),
            TokenConfig(name="writer", sha256=hashlib.sha256(WRITER.encode()).hexdigest(), scopes=("journeys:write",)),
            TokenConfig(name="admin", token=ADMIN, scopes=("admin", "enrich")),
        ]
    )


def test_tokens_resolve_by_value_or_by_digest_and_nothing_else():
    table = _table()
    assert table.lookup(READER).name == "reader"  # type: ignore[union-attr]
    assert table.lookup(WRITER).scopes == {Scope.JOURNEYS_WRITE}  # type: ignore[union-attr]
    assert table.lookup(READER + "x") is None
    assert table.lookup(READER[:-1]) is None
    assert table.lookup("") is None


@pytest.mark.parametrize(
    ("header", "token"),
    [("Bearer abc", "abc"), ("bearer  abc ", "abc"), ("Basic abc", None), ("Bearer ", None), ("abc", None)],
)
def test_bearer_header_parsing(header, token):
    assert bearer_token({"authorization": header}) == token


def test_authorize_answers_each_case_with_its_error():
    table = _table()
    record = "/journeymine.v1.JourneyService/RecordTouchpoints"
    assert authorize(table, "/grpc.health.v1.Health/Check", {}) is None  # open: no token needed
    with pytest.raises(UnauthenticatedError, match="needs a bearer token"):
        authorize(table, record, {})
    with pytest.raises(UnauthenticatedError, match="not known"):
        authorize(table, record, {"authorization": "Bearer nope-nope-nope-nope"})
    with pytest.raises(PermissionDeniedError, match=r"'reader' lacks scope 'journeys:write'.*it has: journeys:read"):
        authorize(table, record, {"authorization": f"Bearer {READER}"})
    assert authorize(table, record, {"authorization": f"Bearer {WRITER}"}).name == "writer"  # type: ignore[union-attr]
    reflection = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"
    assert authorize(table, reflection, {"authorization": f"Bearer {READER}"}).name == "reader"  # type: ignore[union-attr]
    with pytest.raises(PermissionDeniedError, match="no scope rule"):
        authorize(table, "/journeymine.v1.NewService/Unlisted", {"authorization": f"Bearer {ADMIN}"})


def test_tokens_come_from_a_file_and_the_environment(tmp_path, monkeypatch):
    tokens_file = tmp_path / "tokens.toml"
    digest = hashlib.sha256(WRITER.encode()).hexdigest()
    tokens_file.write_text(
        f'[[tokens]]\nname = "reader"\ntoken = "{READER}"\nscopes = ["journeys:read"]\n\n'
        f'[[tokens]]\nname = "writer"\nsha256 = "{digest}"\nscopes = ["journeys:write"]\n'
    )
    monkeypatch.setenv("JOURNEYMINE_AUTH__TOKENS_FILE", str(tokens_file))
    monkeypatch.setenv("JOURNEYMINE_AUTH__TOKENS", f'[{{"name": "ci", "token": "{ENRICHER}", "scopes": ["enrich"]}}]')
    tokens = load_tokens(Settings().auth)
    assert [(t.name, t.scopes) for t in tokens] == [
        ("ci", (Scope.ENRICH,)),
        ("reader", (Scope.JOURNEYS_READ,)),
        ("writer", (Scope.JOURNEYS_WRITE,)),
    ]
    assert ENRICHER not in repr(Settings().auth)  # secrets stay out of reprs (and so out of logs)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, r"tokens\.toml: cannot read it"),
        ("[[tokens]\n", r"tokens\.toml: not valid TOML"),
        ("name = 'x'\n", r"tokens\.toml: expected one or more \[\[tokens\]\] tables"),
        ('[[tokens]]\nname = "a"\ntoken = "short"\nscopes = ["enrich"]\n', r"tokens\[0\].*at least 16 characters"),
        (f'[[tokens]]\nname = "a"\ntoken = "{READER}"\nscopes = ["root"]\n', r"tokens\[0\] scopes\.0"),
        (
            f'[[tokens]]\nname = "a"\ntoken = "{READER}"\nscopes = ["enrich"]\n'
            f'[[tokens]]\nname = "a"\ntoken = "{WRITER}"\nscopes = ["enrich"]\n',
            "must be unique; repeated: a",
        ),
    ],
)
def test_a_bad_tokens_file_is_refused_naming_the_file(tmp_path, content, message):
    path = tmp_path / "tokens.toml"
    if content is not None:
        path.write_text(content)
    with pytest.raises(TokenFileError, match=message):
        load_tokens(AuthConfig(tokens_file=path))


def test_tls_settings_go_in_pairs_and_unreadable_files_are_named(tmp_path):
    with pytest.raises(ValueError, match=r"cert_file and tls\.key_file go together"):
        TlsConfig(cert_file=tmp_path / "a.crt")
    with pytest.raises(ValueError, match=r"needs tls\.cert_file"):
        TlsConfig(client_ca_file=tmp_path / "ca.crt")
    from service.tls import server_credentials

    (tmp_path / "a.crt").write_text("not pem")
    with pytest.raises(TlsFileError, match=r"tls\.cert_file .*a\.crt: not a PEM file"):
        server_credentials(TlsConfig(cert_file=tmp_path / "a.crt", key_file=tmp_path / "a.key"))


# --- a real server with TLS and tokens --------------------------------------------------------------


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> tuple[Authority, Path]:
    folder = tmp_path_factory.mktemp("pki")
    return Authority(folder), folder


def _secure_server(settings: Settings, enricher, tmp: Path, tls: TlsConfig) -> Iterator[int]:
    from service.server import build_server

    secured = settings.model_copy(
        update={
            "data_dir": tmp,
            "tls": tls,
            "auth": AuthConfig(
                tokens=(
                    TokenConfig(name="reader", token=READER, scopes=("journeys:read",)),
                    TokenConfig(name="writer", token=WRITER, scopes=("journeys:write",)),
                    TokenConfig(name="admin", token=ADMIN, scopes=("admin",)),
                )
            ),
        }
    )
    server, port = build_server(secured, enricher)
    server.start()
    try:
        yield port
    finally:
        server.stop(None).wait()


@pytest.fixture(scope="module")
def tls_port(settings, enricher, pki, tmp_path_factory) -> Iterator[int]:
    ca, _ = pki
    cert = ca.issue("server", "localhost", server=True)
    yield from _secure_server(
        settings, enricher, tmp_path_factory.mktemp("tls"), TlsConfig(cert_file=cert.cert, key_file=cert.key)
    )


def _tls_channel(port: int, ca: Authority, client: object = None) -> grpc.Channel:
    key, chain = (client.key.read_bytes(), client.cert.read_bytes()) if client is not None else (None, None)  # type: ignore[attr-defined]
    credentials = grpc.ssl_channel_credentials(
        root_certificates=ca.pem.cert.read_bytes(), private_key=key, certificate_chain=chain
    )
    return grpc.secure_channel(f"localhost:{port}", credentials)


def _bearer(token: str) -> tuple[tuple[str, str]]:
    return (("authorization", f"Bearer {token}"),)


def _count(code: str) -> float:
    return (
        REGISTRY.get_sample_value(
            "journeymine_rpc_requests_total", {"method": "/journeymine.v1.JourneyService/ListAlerts", "code": code}
        )
        or 0.0
    )


@pytest.mark.slow
def test_tls_server_checks_tokens_and_scopes_and_leaves_health_open(tls_port, pki):
    ca, _ = pki
    with _tls_channel(tls_port, ca) as channel:
        health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
        assert health.status == health_pb2.HealthCheckResponse.SERVING  # no token needed

        journeys = jr_grpc.JourneyServiceStub(channel)
        before = _count("UNAUTHENTICATED"), _count("PERMISSION_DENIED"), _count("OK")
        for metadata, code in [
            ((), grpc.StatusCode.UNAUTHENTICATED),
            (_bearer("made-up-token-000000000"), grpc.StatusCode.UNAUTHENTICATED),
            ((("authorization", f"Basic {READER}"),), grpc.StatusCode.UNAUTHENTICATED),
            (_bearer(WRITER), grpc.StatusCode.PERMISSION_DENIED),
            (_bearer(ADMIN), grpc.StatusCode.PERMISSION_DENIED),  # admin does not imply the other scopes
        ]:
            with pytest.raises(grpc.RpcError) as err:
                journeys.ListAlerts(jr_pb.ListAlertsRequest(), metadata=metadata, timeout=10)
            assert err.value.code() == code, (metadata, err.value.details())
            assert READER not in err.value.details() and WRITER not in err.value.details()
        assert journeys.ListAlerts(jr_pb.ListAlertsRequest(), metadata=_bearer(READER), timeout=10) is not None
        after = _count("UNAUTHENTICATED"), _count("PERMISSION_DENIED"), _count("OK")
        assert (after[0] - before[0], after[1] - before[1], after[2] - before[2]) == (3, 2, 1)

        admin = admin_grpc.ModelAdminServiceStub(channel)
        with pytest.raises(grpc.RpcError) as err:
            admin.ReloadModels(admin_pb.ReloadModelsRequest(), metadata=_bearer(READER), timeout=10)
        assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert admin.ReloadModels(admin_pb.ReloadModelsRequest(), metadata=_bearer(ADMIN), timeout=30) is not None

        # A stream is checked before its first message is read.
        watch = journeys.WatchAlerts(jr_pb.WatchAlertsRequest(), metadata=_bearer(WRITER), timeout=10)
        with pytest.raises(grpc.RpcError) as err:
            next(watch)
        assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED

    with grpc.insecure_channel(f"127.0.0.1:{tls_port}") as plain:
        with pytest.raises(grpc.RpcError) as err:
            health_pb2_grpc.HealthStub(plain).Check(health_pb2.HealthCheckRequest(), timeout=5)
        assert err.value.code() == grpc.StatusCode.UNAVAILABLE  # no plaintext on a TLS port


@pytest.fixture(scope="module")
def mtls_port(settings, enricher, pki, tmp_path_factory) -> Iterator[int]:
    ca, _ = pki
    cert = ca.issue("mserver", "localhost", server=True)
    yield from _secure_server(
        settings,
        enricher,
        tmp_path_factory.mktemp("mtls"),
        TlsConfig(cert_file=cert.cert, key_file=cert.key, client_ca_file=ca.pem.cert),
    )


@pytest.mark.slow
def test_mutual_tls_admits_only_clients_with_a_certificate_from_the_ca(mtls_port, pki, tmp_path):
    ca, _ = pki
    good = ca.issue("client", "ingest-job", server=False)
    stranger = Authority(tmp_path, name="other CA").issue("stranger", "stranger", server=False)
    request = health_pb2.HealthCheckRequest()
    with _tls_channel(mtls_port, ca, good) as channel:
        assert health_pb2_grpc.HealthStub(channel).Check(request, timeout=10).status == 1
        journeys = jr_grpc.JourneyServiceStub(channel)
        with pytest.raises(grpc.RpcError) as err:  # a client certificate does not replace the token
            journeys.ListAlerts(jr_pb.ListAlertsRequest(), timeout=10)
        assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
    for client in (None, stranger):
        with _tls_channel(mtls_port, ca, client) as channel, pytest.raises(grpc.RpcError) as err:
            health_pb2_grpc.HealthStub(channel).Check(request, timeout=5)
        assert err.value.code() == grpc.StatusCode.UNAVAILABLE


@pytest.mark.slow
def test_the_health_command_speaks_tls_without_a_token(tls_port, pki, capsys):
    from service.cli import main as cli

    ca, _ = pki
    address = f"127.0.0.1:{tls_port}"
    assert cli.main(["health", "--address", address, "--ca-file", str(ca.pem.cert), "--server-name", "localhost"]) == 0
    assert capsys.readouterr().out.strip() == f"{address}: SERVING"
    assert cli.main(["health", "--address", address, "--timeout", "2"]) == 1  # plaintext against TLS
    assert "UNAVAILABLE" in capsys.readouterr().err


@pytest.mark.slow
def test_fuzzed_authorization_headers_are_only_ever_unauthenticated(tls_port, pki):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    ca, _ = pki
    printable = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=80)
    headers = st.one_of(
        printable, printable.map(lambda t: f"Bearer {t}"), st.just(f"Bearer {READER[:-1]}"), st.just("Bearer")
    )
    with _tls_channel(tls_port, ca) as channel:
        journeys = jr_grpc.JourneyServiceStub(channel)

        @settings(max_examples=60, deadline=None, derandomize=True, database=None)
        @given(header=headers)
        def run(header: str) -> None:
            with pytest.raises(grpc.RpcError) as err:
                journeys.ListAlerts(jr_pb.ListAlertsRequest(), metadata=(("authorization", header),), timeout=10)
            assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED, header

        run()
