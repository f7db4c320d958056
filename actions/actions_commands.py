"""Slash commands (/scenarios, /scenario <id>, /hint, /end, /progress, /mode, /language, /help ...)."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.rasa_adapter import language_hint, run_and_send


def command_text(tracker: Tracker) -> str:
    """The command as typed, or rebuilt from the intent when Rasa parsed a button payload."""
    message = tracker.latest_message or {}
    text = (message.get("text") or "").strip()
    if text.startswith("/"):
        return text
    return "/" + ((message.get("intent") or {}).get("name") or "help")


class ActionCommand(Action):
    def name(self) -> str:
        return "action_command"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        text = command_text(tracker)
        hint = language_hint(tracker)
        return await run_and_send(dispatcher, tracker, lambda practice: practice.command(tracker.sender_id, text, hint))


class ActionRestart(ActionCommand):
    """Replaces Rasa's default action_restart: /restart starts the scenario again.

    The conversation's state lives in the application database, so Rasa's tracker is kept.
    """

    def name(self) -> str:
        return "action_restart"
