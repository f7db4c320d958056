"""Glue between rasa-sdk actions and the practice service.

The practice service does blocking database work, so it runs in a worker thread
and the action server's event loop stays free for other trainees.
"""
from __future__ import annotations

import asyncio
import logging
from functools import lru_cache
from typing import Callable

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.messages import t
from actions.practice import Practice, Reply
from actions.store.db import retrying

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def get_practice() -> Practice:
    return Practice()


def latest_metadata(tracker: Tracker) -> dict:
    """The REST ``metadata`` the channel sent with the latest message."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return event.get("metadata") or {}
    return {}


def language_hint(tracker: Tracker) -> str | None:
    """The channel's language hint sent with the latest message (REST ``metadata``: ``{"language_hint": "es"}``)."""
    hint = latest_metadata(tracker).get("language_hint")
    return hint if isinstance(hint, str) else None


def message_id(tracker: Tracker) -> str | None:
    """The id the latest message's turn is stored under: the channel's own, when it sends one in the REST
    ``metadata`` (``{"message_id": "..."}``, the same each time it sends that message again after an empty or
    lost answer), else Rasa's, which is new on every delivery. A message id is stored once."""
    own = latest_metadata(tracker).get("message_id")
    return own if isinstance(own, str) and 0 < len(own) <= 64 else (tracker.latest_message or {}).get("message_id")


def send(dispatcher: CollectingDispatcher, replies: list[Reply]) -> None:
    for reply in replies:
        dispatcher.utter_message(text=reply.text, buttons=reply.buttons or None, json_message=reply.custom)


async def run_and_send(dispatcher: CollectingDispatcher, tracker: Tracker, call: Callable[[Practice], list[Reply]]) -> list:
    """Run ``call`` on the practice service off the event loop and send its replies.

    A lost database connection is retried (see ``retrying``). A failure that remains (the database
    down for longer, a scenario file vanished) is logged with the conversation id only, and the trainee
    is told in their language to send the message again - never a silent drop.
    """
    practice = get_practice()
    try:
        replies = await asyncio.to_thread(retrying, lambda: call(practice))
    except Exception:  # noqa: BLE001 - every failure must reach the trainee as a message
        logger.exception("could not handle a message of conversation %s", tracker.sender_id)
        replies = [Reply(t(practice.language_of(tracker.sender_id, language_hint(tracker)), "error_try_again"))]
    send(dispatcher, replies)
    return []
