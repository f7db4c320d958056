"""Faults in the middle of many conversations on the two replicas.

An action server killed (kill -9) and restarted, the database connections dropped (backends
terminated), the application database refusing connections for a while: the trainee is told when a
message was not processed, the conversation goes on afterwards, and every turn is stored exactly once.

The trainees behave as the channels do: an empty answer means "not processed" (Rasa gives it when the
action server is unreachable), and the message is sent again with the same channel message id, which
the store keeps turns unique by.
"""
from __future__ import annotations

import os
import signal
import time

import psycopg
import pytest

from actions.messages import t
from actions.store import repository as repo
from actions.store.db import unit_of_work
from actions.store.models import Attempt
from bot.scripted_lines import LINES, PATHS
from tests.conftest import POSTGRES_ADMIN
from tests.deploy.trainees import (
    NO_REPLY, TOLD_TRY_AGAIN, Trainee, check_stored, messages_per_run, payload, play_all,
)

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

TRAINEES = 20
BURST_SECONDS = 1.0


def wait_for(processed, share: float, trainees: int = TRAINEES) -> None:
    """Until ``share`` of the run's messages are processed: the fault lands in the middle of the run."""
    deadline = time.monotonic() + 300
    while processed() < share * messages_per_run(trainees):
        assert time.monotonic() < deadline, "the trainees stopped making progress"
        time.sleep(0.05)


def database_name(url: str) -> str:
    return url.rsplit("/", 1)[1]


def test_an_action_server_killed_and_restarted_mid_run(replicas, app_database, references):
    victim = replicas.replicas[0].actions

    def kill_and_restart(processed) -> None:
        wait_for(processed, 0.3)
        os.killpg(victim.process.pid, signal.SIGKILL)
        victim.process.wait()
        time.sleep(1.0)  # messages keep arriving while it is down
        victim.start()
        victim.wait_ready()

    people = play_all(replicas.webhook_urls, TRAINEES, channel_ids=True, during=kill_and_restart)

    notices = [notice for person in people for notice in person.notices]
    assert NO_REPLY in notices, "no trainee noticed the action server was down: the fault came too late"
    assert set(notices) == {NO_REPLY}, "a message was answered wrongly instead of not at all"
    check_stored(app_database, people, references)


def test_database_connections_dropped_mid_run(replicas, app_database, tracker_database, references):
    """Every backend of both databases terminated, again and again for a moment, three times in the run.

    Connections die idle in the pools and in the middle of units of work; the action servers reconnect
    and do the interrupted work again by themselves, so no trainee is told to send a message again
    (Rasa's own tracker store has no such retry: it may give an empty answer, and the message is resent).
    """
    names = [database_name(app_database), database_name(tracker_database)]

    def terminate(processed) -> None:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            for share in (0.25, 0.5, 0.75):
                wait_for(processed, share)
                until = time.monotonic() + BURST_SECONDS
                while time.monotonic() < until:
                    admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                  "WHERE datname = ANY(%s) AND pid <> pg_backend_pid()", (names,))
                    time.sleep(0.02)

    people = play_all(replicas.webhook_urls, TRAINEES, channel_ids=True, during=terminate)

    notices = [notice for person in people for notice in person.notices]
    assert TOLD_TRY_AGAIN not in notices, "the action server did not recover from a dropped connection by itself"
    check_stored(app_database, people, references)
    warnings = sum(replica.actions.log_path.read_text().count("database unavailable") for replica in replicas.replicas)
    assert warnings > 0, "no unit of work was interrupted: the fault did not test the retry"


def test_the_database_down_for_a_while_the_trainee_is_told_in_their_language(replicas, app_database):
    """The application database refuses connections for longer than the action server retries."""
    trainee = Trainee(replicas.webhook_urls[:1], channel_ids=True)
    trainee.say("/language es")
    trainee.say("/scenario citizen_registration")
    moves = PATHS["citizen_registration"]["good"]
    attempt = payload(trainee.say(LINES[moves[0]], "line-1"))["attempt"]

    name = database_name(app_database)
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        try:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
            replies = trainee.deliver(LINES[moves[1]], "line-2")
        finally:
            admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
    assert [r.get("text") for r in replies] == [t("es", "error_try_again")]

    for index, move in enumerate(moves[1:], start=2):  # sent again once the database is back, then on to the end
        replies = trainee.say(LINES[move], f"line-{index}")
        assert payload(replies)["turn"] == index
    assert payload(replies)["done"]
    trainee.close()
    with unit_of_work(app_database) as session:
        turns = repo.turns_of(session, session.get(Attempt, attempt))
        assert [(turn.index, turn.message_id) for turn in turns] == [(i, f"line-{i}") for i in range(1, len(moves) + 1)]
