"""Alembic environment: runs on the connection ``JourneyStore.migrate`` hands in (never a URL from a file).

A new revision: change the tables in ``pipelines/journeys/tables.py``, then
``.venv/bin/alembic -c pipelines/journeys/migrations/alembic.ini revision --autogenerate -m "what changed"``
against a scratch SQLite file, and review the generated script.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from pipelines.journeys.tables import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # the alembic CLI: a scratch database named in alembic.ini or -x url=...
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("no database: pass -x url=sqlite:///scratch.db or set sqlalchemy.url in alembic.ini")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
