"""All configuration, read from environment variables in one place.

Every component (action server, CLI, tests, benchmark) calls ``get_settings()``;
nothing else reads ``os.environ`` for configuration.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("en", "es", "el")
MODES = ("coach", "exam")


@dataclass(frozen=True)
class Settings:
    database_url: str
    tracker_url: str
    dialogues_dir: Path
    data_dir: Path
    cache_dir: Path
    default_language: str
    default_mode: str
    max_message_chars: int
    var_dir: Path
    rasa_port: int
    actions_port: int


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def load_settings() -> Settings:
    root = Path(_env("QSER_ROOT", str(PROJECT_ROOT)))
    var_dir = Path(_env("QSER_VAR_DIR", str(root / "var")))
    rasa_port = int(_env("QSER_RASA_PORT", "5005"))
    actions_port = int(_env("QSER_ACTIONS_PORT", "5055"))
    language = _env("QSER_DEFAULT_LANGUAGE", "en")
    mode = _env("QSER_DEFAULT_MODE", "coach")
    if language not in LANGUAGES:
        raise ValueError(f"QSER_DEFAULT_LANGUAGE must be one of {LANGUAGES}, not {language!r}")
    if mode not in MODES:
        raise ValueError(f"QSER_DEFAULT_MODE must be one of {MODES}, not {mode!r}")
    database_url = _env("QSER_DATABASE_URL", f"sqlite:///{var_dir / 'qser.db'}")
    return Settings(
        database_url=database_url,
        tracker_url=_env("QSER_TRACKER_URL", tracker_url_for(database_url)),
        dialogues_dir=Path(_env("QSER_DIALOGUES_DIR", str(root / "dialogues"))),
        data_dir=Path(_env("QSER_DATA_DIR", str(root / "data"))),
        cache_dir=Path(_env("QSER_CACHE_DIR", str(Path.home() / ".cache" / "qser"))),
        default_language=language,
        default_mode=mode,
        max_message_chars=int(_env("QSER_MAX_MESSAGE_CHARS", "2000")),
        var_dir=var_dir,
        rasa_port=rasa_port,
        actions_port=actions_port,
    )


def tracker_url_for(database_url: str) -> str:
    """Rasa's tracker store: a SQLite file beside ours, or the same PostgreSQL database.

    Rasa runs SQLAlchemy 1.4 with psycopg2, so the URL names no driver.
    """
    if database_url.startswith("sqlite"):
        return database_url.removesuffix(".db") + "-tracker.db"
    scheme, rest = database_url.split("://", 1)
    return "postgresql://" + rest if scheme.startswith("postgres") else database_url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
