"""The journey store against real databases: an SQLite file and a throwaway PostgreSQL server (tests/pg_server.py).

Every test but the connection-drop ones (PostgreSQL only) runs on both backends, each on a fresh, empty
database: a new SQLite file per test, a new PostgreSQL database per test (CREATE DATABASE takes ~10 ms).
"""

from __future__ import annotations

import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from models.errors import StorageUnavailableError
from pipelines.enrichment.domain import Channel, ContentPart, SpeakerRole
from pipelines.journeys import tables as journey_tables
from pipelines.journeys.database import default_url
from pipelines.journeys.domain import (
    AlertRule,
    NewAlert,
    Outcome,
    RedactedPart,
    Redaction,
    StoredTouchpoint,
    TouchpointAttributes,
    TouchpointSignals,
)
from pipelines.journeys.scoring import ScoreState
from pipelines.journeys.store import JourneyStore
from tests.pg_server import postgres_url  # noqa: F401  (session fixture, found by name)

BASE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
RECORDED = datetime(2026, 3, 10, 12, 0, 0, 123000, tzinfo=UTC)
TABLES = {"touchpoints", "alerts", "customer_scores"}

AfterInsert = Callable[[Connection, frozenset[str]], tuple[list[NewAlert], dict[str, tuple[float, "ScoreState"]]]]


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh, empty database of ``backend`` (skips when there is no PostgreSQL server)."""
    if backend == "sqlite":
        yield default_url(tmp_path)
        return
    yield from _fresh_pg_database(request.getfixturevalue("postgres_url"))


@pytest.fixture
def pg_url(postgres_url: str) -> Iterator[str]:  # noqa: F811
    """A fresh, empty PostgreSQL database (for the tests that drop connections)."""
    yield from _fresh_pg_database(postgres_url)


def _fresh_pg_database(server_url: str) -> Iterator[str]:
    name = f"jm_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield sa.engine.make_url(server_url).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture
def store(db_url: str) -> Iterator[JourneyStore]:
    opened = JourneyStore.open(db_url)
    try:
        yield opened
    finally:
        opened.close()


# --- helpers -------------------------------------------------------------------------------------


def at(minutes: float) -> datetime:
    """BASE plus ``minutes``, at millisecond precision (what the store keeps)."""
    return BASE + timedelta(milliseconds=round(minutes * 60_000))


def tp(tid: str, customer: str = "c1", minutes: float = 0, **fields: object) -> StoredTouchpoint:
    return StoredTouchpoint(
        id=tid,
        customer_id=customer,
        channel=fields.pop("channel", Channel.CALL),  # type: ignore[arg-type]
        occurred_at=at(minutes),
        recorded_at=RECORDED,
        **fields,  # type: ignore[arg-type]
    )


def rich_touchpoint() -> StoredTouchpoint:
    """Every field set, optional floats included, unicode in ids and text."""
    return StoredTouchpoint(
        id="tp-ü-1",
        customer_id="cust-Ωmega",
        channel=Channel.CHAT,
        occurred_at=datetime(2026, 2, 28, 23, 59, 59, 999000, tzinfo=UTC),
        recorded_at=datetime(2026, 3, 1, 0, 0, 0, 1000, tzinfo=UTC),
        journey_id="j-42",
        stage="onboarding",
        outcome=Outcome.ESCALATED,
        attributes=TouchpointAttributes(
            ivr_path=("main", "billing", "agent"),
            page="/help/billing",
            hold_seconds=312.5,
            handle_seconds=1401.25,
            rating=2.0,
            rating_min=1.0,
            rating_max=5.0,
            extra={"queue": "billing-fr", "agent_team": "Zürich 🛠"},
        ),
        signals=TouchpointSignals(
            sentiment=-0.625,
            sentiment_label="negative",
            sentiment_shift=-0.75,
            sentiment_low=-0.9,
            customer_turns=3,
            corrections=1,
            intent="card_lost",
            intent_taxonomy="banking77",
            intent_confidence=0.8125,
            topics=("card", "fees"),
            rating=0.25,
            models=("sentiment.xlmr@v3", "intent.banking77@v2"),
        ),
        parts=(
            RedactedPart(ContentPart.TURN, 0, "Bonjour, j'ai perdu ma carte — c'est [EMAIL] ✉", SpeakerRole.CUSTOMER),
            RedactedPart(ContentPart.TURN, 1, "Je regarde, un instant.", SpeakerRole.AGENT),
            RedactedPart(ContentPart.TURN, 2, "Mon numéro: [PHONE]. 日本語もOK", SpeakerRole.CUSTOMER),
        ),
        redactions=(
            Redaction("EMAIL", "[EMAIL]", ContentPart.TURN, 0, 39, 56),
            Redaction("PHONE", "[PHONE]", ContentPart.TURN, 2, 12, 26),
        ),
    )


def by_id(store: JourneyStore, customer: str, tid: str) -> StoredTouchpoint:
    found = [t for t in store.touchpoints([customer])[customer] if t.id == tid]
    assert len(found) == 1, f"{tid} stored {len(found)} times"
    return found[0]


def ids_of(items: list[StoredTouchpoint]) -> list[str]:
    return [t.id for t in items]


def raising(alerts: list[NewAlert], scores: dict[str, float], calls: list[frozenset[str]] | None = None) -> AfterInsert:
    """An after_insert returning fixed alerts and scores (each with a running state naming its score)."""

    def derive(_conn: Connection, stored: frozenset[str]) -> tuple[list[NewAlert], dict[str, tuple[float, ScoreState]]]:
        if calls is not None:
            calls.append(stored)
        return alerts, {c: (s, ScoreState(1, s, 1.0, 2, f"k{s}")) for c, s in scores.items()}

    return derive


def new_alert(rule: AlertRule, customer: str, minutes: float, *tids: str, message: str = "m") -> NewAlert:
    return NewAlert(rule, customer, at(minutes), message, tids, "j1", {"why": message})


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- schema --------------------------------------------------------------------------------------


def test_migrate_is_idempotent_and_matches_metadata(store: JourneyStore, db_url: str) -> None:
    store.write([tp("a")])
    store.migrate()  # again, on the same store
    again = JourneyStore.open(db_url)  # and a second open (a replica starting later)
    try:
        assert again.count() == 1  # migrating again kept the data
    finally:
        again.close()
    config = Config()
    config.set_main_option("script_location", str(journey_tables.MIGRATIONS_DIR))
    assert ScriptDirectory.from_config(config).get_heads() == ["0001"]
    with store.engine.connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
        assert TABLES | {"alembic_version"} <= names
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all() == ["0001"]
        indexes = {i["name"] for i in sa.inspect(conn).get_indexes("touchpoints")}
        assert {"ix_touchpoints_customer_time", "ix_touchpoints_time"} <= indexes
        diff = compare_metadata(MigrationContext.configure(conn), journey_tables.metadata)
    assert diff == []


# --- write ---------------------------------------------------------------------------------------


def test_write_stores_new_ids_once_and_first_write_wins(store: JourneyStore) -> None:
    first = store.write([tp("a", minutes=1), tp("b", minutes=2, stage="first")])
    assert first.stored_ids == {"a", "b"}
    assert first.alerts == ()
    assert store.count() == 2

    retry = store.write([tp("a", minutes=1), tp("b", minutes=2, stage="first")])
    assert retry.stored_ids == frozenset()
    assert store.count() == 2

    mixed = store.write([tp("b", minutes=9, stage="second", outcome=Outcome.RESOLVED), tp("c", minutes=3)])
    assert mixed.stored_ids == {"c"}
    assert store.count() == 3
    assert store.existing_ids(["a", "b", "c", "zz"]) == {"a", "b", "c"}
    kept = by_id(store, "c1", "b")
    assert kept == tp("b", minutes=2, stage="first")  # the duplicate changed nothing

    assert store.write([]).stored_ids == frozenset()
    assert store.count() == 3


def test_round_trip_keeps_every_field(store: JourneyStore) -> None:
    rich = rich_touchpoint()
    bare = StoredTouchpoint("bare", rich.customer_id, Channel.WEB, at(5), RECORDED)  # every optional field empty
    assert store.write([rich, bare]).stored_ids == {rich.id, bare.id}
    back = store.touchpoints([rich.customer_id])[rich.customer_id]
    assert back == [rich, bare]
    assert back[0].occurred_at.tzinfo is not None and back[0].occurred_at.utcoffset() == timedelta(0)
    assert back[1].signals.sentiment is None and back[1].attributes.hold_seconds is None
    assert back[1].signals.rating is None and back[1].attributes.rating is None


# --- reads ---------------------------------------------------------------------------------------


def test_touchpoints_are_ordered_filtered_and_limited(store: JourneyStore) -> None:
    store.write([tp("t3", minutes=30, journey_id="j1"), tp("t5", minutes=50), tp("o1", "c2", minutes=10)])
    # Late arrivals in a later batch, dated earlier; t4a/t4b tie on occurred_at and are ordered by id.
    store.write(
        [
            tp("t4b", minutes=40, journey_id="j1"),
            tp("t1", minutes=10, journey_id="j1"),
            tp("t4a", minutes=40),
            tp("t2", minutes=20),
        ]
    )
    history = store.touchpoints(["c1", "c2", "nobody"])
    assert ids_of(history["c1"]) == ["t1", "t2", "t3", "t4a", "t4b", "t5"]
    assert ids_of(history["c2"]) == ["o1"]
    assert history["nobody"] == []
    assert store.touchpoints([]) == {}

    assert ids_of(store.touchpoints(["c1"], journey_id="j1")["c1"]) == ["t1", "t3", "t4b"]
    window = store.touchpoints(["c1"], start=at(20), end=at(40))["c1"]  # [start, end)
    assert ids_of(window) == ["t2", "t3"]
    assert ids_of(store.touchpoints(["c1"], start=at(40))["c1"]) == ["t4a", "t4b", "t5"]
    assert ids_of(store.touchpoints(["c1"], end=at(10))["c1"]) == []

    newest = store.touchpoints(["c1", "c2"], limit=3)
    assert ids_of(newest["c1"]) == ["t4a", "t4b", "t5"]  # the newest 3, oldest first
    assert ids_of(newest["c2"]) == ["o1"]
    assert ids_of(store.touchpoints(["c1"], end=at(45), limit=2)["c1"]) == ["t4a", "t4b"]

    assert store.customers_between(at(0), at(15)) == ["c1", "c2"]
    assert store.customers_between(at(15), None) == ["c1"]


def test_alerts_get_increasing_ids_and_filter(store: JourneyStore) -> None:
    calls: list[frozenset[str]] = []
    now1 = datetime(2026, 3, 3, 8, 0, 0, 250000, tzinfo=UTC)
    first = store.write(
        [tp("a1", "c1", 1), tp("b1", "c2", 2)],
        after_insert=raising(
            [
                new_alert(AlertRule.SCORE_DROP, "c1", 1, "a1", message="drop c1"),
                new_alert(AlertRule.CHURN_RISK_INTENT, "c2", 2, "b1", message="churn c2"),
            ],
            {"c1": 41.5, "c2": 60.0},
            calls,
        ),
        now=now1,
    )
    assert calls == [frozenset({"a1", "b1"})]
    ids1 = [a.id for a in first.alerts]
    assert ids1 == sorted(ids1) and len(set(ids1)) == 2 and ids1[0] >= 1
    drop = first.alerts[0]
    assert (drop.rule, drop.customer_id, drop.message, drop.touchpoint_ids) == (
        AlertRule.SCORE_DROP,
        "c1",
        "drop c1",
        ("a1",),
    )
    assert (drop.journey_id, dict(drop.details), drop.occurred_at, drop.raised_at) == (
        "j1",
        {"why": "drop c1"},
        at(1),
        now1,
    )
    assert store.last_scores(["c1", "c2", "c3"]) == {"c1": 41.5, "c2": 60.0}

    second = store.write(
        [tp("a2", "c1", 30), tp("c1x", "c3", 40)],
        after_insert=raising(
            [
                new_alert(AlertRule.REPEAT_UNRESOLVED, "c1", 30, "a1", "a2"),
                new_alert(AlertRule.SCORE_DROP, "c3", 40, "c1x"),
            ],
            {"c1": 20.25, "c3": 50.0},
            calls,
        ),
    )
    ids2 = [a.id for a in second.alerts]
    assert min(ids2) > max(ids1) and ids2 == sorted(ids2)
    assert store.last_scores(["c1", "c2", "c3"]) == {"c1": 20.25, "c2": 60.0, "c3": 50.0}  # upserted
    with store.engine.begin() as conn:
        states = store.score_states(["c1", "c3", "c4"], conn=conn)
    assert states["c1"] == ScoreState(1, 20.25, 1.0, 2, "k20.25") and states["c4"] is None

    # A retry stores nothing, so after_insert is not called and nothing is raised twice.
    retry = store.write(
        [tp("a2", "c1", 30)], after_insert=raising([new_alert(AlertRule.SCORE_DROP, "c1", 30)], {}, calls)
    )
    assert retry.stored_ids == frozenset() and retry.alerts == () and len(calls) == 2

    everything = store.alerts()
    assert everything == [*first.alerts, *second.alerts]
    assert [a.id for a in store.alerts(customer_id="c1")] == [ids1[0], ids2[0]]
    assert [a.id for a in store.alerts(rules=[AlertRule.SCORE_DROP])] == [ids1[0], ids2[1]]
    assert [a.id for a in store.alerts(customer_id="c1", rules=[AlertRule.REPEAT_UNRESOLVED])] == [ids2[0]]
    rules = [AlertRule.CHURN_RISK_INTENT, AlertRule.REPEAT_UNRESOLVED]
    assert [a.id for a in store.alerts(rules=rules)] == [ids1[1], ids2[0]]
    # Paging by after_id.
    page1 = store.alerts(limit=3)
    page2 = store.alerts(after_id=page1[-1].id, limit=3)
    assert [a.id for a in page1 + page2] == [a.id for a in everything] and len(page2) == 1
    assert store.alerts(after_id=everything[-1].id) == []
    # Time range on occurred_at, [start, end).
    assert [a.id for a in store.alerts(start=at(2), end=at(40))] == [ids1[1], ids2[0]]
    assert [a.id for a in store.alerts(start=at(30))] == ids2
    assert [a.id for a in store.alerts(end=at(2))] == [ids1[0]]


def test_after_insert_sees_the_new_rows_in_its_transaction(store: JourneyStore) -> None:
    store.write([tp("old", minutes=1)])
    seen: list[list[str]] = []

    def derive(conn: Connection, stored: frozenset[str]) -> tuple[list[NewAlert], dict[str, float]]:
        seen.append(ids_of(store.touchpoints(["c1"], conn=conn)["c1"]))
        return [], {}

    store.write([tp("old", minutes=1), tp("new", minutes=2)], after_insert=derive)
    assert seen == [["old", "new"]]


def test_failing_after_insert_stores_nothing(store: JourneyStore) -> None:
    store.write([tp("kept", minutes=0)], after_insert=raising([new_alert(AlertRule.SCORE_DROP, "c1", 0)], {"c1": 1.0}))

    def boom(_conn: Connection, _stored: frozenset[str]) -> tuple[list[NewAlert], dict[str, float]]:
        raise RuntimeError("rule failed")

    with pytest.raises(RuntimeError, match="rule failed"):
        store.write([tp("x1", minutes=1), tp("x2", "c2", minutes=2)], after_insert=boom)
    assert store.count() == 1
    assert store.existing_ids(["x1", "x2"]) == set()
    assert len(store.alerts()) == 1
    assert store.last_scores(["c1", "c2"]) == {"c1": 1.0}

    # A failure after the alerts are inserted (the scores upsert) rolls back alerts and touchpoints alike.
    bad_scores = raising([new_alert(AlertRule.SCORE_DROP, "c2", 2)], {"c2": None})  # type: ignore[dict-item]
    with pytest.raises(sa.exc.IntegrityError):
        store.write([tp("x1", minutes=1), tp("x2", "c2", minutes=2)], after_insert=bad_scores)
    assert store.count() == 1 and len(store.alerts()) == 1 and store.last_scores(["c2"]) == {}

    # The same batch then goes in whole.
    result = store.write([tp("x1", minutes=1), tp("x2", "c2", minutes=2)])
    assert result.stored_ids == {"x1", "x2"} and store.count() == 3


# --- outages -------------------------------------------------------------------------------------


def assert_unavailable(exc: pytest.ExceptionInfo[StorageUnavailableError], safe_url: str) -> None:
    message = str(exc.value)
    assert safe_url in message, message
    assert "nothing of this call was stored" in message and "retry" in message, message
    assert exc.value.__cause__ is not None


def test_outage_raises_storage_unavailable(backend: str, tmp_path: Path) -> None:
    if backend == "postgresql":
        port = free_port()  # nothing listens there
        url = f"postgresql+psycopg://postgres:s3cret@127.0.0.1:{port}/x"
        safe = f"postgresql+psycopg://postgres:***@127.0.0.1:{port}/x"
        with pytest.raises(StorageUnavailableError) as opening:
            JourneyStore.open(url)  # migrate at open
        assert_unavailable(opening, safe)
        store = JourneyStore.open(url, migrate=False)
    else:
        blocker = tmp_path / "not-a-dir"
        blocker.write_text("a file where the data dir should be")
        url = default_url(blocker)
        safe = url
        with pytest.raises(StorageUnavailableError) as opening:
            JourneyStore.open(url)
        assert_unavailable(opening, safe)
        store = JourneyStore.open(url, migrate=False)
    try:
        assert "s3cret" not in store.safe_url
        for call in (
            store.count,
            lambda: store.write([tp("a")]),
            lambda: store.touchpoints(["c1"]),
            lambda: store.alerts(),
            lambda: store.existing_ids(["a"]),
        ):
            with pytest.raises(StorageUnavailableError) as exc:
                call()
            assert_unavailable(exc, safe)
            assert "s3cret" not in str(exc.value)
    finally:
        store.close()


def test_sqlite_database_gone_after_open(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    store = JourneyStore.open(default_url(data_dir))
    try:
        store.write([tp("a")])
        store.close()  # no pooled connection keeps the old file open
        for f in data_dir.iterdir():
            f.unlink()
        data_dir.rmdir()
        data_dir.write_text("the data dir is now a file")
        with pytest.raises(StorageUnavailableError) as exc:
            store.write([tp("b")])
        assert_unavailable(exc, default_url(data_dir))
    finally:
        store.close()


# --- dropped connections (PostgreSQL) ------------------------------------------------------------

TERMINATE_OTHERS = (
    "SELECT pid, pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


def backend_pid(conn: Connection) -> int:
    return int(conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())


def test_retry_after_dropped_connections(pg_url: str) -> None:
    store = JourneyStore.open(pg_url)
    killer = sa.create_engine(pg_url, poolclass=sa.pool.NullPool)
    try:
        pids: list[int] = []

        def note_pid(conn: Connection, _stored: frozenset[str]) -> tuple[list[NewAlert], dict[str, float]]:
            pids.append(backend_pid(conn))
            return [], {}

        batch = [tp(f"a{i:03}", f"c{i % 7}", i) for i in range(50)]
        assert len(store.write(batch, after_insert=note_pid).stored_ids) == 50
        with killer.connect() as conn:
            killed = dict(conn.execute(sa.text(TERMINATE_OTHERS)).tuples().all())
        assert pids[0] in killed and all(killed.values())  # the store's pooled connection is gone

        more = [tp(f"b{i:03}", f"c{i % 7}", 100 + i) for i in range(30)]
        retry = store.write(batch + more, after_insert=note_pid)  # pool_pre_ping replaces the dead connection
        assert retry.stored_ids == {t.id for t in more}
        assert pids[1] != pids[0]
        assert store.count() == 80
        with store.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(DISTINCT id) FROM touchpoints")).scalar_one() == 80
    finally:
        killer.dispose()
        store.close()


def test_connection_killed_mid_transaction_stores_nothing(pg_url: str) -> None:
    store = JourneyStore.open(pg_url)
    killer = sa.create_engine(pg_url, poolclass=sa.pool.NullPool)
    try:
        store.write([tp("before", "c0", 0)])
        batch = [tp(f"t{i:03}", f"c{i % 5}", 1 + i) for i in range(40)]
        alerts = [new_alert(AlertRule.SCORE_DROP, "c1", 2, "t001")]

        def kill_own_connection(conn: Connection, stored: frozenset[str]) -> tuple[list[NewAlert], dict[str, float]]:
            assert len(stored) == 40
            pid = backend_pid(conn)
            with killer.connect() as other:
                assert other.execute(sa.text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid}).scalar_one()
            return alerts, {"c1": 10.0}

        with pytest.raises(StorageUnavailableError) as exc:
            store.write(batch, after_insert=kill_own_connection)
        assert_unavailable(exc, store.safe_url)
        assert store.count() == 1
        assert store.existing_ids([t.id for t in batch]) == set()
        assert store.alerts() == [] and store.last_scores(["c1"]) == {}

        retry = store.write(batch, after_insert=raising(alerts, {"c1": 10.0}))
        assert retry.stored_ids == {t.id for t in batch} and len(retry.alerts) == 1
        assert store.count() == 41 and len(store.alerts()) == 1 and store.last_scores(["c1"]) == {"c1": 10.0}
        assert store.write(batch).stored_ids == frozenset()
        assert store.count() == 41
    finally:
        killer.dispose()
        store.close()


# --- concurrency ---------------------------------------------------------------------------------


@pytest.mark.parametrize("second_order", ["same", "reversed"])
def test_concurrent_overlapping_writes_store_each_id_once(store: JourneyStore, second_order: str) -> None:
    ids = [f"id{i:04}" for i in range(1200)]
    batches = [ids[:900], ids[300:]]
    if second_order == "reversed":
        batches[1] = batches[1][::-1]
    barrier = threading.Barrier(2)
    results: list[frozenset[str]] = [frozenset(), frozenset()]
    errors: list[BaseException] = []

    def hold(_conn: Connection, _stored: frozenset[str]) -> tuple[list[NewAlert], dict[str, float]]:
        threading.Event().wait(0.05)  # keep the transaction (and its row locks) open a little
        return [], {}

    def writer(k: int) -> None:
        try:
            items = [tp(i, f"c{int(i[2:]) % 50}", int(i[2:])) for i in batches[k]]
            barrier.wait(timeout=10)
            results[k] = store.write(items, after_insert=hold).stored_ids
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert results[0] | results[1] == set(ids)
    assert results[0] & results[1] == set()
    assert store.count() == len(ids)
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(DISTINCT id) FROM touchpoints")).scalar_one() == len(ids)
