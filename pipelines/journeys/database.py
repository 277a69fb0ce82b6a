"""The journey store's database engine: URL checks, the embedded SQLite default and its pragmas."""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine


def default_url(data_dir: Path) -> str:
    """The embedded default: a SQLite file ``<data_dir>/journeys.db``."""
    return f"sqlite:///{(data_dir / 'journeys.db').as_posix()}"


def make_engine(url: str) -> Engine:
    """An engine for ``url`` (``sqlite:///path`` or ``postgresql+psycopg://...``); connects lazily.

    Raises ValueError for a URL SQLAlchemy cannot parse.
    """
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise ValueError(
            f"journeys.url {url!r} is not a database URL; use sqlite:///path/to/journeys.db or "
            "postgresql+psycopg://user:password@host:5432/dbname"
        ) from exc
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            with suppress(OSError):  # a folder that cannot be made fails at connect: StorageUnavailableError
                Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    engine = sa.create_engine(parsed, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    # WAL: readers never block the writer; NORMAL sync is durable across application crashes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
