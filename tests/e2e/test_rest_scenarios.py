"""Both library scenarios played through Rasa's REST channel, on SQLite and on PostgreSQL."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from actions.store.db import unit_of_work
from actions.store.models import Attempt, Trainee, Turn
from tests.e2e.conftest import Conversation
from bot.scripted_lines import LINES, PATHS

pytestmark = pytest.mark.e2e


def play(conversation: Conversation, scenario_id: str, moves: list[str]) -> tuple[dict, list[dict]]:
    """Start the scenario, send one line per move; return the final payload and every turn's payload."""
    opening = conversation.say(f"/scenario {scenario_id}")
    start = conversation.payload(opening)
    assert start["scenario"] == scenario_id and start["turn"] == 0 and not start["done"]
    assert len(conversation.texts(opening)) >= 2  # the situation card and the client's first line
    turns = []
    for number, move in enumerate(moves, start=1):
        replies = conversation.say(LINES[move])
        payload = conversation.payload(replies)
        assert payload["move"] == move, f"{LINES[move]!r} was classified as {payload['move']} ({payload['confidence']})"
        assert payload["turn"] == number and payload["attempt"] == start["attempt"]
        assert conversation.texts(replies), "the client always answers"
        turns.append(payload)
        if payload["done"]:
            break
    return turns[-1], turns


def stored_turns(database_url: str, attempt_id: int) -> tuple[Attempt, list[Turn]]:
    with unit_of_work(database_url) as session:
        attempt = session.get(Attempt, attempt_id)
        turns = list(session.scalars(select(Turn).where(Turn.attempt_id == attempt_id).order_by(Turn.id)))
        return attempt, turns


@pytest.mark.parametrize("scenario_id", sorted(PATHS))
def test_respectful_employee_outscores_dismissive_one_on_every_target(stack, scenario_id, library):
    scenario = library.get(scenario_id)
    good_final, good_turns = play(Conversation(stack), scenario_id, PATHS[scenario_id]["good"])
    bad_final, bad_turns = play(Conversation(stack), scenario_id, PATHS[scenario_id]["dismissive"])

    assert good_final["done"] and good_final["ending_type"] == "resolved"
    assert bad_final["done"] and bad_final["ending_type"] == "client_leaves"
    assert bad_final["trust"] <= scenario.leave_at < good_final["trust"]
    for competency in scenario.targets:
        assert good_final["scores"][competency] > bad_final["scores"].get(competency, 0), competency
    assert good_final["total"] > bad_final["total"]

    for final, turns in ((good_final, good_turns), (bad_final, bad_turns)):
        attempt, rows = stored_turns(stack.database_url, final["attempt"])
        assert [row.index for row in rows] == list(range(1, len(turns) + 1)), "each turn stored exactly once, in order"
        assert [row.move for row in rows] == [t["move"] for t in turns]
        assert [row.points for row in rows] == [t["points"] for t in turns]
        assert all(row.client_reply for row in rows)
        assert attempt.scores == final["scores"] and attempt.total == final["total"]
        assert attempt.ended_at is not None and attempt.ending_type == final["ending_type"]


def test_commands_hint_restart_end_progress_mode(stack):
    conversation = Conversation(stack)
    listing = conversation.say("/scenarios")
    buttons = [b for r in listing for b in r.get("buttons", [])]
    assert {b["payload"] for b in buttons} >= {'/scenario{"scenario_id":"citizen_registration"}'}

    start = conversation.payload(conversation.say(buttons[0]["payload"]))  # start by button
    hint = conversation.say("/hint")
    assert conversation.texts(hint)[0].startswith("Hint:")
    assert conversation.payload(hint)["attempt"] == start["attempt"]

    coach = conversation.say(LINES["greet"])
    assert any(text.startswith("Coach:") for text in conversation.texts(coach))
    conversation.say("/mode exam")
    exam = conversation.say(LINES["introduce_self"])
    assert not any(text.startswith("Coach:") for text in conversation.texts(exam))
    assert conversation.payload(exam)["mode"] == "exam"

    restarted = conversation.payload(conversation.say("/restart"))
    assert restarted["attempt"] != start["attempt"] and restarted["turn"] == 0

    conversation.say(LINES["greet"])
    debrief = conversation.say("/end")
    final = conversation.payload(debrief)
    assert final["done"] and final["ending_type"] == "ended_early" and "total" in final and final["scores"]
    assert any("Debrief" in text for text in conversation.texts(debrief))

    progress = "\n".join(conversation.texts(conversation.say("/progress")))
    assert "2 finished attempts" in progress or "1 finished attempts" in progress

    with unit_of_work(stack.database_url) as session:
        trainee = session.scalar(select(Trainee).where(Trainee.pseudonym == conversation.sender))
        assert trainee.mode == "exam"
        assert len(trainee.attempts) == 2
