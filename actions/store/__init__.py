"""The progress store: trainees, attempts and turns (SQLAlchemy 2.0, Alembic migrations)."""
