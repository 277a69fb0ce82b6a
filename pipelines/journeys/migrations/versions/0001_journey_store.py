"""The journey store: touchpoints, alerts, customer_scores.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "touchpoints",
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
        sa.Column("signals_json", sa.Text, nullable=False, server_default="{}"),
        sa.Column("attributes_json", sa.Text, nullable=False, server_default="{}"),
        sa.Column("content_json", sa.Text, nullable=False, server_default="{}"),
    )
    op.create_index("ix_touchpoints_customer_time", "touchpoints", ["customer_id", "occurred_ms"])
    op.create_index("ix_touchpoints_time", "touchpoints", ["occurred_ms"])
    op.create_table(
        "alerts",
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
    op.create_index("ix_alerts_customer", "alerts", ["customer_id", "id"])
    op.create_table(
        "customer_scores",
        sa.Column("customer_id", sa.String(256), primary_key=True),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("updated_ms", sa.BigInteger, nullable=False),
        sa.Column("ref_ms", sa.BigInteger, nullable=True),
        sa.Column("num", sa.Float, nullable=True),
        sa.Column("den", sa.Float, nullable=True),
        sa.Column("last_ms", sa.BigInteger, nullable=True),
        sa.Column("config_key", sa.String(32), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("customer_scores")
    op.drop_index("ix_alerts_customer", table_name="alerts")
    op.drop_table("alerts")
    op.drop_index("ix_touchpoints_time", table_name="touchpoints")
    op.drop_index("ix_touchpoints_customer_time", table_name="touchpoints")
    op.drop_table("touchpoints")
