"""Trainees' pseudonyms: every channel derives the Rasa sender id as a keyed hash, never the raw account id.

The key (QSER_PSEUDONYM_KEY, or one generated in var/ for a local run) is shared by the channels and
the dashboard, which recomputes web pseudonyms to find a trainee's department.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets

from actions.settings import Settings

KEY_FILE = "pseudonym.key"


def keyed_pseudonym(key: bytes, prefix: str, subject: str) -> str:
    """``prefix`` + HMAC-SHA256 of ``subject`` (e.g. "telegram:<id>") under the pseudonym key."""
    return prefix + hmac.new(key, subject.encode(), hashlib.sha256).hexdigest()


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
