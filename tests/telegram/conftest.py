"""The Telegram tests: a Bot API emulator in place of Telegram's servers, and the bridge as a real process.

The emulator is the npm package telegram-test-api, started by ``emulator.js`` (which patches it
where python-telegram-bot 22 needs the real API's behaviour). The bridge runs as ``qser telegram``
with TELEGRAM_BASE_URL pointing at the emulator, against the session's SQLite stack (tests/conftest.py)
or a stack of its own. The tests act as Telegram users through the emulator's client routes.
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import httpx
import pytest

from actions.settings import PROJECT_ROOT
from bot.stack import Service, Stack, telegram_bridge
from bot.telegram.identity import pseudonym
from tests.conftest import free_port

EMULATOR = Path(__file__).with_name("emulator.js")
PSEUDONYM_KEY = "telegram-tests-pseudonym-key"
RECEIVE_TIMEOUT = 60.0


def pseudonym_of(user_id: int) -> str:
    return pseudonym(PSEUDONYM_KEY.encode(), user_id)


class BotApi:
    """The emulator, as the tests see it."""

    def __init__(self, url: str, service: Service):
        self.url = url
        self.service = service

    def call(self, token: str, method: str, **params) -> object:
        """A Bot API method, as the bot would call it."""
        response = httpx.post(f"{self.url}/bot{token}/{method}", json=params, timeout=10)
        body = response.json()
        assert body.get("ok"), body
        return body["result"]

    def client(self, route: str, **body) -> object:
        response = httpx.post(f"{self.url}/{route}", json=body, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()["result"]


@dataclass
class RunningBridge:
    token: str
    service: Service

    @property
    def log_path(self) -> Path:
        return self.service.log_path


def start_bridge(api: BotApi, rasa_url: str, log_dir: Path, token: str, **env: str) -> RunningBridge:
    """``qser telegram`` against the emulator; ready once it has registered its command menu."""
    service = telegram_bridge(rasa_url, log_dir / f"telegram-{token.split(':')[0]}.log", {
        "TELEGRAM_BOT_TOKEN": token, "TELEGRAM_BASE_URL": f"{api.url}/bot", "QSER_PSEUDONYM_KEY": PSEUDONYM_KEY,
        "QSER_VAR_DIR": str(log_dir / "var"), **env})
    service.start()
    deadline = time.monotonic() + 60
    while not api.call(token, "getMyCommands"):
        if service.process.poll() is not None or time.monotonic() > deadline:
            service.stop()
            pytest.fail(f"the Telegram bridge did not start; the end of {service.log_path}:\n{service.log_tail()}")
        time.sleep(0.3)
    return RunningBridge(token, service)


@dataclass
class BotMessage:
    """A message the bot sent, as stored by the emulator."""

    raw: dict

    @property
    def message_id(self) -> int:
        return self.raw["messageId"]

    @property
    def html(self) -> str:
        message = self.raw["message"]
        return message.get("text") or message.get("caption") or ""

    @property
    def shown(self) -> str:
        """The text as the user sees it (the emulator parsed the HTML as Telegram does)."""
        return self.raw.get("shown", "")

    @property
    def buttons(self) -> list[dict]:
        markup = self.raw["message"].get("reply_markup") or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]

    @property
    def photo(self) -> bytes | None:
        png = self.raw.get("photo_png")
        return base64.b64decode(png) if png else None

    @property
    def reply_to(self) -> int | None:
        parameters = self.raw["message"].get("reply_parameters")
        return json.loads(parameters).get("message_id") if parameters else None


@dataclass
class TelegramUser:
    """A Telegram user in a private chat with the bot (chat id = user id, as in Telegram)."""

    api: BotApi
    bridge: RunningBridge
    user_id: int
    language_code: str = "en"
    received: list[BotMessage] = field(default_factory=list)

    @property
    def _from(self) -> dict:
        return {"id": self.user_id, "is_bot": False, "first_name": "Trainee", "language_code": self.language_code}

    @property
    def _chat(self) -> dict:
        return {"id": self.user_id, "type": "private", "first_name": "Trainee"}

    def send(self, text: str | None = None, **content) -> int:
        """Send a text (or other content: sticker=..., photo=...); returns the message's id."""
        message = {"botToken": self.bridge.token, "from": self._from, "chat": self._chat, "date": int(time.time()),
                   **content}
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return self.api.client("sendMessage", **message)["message_id"]

    def edit(self, message_id: int, text: str) -> None:
        """Edit an earlier message (Telegram sends the bot an edited_message update)."""
        now = int(time.time())
        self.api.client("editMessage", botToken=self.bridge.token, message_id=message_id, date=now, edit_date=now,
                        text=text, chat=self._chat, **{"from": self._from})

    def tap(self, message: BotMessage, title: str) -> str:
        """Tap the button titled ``title`` under ``message``; returns the callback query's id."""
        data = next((b["callback_data"] for b in message.buttons if b["text"] == title), None)
        assert data is not None, f"no button {title!r} under {message.shown!r}: {message.buttons}"
        return self.callback(message, data)

    def callback(self, message: BotMessage, data: str) -> str:
        """A callback query with any data from ``message`` (as Telegram sends it: with the message and its keyboard)."""
        markup = self.api.client("getUpdatesHistory", token=self.bridge.token)
        markup = next((e["message"].get("reply_markup") for e in markup if e.get("messageId") == message.message_id
                       and "chat_id" in e.get("message", {})), None)
        sent = {"message_id": message.message_id, "date": int(time.time()), "chat": self._chat,
                "from": {"id": 1, "is_bot": True, "first_name": "Q-SER test bot"}, "text": message.shown}
        if markup:
            sent["reply_markup"] = markup
        return self.api.client("sendCallback", botToken=self.bridge.token, **{
            "from": self._from, "data": data, "message": sent})["callback_query_id"]

    def callback_answered(self, query_id: str) -> bool:
        return any(a["callback_query_id"] == query_id for a in self.api.client("getCallbackAnswers", token=self.bridge.token))

    def receive(self, until: Callable[[list[BotMessage]], bool] = bool, quiet: float = 1.0,
                timeout: float = RECEIVE_TIMEOUT) -> list[BotMessage]:
        """The bot's next messages: once ``until`` holds for them and no more came for ``quiet`` seconds."""
        got: list[BotMessage] = []
        deadline = time.monotonic() + timeout
        satisfied_at = None
        while time.monotonic() < deadline:
            new = [BotMessage(raw) for raw in self.api.client("getUpdates", token=self.bridge.token, chatId=self.user_id)]
            if new:
                got += new
                self.received += new
                satisfied_at = None
            if until(got):
                satisfied_at = satisfied_at or time.monotonic()
                if time.monotonic() - satisfied_at >= quiet:
                    return got
            time.sleep(0.1)
        raise AssertionError(f"user {self.user_id} waited {timeout:.0f} s; got {[m.shown for m in got]}\n"
                             f"the end of {self.bridge.log_path}:\n{self.bridge.service.log_tail()}")

    def say(self, text: str, until: Callable[[list[BotMessage]], bool] = bool, **kwargs) -> list[BotMessage]:
        self.send(text)
        return self.receive(until, **kwargs)

    def history(self) -> list[BotMessage]:
        """Every message the bot sent to this user, as stored now (edits included)."""
        entries = self.api.client("getUpdatesHistory", token=self.bridge.token)
        return [BotMessage(e) for e in entries if str(e.get("message", {}).get("chat_id")) == str(self.user_id)]


# --- predicates over received messages ------------------------------------------------------------

def shown(messages: Iterable[BotMessage]) -> list[str]:
    return [m.shown for m in messages]


def has_text(text: str) -> Callable[[list[BotMessage]], bool]:
    return lambda messages: any(text in m.shown for m in messages)


def has_feedback(messages: list[BotMessage]) -> bool:
    return any(m.html.startswith("<i>") for m in messages)


def has_debrief(messages: list[BotMessage]) -> bool:
    return any(m.photo for m in messages) and any(m.html.startswith("<b>") for m in messages)


def telegram_ids_in(paths: Iterable[Path], ids: Iterable[int]) -> list[str]:
    """Where any of the Telegram ids occurs in these files (databases and logs, read as bytes)."""
    found = []
    for path in paths:
        data = path.read_bytes()
        found += [f"{id_} in {path}" for id_ in ids if str(id_).encode() in data]
    return found


def sqlite_files(stack: Stack) -> list[Path]:
    """The stack's SQLite databases, with their write-ahead logs and journals."""
    databases = [Path(url.removeprefix("sqlite:///")) for url in (stack.database_url, stack.tracker_url)]
    return [file for db in databases for file in db.parent.glob(db.name + "*")]


# --- fixtures ---------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def bot_api(tmp_path_factory):
    node = shutil.which("node")
    if node is None or not (PROJECT_ROOT / "node_modules" / "telegram-test-api").is_dir():
        pytest.fail("the Telegram tests need Node.js and the npm packages: run scripts/setup.sh (it runs npm ci)")
    port = free_port()
    service = Service("Telegram Bot API emulator", [node, str(EMULATOR), "--port", str(port)], dict(os.environ),
                      f"http://127.0.0.1:{port}/bot1:health/getMe", tmp_path_factory.mktemp("emulator") / "emulator.log")
    service.start()
    try:
        service.wait_ready(30)
        yield BotApi(f"http://127.0.0.1:{port}", service)
    finally:
        service.stop()


@pytest.fixture(scope="session")
def bridge(bot_api, sqlite_stack, tmp_path_factory):
    """The bridge in long-polling mode, talking to the session's SQLite stack."""
    running = start_bridge(bot_api, sqlite_stack.rasa_url, tmp_path_factory.mktemp("bridge"), "1001:main-bridge")
    yield running
    running.service.stop()
