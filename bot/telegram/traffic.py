"""Each trainee's updates in order, different trainees at once, and a per-trainee rate limit."""
from __future__ import annotations

import asyncio
import math
from collections import deque
from dataclasses import dataclass
from typing import Any, Awaitable, MutableMapping

from telegram import Update
from telegram.ext import BaseUpdateProcessor

WINDOW_SECONDS = 60.0


class PerUserOrder(BaseUpdateProcessor):
    """Runs the updates of one Telegram user one after another and those of different users concurrently.

    So a trainee's messages reach Rasa in the order they were written, also while one of them
    waits for Rasa to come back, and one trainee's wait never holds up another.
    """

    __slots__ = ("_locks", "_queued")

    def __init__(self, max_concurrent_updates: int):
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._queued: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        user = update.effective_user if isinstance(update, Update) else None
        if user is None:
            await coroutine
            return
        lock = self._locks.setdefault(user.id, asyncio.Lock())
        self._queued[user.id] = self._queued.get(user.id, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._queued[user.id] -= 1
            if not self._queued[user.id]:
                del self._queued[user.id], self._locks[user.id]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free."""


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    notify: bool = False  # the first refused update of a burst: tell the trainee
    wait_seconds: int = 0


class RateLimit:
    """At most ``per_minute`` updates per trainee in any 60 seconds; the state lives in PTB's ``user_data``."""

    def __init__(self, per_minute: int, window: float = WINDOW_SECONDS):
        self.per_minute = per_minute
        self.window = window

    def check(self, user_data: MutableMapping[str, Any], now: float) -> Verdict:
        stamps: deque[float] = user_data.setdefault("update_times", deque())
        while stamps and stamps[0] <= now - self.window:
            stamps.popleft()
        if len(stamps) < self.per_minute:
            stamps.append(now)
            return Verdict(True)
        free_at = stamps[0] + self.window
        notify = user_data.get("limited_until", 0.0) <= now
        user_data["limited_until"] = free_at
        return Verdict(False, notify, max(1, math.ceil(free_at - now)))
