"""The throwaway PostgreSQL server of tests/pg_server.py answers real SQL through SQLAlchemy + psycopg 3."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from tests import pg_server
from tests.pg_server import postgres_url  # noqa: F401  (session fixture, found by name)


def test_round_trip(postgres_url: str) -> None:  # noqa: F811
    engine = sa.create_engine(postgres_url)
    try:
        with engine.begin() as conn:
            assert conn.execute(sa.text("SELECT 1")).scalar_one() == 1
            assert conn.execute(sa.text("SELECT current_database()")).scalar_one() == pg_server.DATABASE
            conn.execute(sa.text("CREATE TABLE probe (id serial PRIMARY KEY, note text NOT NULL)"))
            conn.execute(sa.text("INSERT INTO probe (note) VALUES (:a), (:b)"), [{"a": "first", "b": "second"}])
        with engine.connect() as conn:
            notes = conn.execute(sa.text("SELECT note FROM probe ORDER BY id")).scalars().all()
            assert notes == ["first", "second"]
            assert conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg"
        with engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE probe"))
    finally:
        engine.dispose()


def test_same_server_for_the_session(postgres_url: str) -> None:  # noqa: F811
    assert pg_server.start_postgres() == (postgres_url, "")


def test_skip_reason_without_binaries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(pg_server.ENV_URL, raising=False)
    monkeypatch.setattr(pg_server, "_server", None)
    monkeypatch.setattr(pg_server, "find_bin_dir", lambda: None)
    url, reason = pg_server.start_postgres()
    assert url is None
    assert "initdb" in reason and pg_server.ENV_URL in reason and "postgresql" in reason


def test_env_url_starts_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(pg_server.ENV_URL, "postgresql+psycopg://someone@db.example:5432/x")
    monkeypatch.setattr(pg_server, "_server", None)
    monkeypatch.setattr(pg_server, "find_bin_dir", lambda: pytest.fail("must not look for binaries"))
    assert pg_server.start_postgres() == ("postgresql+psycopg://someone@db.example:5432/x", "")
    pg_server.stop_postgres()  # nothing to stop
    assert os.environ[pg_server.ENV_URL].endswith("/x")


def test_find_bin_dir_finds_initdb_and_pg_ctl() -> None:
    found = pg_server.find_bin_dir()
    if found is None:
        pytest.skip("no PostgreSQL server binaries on this machine")
    assert (found / "initdb").is_file() and (found / "pg_ctl").is_file()
