"""Journeys over a real store (SQLite and PostgreSQL) with structured touchpoints only: no enricher, no models."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from pipelines.enrichment.domain import Channel
from pipelines.journeys.domain import AlertRule, Outcome, RecordStatus, Touchpoint, TouchpointAttributes
from pipelines.journeys.journeys import Journeys, RecordedBatch
from pipelines.journeys.pii import Redactor
from pipelines.journeys.store import JourneyStore
from tests.pg_server import postgres_url  # noqa: F401  (session fixture, found by name)
from tests.pipelines.journeys.test_journey_store import backend, db_url  # noqa: F401  (fixtures, found by name)

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def journeys(db_url: str) -> Iterator[Journeys]:  # noqa: F811
    store = JourneyStore.open(db_url)
    try:
        yield Journeys(store=store, enrich=None, redactor=Redactor(nlp=None), clock=lambda: NOW)
    finally:
        store.close()


def touch(tid: str, customer: str, days_ago: float, **fields: object) -> Touchpoint:
    occurred = NOW - timedelta(milliseconds=round(days_ago * 86_400_000))
    return Touchpoint(id=tid, customer_id=customer, channel=Channel.CALL, occurred_at=occurred, **fields)  # type: ignore[arg-type]


def statuses(batch: RecordedBatch) -> list[tuple[str, RecordStatus]]:
    return [(r.touchpoint_id, r.status) for r in batch.results]


def test_record_stores_once_and_reports_duplicates(journeys: Journeys) -> None:
    batch = [
        touch("t1", "c1", 3, outcome=Outcome.UNRESOLVED, attributes=TouchpointAttributes(hold_seconds=600.0)),
        touch("t2", "c1", 2, outcome=Outcome.CANCELLATION),
        touch("t1", "c1", 1, outcome=Outcome.RESOLVED),  # the same id again in this batch
        touch("t3", "c2", 1, attributes=TouchpointAttributes(rating=5.0, rating_min=1.0, rating_max=5.0)),
    ]
    first = journeys.record(batch)
    assert statuses(first) == [
        ("t1", RecordStatus.STORED),
        ("t2", RecordStatus.STORED),
        ("t1", RecordStatus.DUPLICATE),
        ("t3", RecordStatus.STORED),
    ]
    assert journeys.store.count() == 3
    assert journeys.journey("c1")[0].outcome == Outcome.UNRESOLVED  # the first of the repeated id is the one kept
    churn = [a for a in first.alerts if a.rule == AlertRule.CHURN_RISK_INTENT]
    assert [a.touchpoint_ids for a in churn] == [("t2",)]
    assert journeys.list_alerts() == list(first.alerts)

    retry = journeys.record(batch)
    assert statuses(retry) == [(tp.id, RecordStatus.DUPLICATE) for tp in batch]
    assert retry.alerts == ()
    assert journeys.store.count() == 3
    assert journeys.list_alerts() == list(first.alerts)

    mixed = journeys.record([touch("t4", "c2", 0.5), touch("t3", "c2", 1)])
    assert statuses(mixed) == [("t4", RecordStatus.STORED), ("t3", RecordStatus.DUPLICATE)]
    assert journeys.store.count() == 4
    assert set(journeys.store.last_scores(["c1", "c2"])) == {"c1", "c2"}


def test_score_and_journey(journeys: Journeys) -> None:
    journeys.record([touch("late-2", "c1", 1, outcome=Outcome.RESOLVED), touch("x", "c1", 5, journey_id="j1")])
    journeys.record([touch("late-1", "c1", 4, outcome=Outcome.ABANDONED)])  # a late arrival, dated earlier

    assert journeys.score("nobody") is None
    assert journeys.score("c1", journey_id="no-such-journey") is None
    assert journeys.score("c1", as_of=NOW - timedelta(days=10)) is None  # nothing before as_of

    score = journeys.score("c1")
    assert score is not None
    assert score.customer_id == "c1" and score.touchpoint_count == 3 and score.as_of == NOW
    assert 0.0 <= score.low <= score.score <= score.high <= 100.0
    assert score.score == pytest.approx(journeys.store.last_scores(["c1"])["c1"])

    assert [t.id for t in journeys.journey("c1")] == ["x", "late-1", "late-2"]
    assert [t.id for t in journeys.journey("c1", journey_id="j1")] == ["x"]
    assert [t.id for t in journeys.journey("c1", start=NOW - timedelta(days=4))] == ["late-1", "late-2"]
    assert journeys.journey("nobody") == []
