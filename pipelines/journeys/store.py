"""The journey store: touchpoints, alerts and each customer's last score, in SQL.

SQLite (a file under the data dir) is the embedded default; PostgreSQL by URL for production
and several replicas. SQLAlchemy Core, with the schema owned by Alembic migrations in
``pipelines/journeys/migrations`` (run at open, under an advisory lock on PostgreSQL, so replicas
starting together migrate once).

A batch is written in one transaction: its new touchpoints, the alerts they raise and the
customers' new scores commit together or not at all, so a batch retried after a dropped
connection stores every touchpoint exactly once (the id is the primary key; an id already
stored is reported as a duplicate and left as it was).

Times are stored as integer epoch milliseconds (UTC): portable, indexable, ordered.

Beside it: the schema in ``tables.py``, rows <-> domain objects in ``rows.py``, the engine (URL checks,
SQLite pragmas) in ``database.py``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from models.errors import StorageUnavailableError
from pipelines.journeys.database import make_engine
from pipelines.journeys.domain import Alert, AlertRule, NewAlert, StoredTouchpoint
from pipelines.journeys.rows import alert_of, from_ms, row_of, to_ms, touchpoint_of
from pipelines.journeys.scoring import ScoreState
from pipelines.journeys.tables import MIGRATIONS_DIR, alerts, customer_scores, touchpoints

log = logging.getLogger(__name__)

# Any 64-bit number, the same in every replica: serialises their migrations on PostgreSQL.
_MIGRATION_LOCK = 0x6A6D_6A6F_7572_6E79

T = TypeVar("T")


@dataclass(frozen=True)
class WriteResult:
    stored_ids: frozenset[str]
    alerts: tuple[Alert, ...]


class JourneyStore:
    """Reads and writes journeys; every method is one transaction. Safe to share across threads."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name

    # --- opening ---------------------------------------------------------------------------------

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> JourneyStore:
        """Connect to ``url`` (``sqlite:///path`` or ``postgresql+psycopg://...``) and bring the schema to head.

        Raises StorageUnavailableError naming the URL (without its password) when the database cannot be
        reached, and ValueError for a URL SQLAlchemy cannot parse.
        """
        store = cls(make_engine(url))
        if migrate:
            store.migrate()
        return store

    def migrate(self) -> None:
        """Upgrade the schema to the newest Alembic revision (a no-op when it is there already)."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        with self._guard(), self.engine.begin() as conn:
            if self.dialect == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    def close(self) -> None:
        self.engine.dispose()

    @property
    def safe_url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    # --- writes ----------------------------------------------------------------------------------

    def existing_ids(self, ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` are stored already."""
        found: set[str] = set()
        with self._guard(), self.engine.connect() as conn:
            for chunk in _chunks(list(ids), 500):
                rows = conn.execute(sa.select(touchpoints.c.id).where(touchpoints.c.id.in_(chunk)))
                found.update(r[0] for r in rows)
        return found

    def write(
        self,
        items: Sequence[StoredTouchpoint],
        *,
        after_insert: Callable[[Connection, frozenset[str]], tuple[list[NewAlert], dict[str, tuple[float, ScoreState]]]]
        | None = None,
        now: datetime | None = None,
    ) -> WriteResult:
        """Insert the touchpoints whose ids are new, then (same transaction) the alerts and scores ``after_insert``
        derives from them. Ids already stored are skipped and not in ``stored_ids``."""
        now_ms = to_ms(now or datetime.now(UTC))
        with self._guard(), self.engine.begin() as conn:
            stored: set[str] = set()
            rows = sorted((row_of(item) for item in items), key=lambda r: r["id"])  # one lock order: no deadlocks
            for chunk in _chunks(rows, 500):
                stmt = self._insert_ignore(touchpoints).returning(touchpoints.c.id)
                stored.update(r[0] for r in conn.execute(stmt, chunk))
            frozen = frozenset(stored)
            raised: list[Alert] = []
            if after_insert is not None and frozen:
                new_alerts, scores = after_insert(conn, frozen)
                raised = self._insert_alerts(conn, new_alerts, now_ms)
                self._upsert_scores(conn, scores, now_ms)
        return WriteResult(frozen, tuple(raised))

    def _insert_ignore(self, table: sa.Table) -> Any:
        if self.dialect == "postgresql":
            return postgresql.insert(table).on_conflict_do_nothing(index_elements=["id"])
        if self.dialect == "sqlite":
            return sqlite.insert(table).on_conflict_do_nothing(index_elements=["id"])
        raise ValueError(f"unsupported database dialect {self.dialect!r}; use sqlite or postgresql")

    def _insert_alerts(self, conn: Connection, new: Sequence[NewAlert], now_ms: int) -> list[Alert]:
        out: list[Alert] = []
        for alert in new:
            row = {
                "rule": alert.rule.value,
                "customer_id": alert.customer_id,
                "journey_id": alert.journey_id,
                "occurred_ms": to_ms(alert.occurred_at),
                "raised_ms": now_ms,
                "message": alert.message,
                "touchpoint_ids_json": json.dumps(list(alert.touchpoint_ids)),
                "details_json": json.dumps(dict(alert.details), sort_keys=True),
            }
            alert_id = conn.execute(alerts.insert().returning(alerts.c.id), row).scalar_one()
            out.append(alert_of({**row, "id": alert_id}))
        return out

    def _upsert_scores(self, conn: Connection, scores: Mapping[str, tuple[float, ScoreState]], now_ms: int) -> None:
        if not scores:
            return
        rows = [
            {
                "customer_id": c,
                "score": score,
                "updated_ms": now_ms,
                "ref_ms": state.ref_ms,
                "num": state.num,
                "den": state.den,
                "last_ms": state.last_ms,
                "config_key": state.config_key,
            }
            for c, (score, state) in sorted(scores.items())
        ]
        insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        stmt = insert(customer_scores)
        columns = ("score", "updated_ms", "ref_ms", "num", "den", "last_ms", "config_key")
        stmt = stmt.on_conflict_do_update(
            index_elements=["customer_id"], set_={name: stmt.excluded[name] for name in columns}
        )
        conn.execute(stmt, rows)

    def score_states(self, customer_ids: Iterable[str], *, conn: Connection) -> dict[str, ScoreState | None]:
        """Each customer's running score state (None: no usable state yet), locked for this transaction.

        On PostgreSQL the rows are created if missing and locked FOR UPDATE in customer order, so two
        replicas recording the same customer fold their batches in one after the other. SQLite has
        one writer at a time already (this runs after the batch's insert took the write lock).
        """
        ids = sorted(set(customer_ids))
        out: dict[str, ScoreState | None] = dict.fromkeys(ids)
        if self.dialect == "postgresql" and ids:
            placeholders = [{"customer_id": c, "score": 50.0, "updated_ms": 0} for c in ids]
            conn.execute(postgresql.insert(customer_scores).on_conflict_do_nothing(), placeholders)
        for chunk in _chunks(ids, 500):
            query = sa.select(customer_scores).where(customer_scores.c.customer_id.in_(chunk))
            query = query.order_by(customer_scores.c.customer_id).with_for_update()
            for row in conn.execute(query).mappings():
                if row["num"] is not None and row["den"] is not None and row["ref_ms"] is not None:
                    out[row["customer_id"]] = ScoreState(
                        row["ref_ms"], row["num"], row["den"], row["last_ms"], row["config_key"] or ""
                    )
        return out

    # --- reads -----------------------------------------------------------------------------------

    def touchpoints(
        self,
        customer_ids: Iterable[str],
        *,
        journey_id: str = "",
        start: datetime | None = None,
        end: datetime | None = None,
        conn: Connection | None = None,
        limit: int | None = None,
    ) -> dict[str, list[StoredTouchpoint]]:
        """Each customer's touchpoints in ``[start, end)``, ordered by occurred_at then id (late arrivals in place).

        With ``limit``, the newest ``limit`` of each customer (still returned oldest first).
        """
        ids = sorted(set(customer_ids))
        out: dict[str, list[StoredTouchpoint]] = {c: [] for c in ids}
        if not ids:
            return out
        with self._connection(conn) as c:
            for chunk in _chunks(ids, 500):
                query = sa.select(touchpoints).where(touchpoints.c.customer_id.in_(chunk))
                if journey_id:
                    query = query.where(touchpoints.c.journey_id == journey_id)
                if start is not None:
                    query = query.where(touchpoints.c.occurred_ms >= to_ms(start))
                if end is not None:
                    query = query.where(touchpoints.c.occurred_ms < to_ms(end))
                if limit is not None and len(chunk) == 1:
                    # One customer (GetCustomerScore): the index hands over just the newest ``limit`` rows.
                    newest = query.order_by(touchpoints.c.occurred_ms.desc(), touchpoints.c.id.desc()).limit(limit)
                    rows = list(c.execute(newest).mappings())[::-1]
                else:
                    query = query.order_by(touchpoints.c.customer_id, touchpoints.c.occurred_ms, touchpoints.c.id)
                    rows = list(c.execute(query).mappings())
                for row in rows:
                    out[row["customer_id"]].append(touchpoint_of(row))
        if limit is not None:
            out = {k: v[-limit:] for k, v in out.items()}
        return out

    def customers_between(self, start: datetime | None, end: datetime | None) -> list[str]:
        """Customers with a touchpoint in ``[start, end)``."""
        query = sa.select(touchpoints.c.customer_id).distinct()
        if start is not None:
            query = query.where(touchpoints.c.occurred_ms >= to_ms(start))
        if end is not None:
            query = query.where(touchpoints.c.occurred_ms < to_ms(end))
        with self._guard(), self.engine.connect() as conn:
            return sorted(r[0] for r in conn.execute(query))

    def topic_events(
        self, start: datetime, end: datetime, *, conn: Connection | None = None
    ) -> list[tuple[str, datetime, tuple[str, ...]]]:
        """(customer_id, occurred_at, topics) of every text-bearing touchpoint in ``[start, end)``."""
        query = (
            sa.select(touchpoints.c.customer_id, touchpoints.c.occurred_ms, touchpoints.c.signals_json)
            .where(touchpoints.c.occurred_ms >= to_ms(start), touchpoints.c.occurred_ms < to_ms(end))
            .where(touchpoints.c.content_json != "{}")
        )
        with self._connection(conn) as c:
            return [(r[0], from_ms(r[1]), tuple(json.loads(r[2]).get("topics", ()))) for r in c.execute(query).all()]

    def last_scores(self, customer_ids: Iterable[str], *, conn: Connection | None = None) -> dict[str, float]:
        ids = sorted(set(customer_ids))
        out: dict[str, float] = {}
        with self._connection(conn) as c:
            for chunk in _chunks(ids, 500):
                query = sa.select(customer_scores.c.customer_id, customer_scores.c.score).where(
                    customer_scores.c.customer_id.in_(chunk)
                )
                out.update({r[0]: r[1] for r in c.execute(query)})
        return out

    def alerts(
        self,
        *,
        customer_id: str = "",
        rules: Iterable[AlertRule] = (),
        after_id: int = 0,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = 100,
    ) -> list[Alert]:
        """Alerts with id > ``after_id``, oldest first, optionally for one customer, some rules, a time range."""
        query = sa.select(alerts).where(alerts.c.id > after_id)
        if customer_id:
            query = query.where(alerts.c.customer_id == customer_id)
        rule_values = [r.value for r in rules]
        if rule_values:
            query = query.where(alerts.c.rule.in_(rule_values))
        if start is not None:
            query = query.where(alerts.c.occurred_ms >= to_ms(start))
        if end is not None:
            query = query.where(alerts.c.occurred_ms < to_ms(end))
        query = query.order_by(alerts.c.id).limit(limit)
        with self._guard(), self.engine.connect() as conn:
            return [alert_of(dict(r)) for r in conn.execute(query).mappings()]

    def latest_alert_id(self) -> int:
        """The id of the newest alert (0 when there is none): where a watch "from now" starts."""
        with self._guard(), self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(alerts.c.id), 0))).scalar_one())

    def count(self) -> int:
        with self._guard(), self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(touchpoints)).scalar_one())

    # --- plumbing --------------------------------------------------------------------------------

    @contextmanager
    def _connection(self, conn: Connection | None) -> Iterator[Connection]:
        if conn is not None:
            yield conn
            return
        with self._guard(), self.engine.connect() as fresh:
            yield fresh

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Database outages become StorageUnavailableError (UNAVAILABLE: the caller retries the batch)."""
        try:
            yield
        except DBAPIError as exc:  # OperationalError is one; other DBAPI errors count only on a lost connection
            if not (exc.connection_invalidated or isinstance(exc, OperationalError)):
                raise
            log.warning("journey store unavailable (%s): %s", self.safe_url, exc.orig)
            raise StorageUnavailableError(
                f"the journey store at {self.safe_url} is unavailable; nothing of this call was stored, retry it"
            ) from exc


def _chunks(items: list[T], size: int) -> Iterator[list[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
