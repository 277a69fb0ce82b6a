"""The journey store's schema: its tables, and the Alembic migrations that own them.

``metadata`` is what ``migrations/env.py`` compares a database against: a change here needs a new
revision under ``migrations/versions`` (see that env.py), or the store and the migrated schema drift apart.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

metadata = sa.MetaData()

touchpoints = sa.Table(
    "touchpoints",
    metadata,
    sa.Column("id", sa.String(256), primary_key=True),
    sa.Column("customer_id", sa.String(256), nullable=False),
    sa.Column("journey_id", sa.String(256), nullable=False, server_default=""),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("occurred_ms", sa.BigInteger, nullable=False),
    sa.Column("recorded_ms", sa.BigInteger, nullable=False),
    sa.Column("stage", sa.String(256), nullable=False, server_default=""),
    sa.Column("outcome", sa.String(32), nullable=False, server_default="unspecified"),
    sa.Column("sentiment", sa.Float, nullable=True),
    sa.Column("sentiment_shift", sa.Float, nullable=True),
    sa.Column("intent", sa.String(256), nullable=False, server_default=""),
    sa.Column("rating", sa.Float, nullable=True),
    sa.Column("hold_seconds", sa.Float, nullable=True),
    sa.Column("handle_seconds", sa.Float, nullable=True),
    # JSON text: the rest of the signals, attributes and redacted content (read back whole, never queried).
    sa.Column("signals_json", sa.Text, nullable=False, server_default="{}"),
    sa.Column("attributes_json", sa.Text, nullable=False, server_default="{}"),
    sa.Column("content_json", sa.Text, nullable=False, server_default="{}"),
)
sa.Index("ix_touchpoints_customer_time", touchpoints.c.customer_id, touchpoints.c.occurred_ms)
sa.Index("ix_touchpoints_time", touchpoints.c.occurred_ms)

alerts = sa.Table(
    "alerts",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("rule", sa.String(64), nullable=False),
    sa.Column("customer_id", sa.String(256), nullable=False),
    sa.Column("journey_id", sa.String(256), nullable=False, server_default=""),
    sa.Column("occurred_ms", sa.BigInteger, nullable=False),
    sa.Column("raised_ms", sa.BigInteger, nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("touchpoint_ids_json", sa.Text, nullable=False, server_default="[]"),
    sa.Column("details_json", sa.Text, nullable=False, server_default="{}"),
)
sa.Index("ix_alerts_customer", alerts.c.customer_id, alerts.c.id)

# Each customer's last score and the running state behind it (pipelines/journeys/scoring.py, ScoreState):
# a batch in time order folds its contacts into the state instead of re-reading the history.
customer_scores = sa.Table(
    "customer_scores",
    metadata,
    sa.Column("customer_id", sa.String(256), primary_key=True),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("updated_ms", sa.BigInteger, nullable=False),
    sa.Column("ref_ms", sa.BigInteger, nullable=True),
    sa.Column("num", sa.Float, nullable=True),
    sa.Column("den", sa.Float, nullable=True),
    sa.Column("last_ms", sa.BigInteger, nullable=True),
    sa.Column("config_key", sa.String(32), nullable=True),
)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
