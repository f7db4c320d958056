"""Reading Rasa's REST replies: every channel (Telegram, web, CLI, scenario tests) finds the trainer's payload the same way."""
from __future__ import annotations

from typing import Any, Iterable


def qser_payload(replies: Iterable[dict[str, Any]]) -> dict[str, Any] | None:
    """The trainer's machine-readable payload among Rasa's replies (there is at most one)."""
    for reply in replies:
        custom = reply.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("qser"), dict):
            return custom["qser"]
    return None
