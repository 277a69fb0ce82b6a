"""Alembic migrations of the journey store (``JourneyStore.migrate`` runs them at open)."""
