"""A message delivered more than once, and a database that fails under the action server.

Channels send a message again when they got no answer (bot/rasa_client.py); with their own
message id in the REST metadata, the turn is stored once whichever delivery got through.
"""
from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from actions.actions_commands import ActionCommand
from actions.actions_turn import ActionClientTurn
from actions.messages import t
from actions.store.db import retrying, unit_of_work
from actions.store.models import Turn
from bot.scripted_lines import LINES, PATHS
from tests.conftest import POSTGRES_ADMIN
from tests.actions.test_actions import payload, practice, run  # noqa: F401 - practice is a fixture


def stored(practice, message_id: str) -> int:
    with unit_of_work(practice.database_url) as session:
        return session.scalar(select(func.count(Turn.id)).where(Turn.message_id == message_id))


def test_the_channels_message_id_keeps_a_message_sent_again_once(practice):
    run(ActionCommand(), "r1", "/scenario citizen_registration", "scenario")
    first, _ = run(ActionClientTurn(), "r1", "Good morning", "greet", metadata={"message_id": "tg-42"})
    again, _ = run(ActionClientTurn(), "r1", "Good morning", "greet", metadata={"message_id": "tg-42"})
    assert payload(first)["turn"] == payload(again)["turn"] == 1
    assert [m.get("text") for m in again] == [m.get("text") for m in first], "the same answer again"
    assert stored(practice, "tg-42") == 1


def test_a_message_sent_again_after_it_ended_the_scenario_gets_the_debrief_again(practice):
    practice.command("r2", "/scenario citizen_registration")
    moves = PATHS["citizen_registration"]["dismissive"]
    for index, move in enumerate(moves, start=1):
        replies = practice.message("r2", LINES[move], move, 0.95, message_id=f"c-{index}")
    again = practice.message("r2", LINES[moves[-1]], moves[-1], 0.95, message_id=f"c-{len(moves)}")
    assert [r.text for r in again] == [r.text for r in replies]
    assert [r.custom for r in again] == [r.custom for r in replies] and replies[-1].custom["qser"]["done"]
    assert stored(practice, f"c-{len(moves)}") == 1


def test_told_to_send_again_in_the_trainees_language(practice, monkeypatch):
    run(ActionCommand(), "r3", "/language es", "language")

    def broken(*args, **kwargs):
        raise ConnectionError("database gone")

    monkeypatch.setattr(practice, "message", broken)
    messages, _ = run(ActionClientTurn(), "r3", "hola", "greet")
    assert [m["text"] for m in messages] == [t("es", "error_try_again")]


@pytest.mark.postgres
def test_a_unit_of_work_whose_connection_dies_is_done_again(postgres_url):
    runs = []

    def work() -> int:
        runs.append(1)
        with unit_of_work(postgres_url) as session:
            pid = session.scalar(text("SELECT pg_backend_pid()"))
            if len(runs) == 1:  # the connection is cut in the middle of the first run
                with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
                    admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            return session.scalar(text("SELECT 42"))

    assert retrying(work) == 42 and len(runs) == 2


def test_other_database_errors_are_not_retried(sqlite_url):
    runs = []

    def work() -> None:
        runs.append(1)
        raise IntegrityError("INSERT ...", {}, Exception("duplicate"))

    with pytest.raises(IntegrityError):
        retrying(work)
    assert len(runs) == 1
