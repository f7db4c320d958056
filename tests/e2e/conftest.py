"""Talking to a running stack (the stack fixtures are in tests/conftest.py, shared with the Telegram tests)."""
from __future__ import annotations

import uuid

import httpx
import pytest

from bot.stack import Stack


class Conversation:
    """One trainee talking to the Rasa REST channel."""

    def __init__(self, stack: Stack, sender: str | None = None):
        self.url = stack.webhook_url
        self.sender = sender or f"trainee-{uuid.uuid4().hex[:10]}"

    def say(self, text: str) -> list[dict]:
        response = httpx.post(self.url, json={"sender": self.sender, "message": text}, timeout=60)
        assert response.status_code == 200, response.text
        return response.json()

    @staticmethod
    def texts(replies: list[dict]) -> list[str]:
        return [r["text"] for r in replies if r.get("text")]

    @staticmethod
    def payload(replies: list[dict]) -> dict:
        payloads = [r["custom"]["qser"] for r in replies if "qser" in (r.get("custom") or {})]
        assert len(payloads) == 1, replies
        return payloads[0]


@pytest.fixture
def conversation(stack):
    return Conversation(stack)
