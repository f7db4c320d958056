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
from actions.settings import get_settings

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def get_practice() -> Practice:
    return Practice()


def send(dispatcher: CollectingDispatcher, replies: list[Reply]) -> None:
    for reply in replies:
        dispatcher.utter_message(text=reply.text, buttons=reply.buttons or None, json_message=reply.custom)


async def run_and_send(dispatcher: CollectingDispatcher, tracker: Tracker, call: Callable[[Practice], list[Reply]]) -> list:
    """Run ``call`` on the practice service off the event loop and send its replies.

    A failure (the database gone away, a scenario file vanished) is logged with the
    conversation id only, and the trainee is told to try again - never a silent drop.
    """
    try:
        replies = await asyncio.to_thread(call, get_practice())
    except Exception:  # noqa: BLE001 - every failure must reach the trainee as a message
        logger.exception("could not handle a message of conversation %s", tracker.sender_id)
        replies = [Reply(t(get_settings().default_language, "error_try_again"))]
    send(dispatcher, replies)
    return []
