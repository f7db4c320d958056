"""The Telegram user's pseudonym: the Telegram id never leaves the bridge."""
from __future__ import annotations

from bot.identity import keyed_pseudonym

PREFIX = "tg-"


def pseudonym(key: bytes, telegram_user_id: int) -> str:
    return keyed_pseudonym(key, PREFIX, f"telegram:{telegram_user_id}")
