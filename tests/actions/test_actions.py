"""The Rasa actions with rasa-sdk's CollectingDispatcher and tracker fixtures, on a real SQLite database."""
from __future__ import annotations

import asyncio
import uuid

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import rasa_adapter
from actions.actions_commands import ActionCommand, ActionRestart
from actions.actions_turn import ActionClientTurn
from actions.practice import Practice


@pytest.fixture
def practice(sqlite_url, monkeypatch):
    service = Practice(database_url=sqlite_url)
    monkeypatch.setattr(rasa_adapter, "get_practice", lambda: service)
    return service


def tracker(sender: str, text: str, intent: str, confidence: float = 0.95, entities=None,
            metadata: dict | None = None) -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": entities or [],
              "message_id": uuid.uuid4().hex}
    events = [{"event": "user", "text": text, "metadata": metadata}] if metadata is not None else []
    return Tracker(sender, {}, latest, events, False, None, {}, "action_listen")


def run(action, sender, text, intent, confidence=0.95, metadata=None):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker(sender, text, intent, confidence, metadata=metadata), {}))
    return dispatcher.messages, events


def payload(messages):
    found = [m["custom"]["qser"] for m in messages if m.get("custom")]
    assert len(found) == 1
    return found[0]


def test_scenario_list_has_a_button_per_scenario(practice, library):
    messages, events = run(ActionCommand(), "t1", "/scenarios", "scenarios")
    assert events == []
    buttons = messages[0]["buttons"]
    assert {b["payload"] for b in buttons} == {f'/scenario{{"scenario_id":"{s.id}"}}' for s in library.all()}
    assert len(buttons) >= 8


def test_button_payload_and_typed_command_both_start_a_scenario(practice):
    messages, _ = run(ActionCommand(), "t2", '/scenario{"scenario_id":"school_enrolment"}', "scenario")
    assert payload(messages)["scenario"] == "school_enrolment"
    # A typed command with an argument is not a Rasa intent: the NLU guesses a move, the turn action routes it.
    messages, _ = run(ActionClientTurn(), "t2", "/scenario citizen_registration", "ask_details", 0.2)
    first = payload(messages)
    assert first["scenario"] == "citizen_registration" and first["turn"] == 0
    assert "closed" in messages[0]["text"]  # the unfinished school attempt was closed


def test_client_turn_scores_and_carries_the_payload(practice):
    run(ActionCommand(), "t3", "/scenario citizen_registration", "scenario")
    messages, _ = run(ActionClientTurn(), "t3", "Good morning, welcome!", "greet", 0.97)
    data = payload(messages)
    assert data["move"] == "greet" and data["confidence"] == 0.97 and data["points"] == {"respect": 1}
    assert data["turn"] == 1 and data["done"] is False
    texts = [m["text"] for m in messages if m.get("text")]
    assert texts[-1].startswith("Coach: +1")


def test_low_confidence_text_gets_an_in_character_reply(practice):
    run(ActionCommand(), "t4", "/scenario citizen_registration", "scenario")
    messages, _ = run(ActionClientTurn(), "t4", "xq zzv", "nlu_fallback", 0.1)
    data = payload(messages)
    assert data["points"] == {} and data["move"] == "nlu_fallback"
    assert "Coach" in messages[1]["text"] and "no points" in messages[1]["text"]


def test_restart_override_starts_the_scenario_again(practice):
    first = payload(run(ActionCommand(), "t5", "/scenario citizen_registration", "scenario")[0])
    messages, events = run(ActionRestart(), "t5", "/restart", "restart")
    assert payload(messages)["attempt"] != first["attempt"] and events == []


def test_end_gives_a_debrief_with_scores_and_total(practice):
    run(ActionCommand(), "t6", "/scenario citizen_registration", "scenario")
    run(ActionClientTurn(), "t6", "Good morning, welcome!", "greet")
    run(ActionClientTurn(), "t6", "Quickly, people are waiting.", "rush")
    messages, _ = run(ActionCommand(), "t6", "/end", "end")
    data = payload(messages)
    assert data["done"] and data["ending_type"] == "ended_early"
    assert set(data["scores"]) >= {"respect", "empathy"} and 0 <= data["total"] <= 100
    debrief = messages[0]["text"]
    assert "What went well" in debrief and "What to improve" in debrief and "Quickly, people are waiting." in debrief


def test_language_and_mode_are_remembered(practice):
    messages, _ = run(ActionCommand(), "t7", "/language el", "language")
    assert messages[0]["text"] == "Η γλώσσα ορίστηκε στα ελληνικά."
    messages, _ = run(ActionCommand(), "t7", "/mode exam", "mode")
    assert "εξέταση" in messages[0]["text"] or "exam" in messages[0]["text"]
    run(ActionCommand(), "t7", "/scenario citizen_registration", "scenario")
    messages, _ = run(ActionClientTurn(), "t7", "Good morning", "greet")
    assert payload(messages)["mode"] == "exam"
    assert not any((m.get("text") or "").startswith("Εκπαιδευτής") for m in messages)


def test_a_failing_service_tells_the_trainee_to_resend(practice, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("database gone")

    monkeypatch.setattr(practice, "message", broken)
    messages, _ = run(ActionClientTurn(), "t8", "hello", "greet")
    assert "send it again" in messages[0]["text"]


def test_the_same_message_delivered_twice_is_stored_once(practice):
    from actions.store.db import unit_of_work
    from actions.store.models import Turn
    from sqlalchemy import func, select

    run(ActionCommand(), "t9", "/scenario citizen_registration", "scenario")
    first = practice.message("t9", "Good morning", "greet", 0.9, message_id="m-1")
    again = practice.message("t9", "Good morning", "greet", 0.9, message_id="m-1")
    assert [r.text for r in first if r.text][0] == [r.text for r in again if r.text][0]
    with unit_of_work(practice.database_url) as session:
        assert session.scalar(select(func.count(Turn.id)).where(Turn.message_id == "m-1")) == 1


def test_the_channels_language_hint_sets_only_a_new_trainees_language(practice):
    from actions.messages import t

    messages, _ = run(ActionCommand(), "t10", "/help", "help", metadata={"language_hint": "es-ES"})
    assert messages[0]["text"] == t("es", "help")
    messages, _ = run(ActionClientTurn(), "t10", "/help", "ask_details", 0.2, metadata={"language_hint": "el"})
    assert messages[0]["text"] == t("es", "help"), "a known trainee keeps their language"
    messages, _ = run(ActionCommand(), "t11", "/help", "help", metadata={"language_hint": "pt-BR"})
    assert messages[0]["text"] == t("en", "help"), "a language the trainer lacks: the default"
    messages, _ = run(ActionClientTurn(), "t12", "Hola", "greet", metadata={"language_hint": "el"})
    assert messages[0]["text"] == t("el", "no_active_scenario")
