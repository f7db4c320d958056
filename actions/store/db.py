"""Database engine, units of work and schema migrations for the application database."""
from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterator, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from actions.settings import get_settings

ALEMBIC_INI = Path(__file__).with_name("alembic.ini")
RETRY_PAUSES = (0.2, 0.5, 1.0, 2.0)  # seconds between attempts: a dropped connection recovers at once,
# a restarting database gets about four seconds before the trainee is told to send the message again
logger = logging.getLogger(__name__)
T = TypeVar("T")


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs (as Rasa uses them) and pick the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


@lru_cache(maxsize=4)
def get_engine(url: str | None = None) -> Engine:
    url = normalise_url(url or get_settings().database_url)
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
    # pool_pre_ping replaces connections that died while idle in the pool (a restarted server, a terminated
    # backend); a connection lost in the middle of a unit of work is for ``retrying``.
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10,
                         connect_args={"application_name": "qser"})


@contextmanager
def unit_of_work(url: str | None = None) -> Iterator[Session]:
    """A session whose changes are committed together at the end, or rolled back on error."""
    with Session(get_engine(url), expire_on_commit=False) as session:
        with session.begin():
            yield session


def retrying(work: Callable[[], T]) -> T:
    """Run ``work`` - whole units of work - again when the database connection failed under it.

    A failed unit of work was rolled back, so running it again is safe. Only if the connection broke
    during the commit may the first run have gone through; the turn's message id then makes the second
    run answer from the store instead of storing the turn twice. Other errors are raised at once.
    """
    for pause in RETRY_PAUSES:
        try:
            return work()
        except DBAPIError as error:
            if not (isinstance(error, OperationalError) or error.connection_invalidated):
                raise
            logger.warning("database unavailable (%s); trying again in %.1f s", type(error.orig).__name__, pause)
            time.sleep(pause)
    return work()


def migrate(url: str | None = None) -> None:
    """Bring the schema up to date (``alembic upgrade head``)."""
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("sqlalchemy.url", normalise_url(url or get_settings().database_url).replace("%", "%%"))
    get_engine(url)  # creates the SQLite folder if needed
    command.upgrade(config, "head")
