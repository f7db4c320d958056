"""Rasa's REST channel, with retries while Rasa or the action server is unreachable.

A message is sent again only when it certainly was not processed: the connection was
refused, a proxy answered 502/503/504, or Rasa answered with no reply at all (it does that
when the action server is down; every message of this trainer gets at least one reply).
When the answer is merely late, the message may have been processed, so it is not sent
again (that could score a turn twice): the caller tells the trainee instead.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable

import httpx

from bot.identity import short

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/rest/webhook"
FIRST_DELAY = 1.0  # seconds before the first retry; doubled each time up to MAX_DELAY
MAX_DELAY = 15.0
ANSWER_TIMEOUT = 60.0  # a turn takes well under a second; Rasa loading a model can hold a request longer
RETRY_STATUSES = {502, 503, 504}


class RasaUnavailable(Exception):
    """Rasa (or the action server behind it) did not process the message before the retry deadline."""


class RasaNoAnswer(Exception):
    """Rasa took the message but gave no usable answer in time; it may or may not have been processed."""


class _NotProcessed(Exception):
    """One attempt that certainly did not process the message."""


Replies = list[dict[str, Any]]


class RasaClient:
    def __init__(self, rasa_url: str, retry_seconds: float, answer_timeout: float = ANSWER_TIMEOUT):
        self.url = rasa_url.rstrip("/") + WEBHOOK_PATH
        self.retry_seconds = retry_seconds
        self._http = httpx.AsyncClient(timeout=httpx.Timeout(answer_timeout, connect=5.0))

    async def close(self) -> None:
        await self._http.aclose()

    async def send(self, sender: str, text: str, metadata: dict[str, Any],
                   on_unavailable: Callable[[], Awaitable[None]]) -> Replies:
        """Rasa's replies to ``text``; ``on_unavailable`` runs once, when the first attempt fails."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.retry_seconds
        delay = FIRST_DELAY
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._post(sender, text, metadata)
            except _NotProcessed as reason:
                logger.warning("Rasa did not process a message of %s (attempt %d): %s", short(sender), attempt, reason)
            if attempt == 1:
                await on_unavailable()
            if loop.time() + delay > deadline:
                raise RasaUnavailable(f"no answer after {attempt} attempts")
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_DELAY)

    async def _post(self, sender: str, text: str, metadata: dict[str, Any]) -> Replies:
        try:
            response = await self._http.post(self.url, json={"sender": sender, "message": text, "metadata": metadata})
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            raise _NotProcessed(f"cannot connect ({type(error).__name__})") from error
        except httpx.HTTPError as error:  # read timeout, connection dropped mid-answer: maybe processed
            raise RasaNoAnswer(type(error).__name__) from error
        if response.status_code in RETRY_STATUSES:
            raise _NotProcessed(f"HTTP {response.status_code}")
        if response.status_code != 200:
            raise RasaNoAnswer(f"HTTP {response.status_code}")
        try:
            replies = response.json()
        except ValueError as error:
            raise RasaNoAnswer("the answer is not JSON") from error
        if not isinstance(replies, list) or not all(isinstance(r, dict) for r in replies):
            raise RasaNoAnswer("the answer is not a list of messages")
        if not replies:
            raise _NotProcessed("no reply (is the action server down?)")
        return replies
