"""A scaled deployment: two Rasa servers and two action servers on the machine's PostgreSQL and Redis.

The application database and Rasa's tracker store are two databases here (in docker-compose they
share one), so that a test can take the application database away alone.
"""
from __future__ import annotations

import subprocess

import pytest

from bot.stack import Stack
from tests.conftest import free_port, new_postgres_database
from tests.deploy.trainees import reference_games

REDIS_URL = "redis://127.0.0.1:6379/1"  # the machine's Redis (CI's too); the lock keys name random conversation ids


def redis_cli(*args: str) -> str:
    result = subprocess.run(["redis-cli", "-u", REDIS_URL, *args], capture_output=True, text=True, timeout=10)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture(scope="session")
def redis_url() -> str:
    try:
        answer = redis_cli("PING")
    except (OSError, AssertionError) as error:
        pytest.fail(f"Redis at 127.0.0.1:6379 (and redis-cli) are needed for these tests: {error}")
    assert answer == "PONG", f"Redis at 127.0.0.1:6379 answers {answer!r}"
    return REDIS_URL


@pytest.fixture(scope="session")
def app_database():
    with new_postgres_database("qser_deploy") as url:
        yield url


@pytest.fixture(scope="session")
def tracker_database():
    with new_postgres_database("qser_deploy_tracker") as url:
        yield url


@pytest.fixture(scope="session")
def replicas(model, redis_url, app_database, tracker_database, tmp_path_factory):
    ports = [(free_port(), free_port()) for _ in range(2)]
    with Stack(model, database_url=app_database, tracker_url=tracker_database, replica_ports=ports,
               lock_store_url=redis_url, log_dir=tmp_path_factory.mktemp("logs-replicas")) as stack:
        yield stack


@pytest.fixture(scope="session")
def references(postgres_stack, postgres_url):
    """Every game played once on one replica, undisturbed: what the scaled runs must reproduce."""
    return reference_games(postgres_url, postgres_stack.webhook_url)
