"""The bridge in webhook mode: Telegram (the emulator) calls it with the secret token; calls without it are refused."""
from __future__ import annotations

import time

import httpx
import pytest
from sqlalchemy import select

from actions.messages import t
from actions.store.db import unit_of_work
from actions.store.models import Trainee
from tests.conftest import free_port
from tests.telegram.conftest import TelegramUser, pseudonym_of, start_bridge

pytestmark = pytest.mark.e2e

SECRET = "webhook-secret-for-the-tests"
HOOKED, INTRUDER = 987652001, 987652002


@pytest.fixture(scope="module")
def webhook(bot_api, sqlite_stack, tmp_path_factory):
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/webhook"
    running = start_bridge(bot_api, sqlite_stack.rasa_url, tmp_path_factory.mktemp("webhook-bridge"), "1004:webhook",
                           TELEGRAM_WEBHOOK_URL=url, TELEGRAM_WEBHOOK_PORT=str(port), TELEGRAM_WEBHOOK_SECRET=SECRET)
    deadline = time.monotonic() + 30
    while bot_api.call(running.token, "getWebhookInfo")["url"] != url:
        assert time.monotonic() < deadline, running.service.log_tail()
        time.sleep(0.2)
    yield running, url
    running.service.stop()


def test_updates_come_in_through_the_webhook(bot_api, webhook):
    bridge, _ = webhook
    user = TelegramUser(bot_api, bridge, HOOKED)
    replies = user.say("/start", until=lambda ms: len(ms) >= 2)
    assert replies[0].shown.startswith(t("en", "welcome").split("\n")[0])


def test_the_webhook_refuses_calls_without_the_secret_token(bot_api, webhook, sqlite_stack):
    bridge, url = webhook
    update = {"update_id": 424242, "message": {
        "message_id": 1, "date": int(time.time()), "text": "/start",
        "from": {"id": INTRUDER, "is_bot": False, "first_name": "Mallory"},
        "chat": {"id": INTRUDER, "type": "private"},
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}
    for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "guessed"}):
        assert httpx.post(url, json=update, headers=headers, timeout=10).status_code == 403
    time.sleep(1.5)
    assert TelegramUser(bot_api, bridge, INTRUDER).history() == []
    with unit_of_work(sqlite_stack.database_url) as session:  # the trainer never heard of this sender
        assert session.scalar(select(Trainee).where(Trainee.pseudonym == pseudonym_of(INTRUDER))) is None
