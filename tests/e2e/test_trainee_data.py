"""/mydata shows a trainee everything stored about them; /forget erases it, Rasa's conversation history included."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, func, select, text

from actions.store.db import normalise_url, unit_of_work
from actions.store.models import Trainee, Turn
from bot.scripted_lines import LINES
from tests.e2e.conftest import Conversation

pytestmark = pytest.mark.e2e


def _tracker_events(stack, sender: str) -> int:
    engine = create_engine(normalise_url(stack.tracker_url))
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT COUNT(*) FROM events WHERE sender_id = :s"), {"s": sender}).scalar()
    finally:
        engine.dispose()


def _stored(stack, sender: str, attempt_id: int) -> tuple[int, int]:
    """The trainee rows with this pseudonym and the turns of their attempt (the database is shared with other tests)."""
    with unit_of_work(stack.database_url) as session:
        trainees = session.scalar(select(func.count(Trainee.id)).where(Trainee.pseudonym == sender))
        turns = session.scalar(select(func.count(Turn.id)).where(Turn.attempt_id == attempt_id))
        return trainees, turns


def test_mydata_shows_everything_and_forget_erases_it_after_confirmation(sqlite_stack):
    trainee = Conversation(sqlite_stack)
    said = [LINES["greet"], LINES["introduce_self"]]
    trainee.say("/scenario citizen_registration")
    for line in said:
        trainee.say(line)

    mydata = trainee.say("/mydata")
    record = next(r["custom"]["qser_mydata"] for r in mydata if "qser_mydata" in (r.get("custom") or {}))
    assert [turn["employee_text"] for turn in record["attempts"][0]["turns"]] == said
    assert record["trainee"]["pseudonym"] == trainee.sender
    assert "1 attempts with 2 replies" in trainee.texts(mydata)[0]

    ask = trainee.say("/forget")
    assert [b["payload"] for r in ask for b in r.get("buttons", [])] == ["/forget confirm"]
    attempt_id = record["attempts"][0]["id"]
    assert _stored(sqlite_stack, trainee.sender, attempt_id) == (1, 2), "nothing is erased before the confirmation"
    assert _tracker_events(sqlite_stack, trainee.sender) > 0

    done = trainee.texts(trainee.say("/forget confirm"))
    assert "1 attempts and 2 replies" in done[0]
    assert _stored(sqlite_stack, trainee.sender, attempt_id) == (0, 0)
    deadline = time.monotonic() + 20
    while _tracker_events(sqlite_stack, trainee.sender) and time.monotonic() < deadline:
        time.sleep(0.3)
    assert _tracker_events(sqlite_stack, trainee.sender) == 0, "Rasa's history of the conversation is erased too"

    again = trainee.say("/start")  # the trainee can start afresh; the conversation stays usable
    assert trainee.texts(again) and _tracker_events(sqlite_stack, trainee.sender) > 0
