"""A real stack per database backend: the trained model, the action server and the Rasa server as processes."""
from __future__ import annotations

import shutil
import uuid

import httpx
import psycopg
import pytest

from actions.settings import PROJECT_ROOT
from bot.model import ensure_model
from bot.stack import Stack

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
PORTS = {"sqlite": (5205, 5255), "postgres": (5305, 5355)}


@pytest.fixture(scope="session")
def model():
    return ensure_model()


@pytest.fixture(scope="session")
def postgres_url():
    name = f"qser_e2e_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        pytest.fail(f"PostgreSQL at 127.0.0.1:5432 is needed for these tests: {error}")
    yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


def _running_stack(model, database_url: str, backend: str, tmp_path_factory, dialogues_dir=None):
    rasa_port, actions_port = PORTS[backend]
    return Stack(model, database_url=database_url, rasa_port=rasa_port, actions_port=actions_port,
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


class Conversation:
    """One trainee talking to the Rasa REST channel."""

    def __init__(self, stack: Stack, sender: str | None = None):
        self.url = stack.webhook_url
        self.sender = sender or f"trainee-{uuid.uuid4().hex[:10]}"

    def say(self, text: str) -> list[dict]:
        response = httpx.post(self.url, json={"sender": self.sender, "message": text}, timeout=60)
        assert response.status_code == 200, response.text
        return response.json()

    @staticmethod
    def texts(replies: list[dict]) -> list[str]:
        return [r["text"] for r in replies if r.get("text")]

    @staticmethod
    def payload(replies: list[dict]) -> dict:
        payloads = [r["custom"]["qser"] for r in replies if "qser" in (r.get("custom") or {})]
        assert len(payloads) == 1, replies
        return payloads[0]


@pytest.fixture
def conversation(stack):
    return Conversation(stack)
