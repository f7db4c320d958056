"""Pseudonymous sender ids: a keyed hash of the Telegram user id, never the id itself.

Rasa, the action server, the database and the logs only ever see the pseudonym. The key
comes from QSER_PSEUDONYM_KEY; for a local run without it, one is generated once and kept
in var/ (changing the key later makes every trainee a new one).
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets

from actions.settings import Settings

KEY_FILE = "pseudonym.key"
PREFIX = "tg-"


def pseudonym(key: bytes, telegram_user_id: int) -> str:
    digest = hmac.new(key, f"telegram:{telegram_user_id}".encode(), hashlib.sha256).hexdigest()
    return PREFIX + digest


def short(pseudonym_id: str) -> str:
    """Enough of a pseudonym to follow one conversation in the logs."""
    return pseudonym_id[:12]


def load_key(settings: Settings) -> tuple[bytes, str | None]:
    """The pseudonym key, and a note for the operator when it comes from var/ rather than QSER_PSEUDONYM_KEY."""
    if settings.pseudonym_key:
        return settings.pseudonym_key.encode(), None
    path = settings.var_dir / KEY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        note = f"QSER_PSEUDONYM_KEY is not set: using the pseudonym key kept in {path}"
    else:
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_hex(32) + "\n")
        note = (f"QSER_PSEUDONYM_KEY is not set: generated a pseudonym key in {path} for this local run; "
                "in production set QSER_PSEUDONYM_KEY (and never change it: a new key makes every trainee a new one)")
    key = path.read_text(encoding="utf-8").strip()
    if not key:
        raise ValueError(f"{path} is empty: delete it to generate a new pseudonym key, or set QSER_PSEUDONYM_KEY")
    return key.encode(), note
