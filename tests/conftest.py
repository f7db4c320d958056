"""Shared fixtures. Tests never touch the developer's own database: QSER_VAR_DIR points at a temporary folder.

The stack fixtures (a trained model, the action server and the Rasa server as real processes, per
database backend) are session-wide, shared by the end-to-end and the Telegram tests.
"""
from __future__ import annotations

import os
import shutil
import socket
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

os.environ.setdefault("QSER_VAR_DIR", tempfile.mkdtemp(prefix="qser-test-"))

import psycopg  # noqa: E402
import pytest  # noqa: E402

from actions.catalogue import get_catalogue  # noqa: E402
from actions.library import ScenarioLibrary  # noqa: E402
from actions.scenarios import load_scenario  # noqa: E402
from actions.settings import PROJECT_ROOT  # noqa: E402
from bot.model import ensure_model  # noqa: E402
from bot.stack import Stack  # noqa: E402

TEST_DATA = Path(__file__).parent / "data"
SCHEMA = PROJECT_ROOT / "dialogues" / "scenario.schema.json"


@pytest.fixture(scope="session")
def catalogue():
    return get_catalogue()


@pytest.fixture(scope="session")
def mini(catalogue):
    return load_scenario(TEST_DATA / "scenarios" / "mini_visit.yml", catalogue, SCHEMA)


@pytest.fixture(scope="session")
def library(catalogue):
    return ScenarioLibrary(PROJECT_ROOT / "dialogues", catalogue)


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    from actions.store.db import migrate

    url = f"sqlite:///{tmp_path / 'qser.db'}"
    migrate(url)
    return url


# --- running stacks -----------------------------------------------------------------

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


def free_port() -> int:
    """A port nobody listens on now, so several test runs (or a running trainer) never collide."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def model():
    return ensure_model()


@contextmanager
def new_postgres_database(prefix: str = "qser_e2e") -> Iterator[str]:
    """A fresh PostgreSQL database beside the `test` one, dropped afterwards; yields its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        pytest.fail(f"PostgreSQL at 127.0.0.1:5432 is needed for these tests: {error}")
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


@pytest.fixture(scope="session")
def postgres_url():
    with new_postgres_database() as url:
        yield url


def _running_stack(model, database_url: str, backend: str, tmp_path_factory, dialogues_dir=None):
    return Stack(model, database_url=database_url, rasa_port=free_port(), actions_port=free_port(),
                 log_dir=tmp_path_factory.mktemp(f"logs-{backend}"), dialogues_dir=dialogues_dir)


@pytest.fixture(scope="session")
def live_dialogues(tmp_path_factory):
    """A copy of dialogues/ that the SQLite stack serves, so a test may edit scenario files while it runs."""
    target = tmp_path_factory.mktemp("live") / "dialogues"
    shutil.copytree(PROJECT_ROOT / "dialogues", target)
    return target


@pytest.fixture(scope="session")
def sqlite_stack(model, tmp_path_factory, live_dialogues):
    url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'qser.db'}"
    with _running_stack(model, url, "sqlite", tmp_path_factory, live_dialogues) as running:
        yield running


@pytest.fixture(scope="session")
def postgres_stack(model, tmp_path_factory, postgres_url):
    with _running_stack(model, postgres_url, "postgres", tmp_path_factory) as running:
        yield running


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def stack(request):
    return request.getfixturevalue(f"{request.param}_stack")
