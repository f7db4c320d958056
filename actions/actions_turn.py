"""The client's turn: every employee move (and low-confidence text) during a scenario."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.rasa_adapter import language_hint, message_id, run_and_send


class ActionClientTurn(Action):
    def name(self) -> str:
        return "action_client_turn"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        message = tracker.latest_message or {}
        intent = message.get("intent") or {}
        move = intent.get("name") or "nlu_fallback"
        confidence = float(intent.get("confidence") or 0.0)
        hint = language_hint(tracker)
        return await run_and_send(dispatcher, tracker, lambda practice: practice.message(
            tracker.sender_id, message.get("text"), move, confidence, message_id(tracker), hint))
