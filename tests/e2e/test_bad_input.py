"""Hostile and broken input through the REST channel: a clear reply, no crash, stored safely."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from actions.store.db import unit_of_work
from actions.store.models import Turn
from tests.e2e.conftest import Conversation

pytestmark = pytest.mark.e2e

BAD_INPUTS = {
    "empty": "",
    "whitespace": "   \t  \n ",
    "very long": "Please bring your documents. " * 345,  # 10,005 characters
    "control characters": "Good\x00 morning\x07\x1b[31m, welcome\x7f!",
    "script tag": "<script>alert('x')</script><b>bold</b>",
    "arabic": "مرحبا، كيف يمكنني مساعدتك اليوم؟",
    "markdown breakers": "*_[`](http://x)`_*\\ ||spoiler|| ~~~",
    "path in scenario id": "/scenario ../../x",
    "junk command": "/mode <b>hack</b>",
    "unknown command": "/sudo rm -rf",
}


@pytest.mark.parametrize("label", list(BAD_INPUTS))
def test_bad_input_outside_a_scenario_gets_a_clear_reply(stack, label):
    replies = Conversation(stack).say(BAD_INPUTS[label])
    assert Conversation.texts(replies), f"no reply to {label}"


def test_bad_input_during_a_scenario_is_answered_and_stored_safely(stack):
    conversation = Conversation(stack)
    attempt = conversation.payload(conversation.say("/scenario citizen_registration"))["attempt"]
    for label, text in BAD_INPUTS.items():
        replies = conversation.say(text)
        assert Conversation.texts(replies), f"no reply to {label}"
        assert not any("Traceback" in t or "error" in t.lower() for t in Conversation.texts(replies)), label
    assert "path" not in Conversation.texts(conversation.say("/hint"))[0]  # the scenario still runs

    with unit_of_work(stack.database_url) as session:
        turns = list(session.scalars(select(Turn).where(Turn.attempt_id == attempt).order_by(Turn.index)))
    by_text = {turn.employee_text: turn for turn in turns}
    assert "" not in by_text, "empty messages are answered, not stored as turns"
    long_turn = next(t for t in turns if t.text_length > 10_000)
    assert long_turn.text_capped_at == 2000 and len(long_turn.employee_text) == 2000
    assert "Good morning, welcome!" in by_text  # control characters dropped, the words kept
    assert BAD_INPUTS["script tag"] in by_text  # stored as written; escaping happens where it is shown
    assert BAD_INPUTS["arabic"] in by_text
    assert len({t.index for t in turns}) == len(turns) == 5  # five texts; empty input and commands are no turns
