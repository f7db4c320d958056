"""Database engine, units of work and schema migrations for the application database."""
from __future__ import annotations

from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from actions.settings import get_settings

ALEMBIC_INI = Path(__file__).with_name("alembic.ini")


def _normalise(url: str) -> str:
    """Accept plain ``postgresql://`` URLs (as Rasa uses them) and pick the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


@lru_cache(maxsize=4)
def get_engine(url: str | None = None) -> Engine:
    url = _normalise(url or get_settings().database_url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # WAL lets readers work while a turn is written
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


@contextmanager
def unit_of_work(url: str | None = None) -> Iterator[Session]:
    """A session whose changes are committed together at the end, or rolled back on error."""
    with Session(get_engine(url), expire_on_commit=False) as session:
        with session.begin():
            yield session


def migrate(url: str | None = None) -> None:
    """Bring the schema up to date (``alembic upgrade head``)."""
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("sqlalchemy.url", _normalise(url or get_settings().database_url).replace("%", "%%"))
    get_engine(url)  # creates the SQLite folder if needed
    command.upgrade(config, "head")
