"""Rasa's replies as Telegram messages: escaped HTML, split to Telegram's limits, buttons as inline keyboards.

Everything that comes from Rasa (client lines, feedback, the debrief with the trainee's own
words quoted) is plain text: it is escaped here, and only the bridge adds markup. Texts are
split before escaping, so a tag never spans two messages.
"""
from __future__ import annotations

import html
import re
import secrets
from collections import OrderedDict
from dataclasses import dataclass
from enum import Enum
from typing import Any, MutableMapping, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from actions.messages import t

TEXT_LIMIT = 4096  # Telegram's limits, in UTF-16 code units of the text as shown
CAPTION_LIMIT = 1024
BUTTON_TITLE_CHARS = 60
SHORT_TITLE_CHARS = 16  # up to three short buttons (languages, Hint/End) share a row
KEYBOARDS_KEPT = 20  # per trainee; an older keyboard's buttons answer "no longer active"
_CALLBACK = re.compile(r"^(?P<keyboard>[A-Za-z0-9_-]{8}):(?P<index>\d{1,2})$")


class Style(Enum):
    PLAIN = "plain"
    FEEDBACK = "feedback"  # the coach's per-turn feedback: a short message of its own, in italics
    DEBRIEF = "debrief"  # title and section headings in bold


@dataclass(frozen=True)
class Outgoing:
    html: str
    keyboard: InlineKeyboardMarkup | None = None


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _fitting_prefix(text: str, limit: int) -> int:
    """How many characters of ``text`` fit in ``limit`` UTF-16 units."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return index
    return len(text)


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """``text`` in pieces of at most ``limit`` UTF-16 units, cut at a line break, else a space, else anywhere."""
    pieces: list[str] = []
    rest = text.strip()
    while utf16_len(rest) > limit:
        window = rest[:_fitting_prefix(rest, limit)]
        cut = window.rfind("\n")
        if cut <= 0:
            cut = window.rfind(" ")
        if cut <= 0:
            cut = len(window)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    pieces.append(rest)
    return [piece for piece in pieces if piece]


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def _headings(language: str) -> set[str]:
    return {t(language, key) for key in ("debrief_scores", "debrief_well", "debrief_improve")}


def _markup(piece: str, style: Style, language: str, first: bool) -> str:
    if style is Style.FEEDBACK:
        return f"<i>{escape(piece)}</i>"
    if style is Style.DEBRIEF:
        headings = _headings(language)
        lines = piece.split("\n")
        return "\n".join(f"<b>{escape(line)}</b>" if (first and number == 0) or line in headings else escape(line)
                         for number, line in enumerate(lines))
    return escape(piece)


def render_text(text: str, style: Style, language: str, keyboard: InlineKeyboardMarkup | None = None,
                limit: int = TEXT_LIMIT) -> list[Outgoing]:
    """One reply as messages; the keyboard goes with the last one."""
    pieces = split_text(text, limit)
    messages = [Outgoing(_markup(piece, style, language, first=index == 0)) for index, piece in enumerate(pieces)]
    if keyboard is not None and messages:
        messages[-1] = Outgoing(messages[-1].html, keyboard)
    return messages


def caption(text: str) -> str:
    return escape(split_text(text, CAPTION_LIMIT)[0])


def _title(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= BUTTON_TITLE_CHARS else text[: BUTTON_TITLE_CHARS - 1] + "…"


class Keyboards:
    """Rasa's buttons as inline keyboards, kept per trainee (in PTB's ``user_data``).

    Callback data is limited to 64 bytes and comes back from the client, so it never carries
    the payload: only ``<keyboard>:<index>``, looked up in this trainee's own keyboards. A
    keyboard works once: a tap (or a forged or stale callback) removes it.
    """

    def __init__(self, user_data: MutableMapping[str, Any]):
        self._kept: OrderedDict[str, list[str]] = user_data.setdefault("keyboards", OrderedDict())

    def keyboard(self, buttons: Sequence[dict[str, Any]]) -> InlineKeyboardMarkup | None:
        usable = [b for b in buttons if isinstance(b, dict) and b.get("title") and isinstance(b.get("payload"), str)]
        if not usable:
            return None
        keyboard_id = secrets.token_urlsafe(6)  # 8 characters
        self._kept[keyboard_id] = [b["payload"] for b in usable]
        while len(self._kept) > KEYBOARDS_KEPT:
            self._kept.popitem(last=False)
        row = [InlineKeyboardButton(_title(b["title"]), callback_data=f"{keyboard_id}:{index}")
               for index, b in enumerate(usable)]
        return InlineKeyboardMarkup(_layout(row))

    def redeem(self, callback_data: str | None) -> str | None:
        """The payload behind a tapped button, or None for data this trainee was never given (or has used)."""
        match = _CALLBACK.match(callback_data or "")
        if match is None:
            return None
        payloads = self._kept.pop(match["keyboard"], None)
        index = int(match["index"])
        return payloads[index] if payloads is not None and index < len(payloads) else None


def _layout(buttons: list[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    if len(buttons) <= 3 and all(len(b.text) <= SHORT_TITLE_CHARS for b in buttons):
        return [buttons]
    return [[button] for button in buttons]


def debrief_scores(payload: dict[str, Any] | None) -> dict[str, int] | None:
    """The competency scores of a debrief payload (0-100 each), or None if this reply is no debrief."""
    scores = (payload or {}).get("scores")
    if not isinstance(scores, dict):
        return None
    valid = {str(k): max(0, min(100, int(v))) for k, v in scores.items() if isinstance(v, (int, float))}
    return valid or None
