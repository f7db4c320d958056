"""Rasa or the action server stopped, or Rasa frozen, in the middle of a Telegram conversation.

A stack of its own (its Rasa is stopped and restarted here), with a bridge of its own; the
trainee is always told, and the message is processed once when the service is back (or the
trainee is asked to resend it) - never silently dropped, never scored twice.
"""
from __future__ import annotations

import os
import signal

import pytest
from sqlalchemy import func, select

from actions.messages import t
from actions.store.db import unit_of_work
from actions.store.models import Turn
from bot.scripted_lines import LINES
from bot.stack import Stack
from tests.conftest import free_port
from tests.telegram.conftest import (
    TelegramUser, has_feedback, has_text, shown, sqlite_files, start_bridge, telegram_ids_in,
)

pytestmark = pytest.mark.e2e

RETRY_SECONDS = 240  # Rasa needs up to a minute to load its model again
DOWN, GONE = 987651001, 987651002


@pytest.fixture(scope="module")
def own_stack(model, tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('outage') / 'qser.db'}"
    with Stack(model, database_url=url, rasa_port=free_port(), actions_port=free_port(),
               log_dir=tmp_path_factory.mktemp("outage-logs")) as stack:
        yield stack


@pytest.fixture(scope="module")
def outage_bridge(bot_api, own_stack, tmp_path_factory):
    running = start_bridge(bot_api, own_stack.rasa_url, tmp_path_factory.mktemp("outage-bridge"), "1002:outage",
                           QSER_TELEGRAM_RETRY_SECONDS=str(RETRY_SECONDS))
    yield running
    running.service.stop()


@pytest.fixture(scope="module")
def user(bot_api, outage_bridge):
    trainee = TelegramUser(bot_api, outage_bridge, DOWN)
    trainee.say("/scenario citizen_registration", until=has_text("Your goal"))
    return trainee


def stored(stack: Stack, text: str) -> int:
    with unit_of_work(stack.database_url) as session:
        return session.scalar(select(func.count()).select_from(Turn).where(Turn.employee_text == text))


def test_rasa_stopped_mid_conversation_the_message_is_processed_once_it_is_back(user, own_stack):
    own_stack.rasa.stop()
    user.send(LINES["greet"])
    assert shown(user.receive()) == [t("en", "telegram_unavailable", minutes=RETRY_SECONDS // 60)]
    own_stack.rasa.start()
    own_stack.rasa.wait_ready()
    replies = user.receive(until=has_feedback)
    assert replies[-1].shown.startswith("Coach:")
    assert stored(own_stack, LINES["greet"]) == 1


def test_action_server_stopped_the_message_is_processed_once_it_is_back(user, own_stack):
    own_stack.actions.stop()
    user.send(LINES["introduce_self"])
    assert shown(user.receive()) == [t("en", "telegram_unavailable", minutes=RETRY_SECONDS // 60)]
    own_stack.actions.start()
    own_stack.actions.wait_ready()
    user.receive(until=has_feedback)
    assert stored(own_stack, LINES["introduce_self"]) == 1


def test_a_slow_rasa_gets_a_please_wait_and_then_the_answer(user, own_stack):
    os.kill(own_stack.rasa.process.pid, signal.SIGSTOP)  # frozen: connections are accepted, nothing answers
    try:
        user.send(LINES["acknowledge_feelings"])
        assert shown(user.receive(timeout=30)) == [t("en", "telegram_slow")]
    finally:
        os.kill(own_stack.rasa.process.pid, signal.SIGCONT)
    user.receive(until=has_feedback)
    assert stored(own_stack, LINES["acknowledge_feelings"]) == 1


def test_rasa_gone_for_good_the_trainee_is_asked_to_resend(bot_api, own_stack, tmp_path_factory):
    nowhere = f"http://127.0.0.1:{free_port()}"
    bridge = start_bridge(bot_api, nowhere, tmp_path_factory.mktemp("gone-bridge"), "1003:gone",
                          QSER_TELEGRAM_RETRY_SECONDS="3")
    try:
        lost = TelegramUser(bot_api, bridge, GONE)
        message_id = lost.send("Good morning, how can I help?")
        notices = lost.receive(until=lambda ms: len(ms) == 2)
        assert shown(notices) == [t("en", "telegram_unavailable", minutes=1), t("en", "telegram_gave_up")]
        assert notices[1].reply_to == message_id, "the notice answers the very message that was lost"
    finally:
        bridge.service.stop()


def test_telegram_ids_never_reach_the_database_or_the_logs(user, own_stack, outage_bridge, tmp_path_factory):
    logs = [own_stack.rasa.log_path, own_stack.actions.log_path, outage_bridge.log_path,
            *tmp_path_factory.getbasetemp().glob("gone-bridge*/*.log")]
    assert telegram_ids_in([*sqlite_files(own_stack), *logs], (DOWN, GONE)) == []
