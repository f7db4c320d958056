"""All configuration, read from environment variables in one place.

Every component (action server, CLI, tests, benchmark) calls ``get_settings()``;
nothing else reads ``os.environ`` for configuration.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("en", "es", "el")
MODES = ("coach", "exam")
TELEGRAM_API_URL = "https://api.telegram.org/bot"
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts as a webhook secret token


def language_from_tag(tag: str | None) -> str | None:
    """One of LANGUAGES for an IETF language tag from a channel ("es", "el-GR"), else None."""
    primary = (tag or "").split("-")[0].strip().lower()
    return primary if primary in LANGUAGES else None


@dataclass(frozen=True)
class Settings:
    database_url: str
    tracker_url: str
    # Rasa's lock store: Redis (redis://[:password@]host[:port][/db]) lets several Rasa replicas share
    # conversations, one message of a conversation at a time; empty: in memory, one Rasa process only.
    lock_store_url: str = field(repr=False)
    dialogues_dir: Path
    data_dir: Path
    cache_dir: Path
    default_language: str
    default_mode: str
    max_message_chars: int
    var_dir: Path
    rasa_port: int
    actions_port: int
    rasa_url: str  # the Rasa server the channels (the Telegram bridge) talk to
    # The Telegram bridge runs when a token is set (from @BotFather); secrets stay out of repr().
    telegram_bot_token: str = field(repr=False)
    telegram_base_url: str  # the Bot API; tests point it at an emulator
    telegram_webhook_url: str  # public HTTPS URL: webhook mode instead of long polling when set
    telegram_webhook_secret: str = field(repr=False)  # checked on every webhook call; random per start if unset
    telegram_webhook_listen: str
    telegram_webhook_port: int
    telegram_rate_limit: int  # messages per minute and trainee
    telegram_retry_seconds: int  # how long the bridge retries a message while Rasa is unreachable
    pseudonym_key: str = field(repr=False)  # HMAC key of the trainees' pseudonyms (bot/identity.py)
    # The web app (bot/web): trainee chat page, embeddable widget, progress page.
    web_host: str  # the address uvicorn binds
    web_port: int
    web_public_url: str  # how browsers reach it (invite links, the widget's <script> tag); https behind a proxy
    web_session_hours: int  # a sign-in lasts this long
    web_invite_days: int  # an invite link expires after this many days (and works once)
    web_embed_origins: str  # pages allowed to embed the widget (CSP frame-ancestors sources, space-separated)
    # The Learning Record Store ``qser export xapi`` posts to (its xAPI endpoint, e.g. https://lrs.example/xAPI/).
    lrs_url: str
    lrs_user: str
    lrs_password: str = field(repr=False)


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _positive_int(name: str, default: str) -> int:
    value = _env(name, default)
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{name} must be a positive whole number, not {value!r}")
    return int(value)


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
    web_host = _env("QSER_WEB_HOST", "127.0.0.1")
    web_port = _positive_int("QSER_WEB_PORT", "8000")
    webhook_secret = _env("TELEGRAM_WEBHOOK_SECRET", "")
    if webhook_secret and not _WEBHOOK_SECRET.match(webhook_secret):
        raise ValueError("TELEGRAM_WEBHOOK_SECRET may use only A-Z, a-z, 0-9, _ and - (1-256 characters)")
    return Settings(
        database_url=database_url,
        tracker_url=_env("QSER_TRACKER_URL", tracker_url_for(database_url)),
        lock_store_url=_lock_store_url(_env("QSER_LOCK_STORE_URL", "")),
        dialogues_dir=Path(_env("QSER_DIALOGUES_DIR", str(root / "dialogues"))),
        data_dir=Path(_env("QSER_DATA_DIR", str(root / "data"))),
        cache_dir=Path(_env("QSER_CACHE_DIR", str(Path.home() / ".cache" / "qser"))),
        default_language=language,
        default_mode=mode,
        max_message_chars=int(_env("QSER_MAX_MESSAGE_CHARS", "2000")),
        var_dir=var_dir,
        rasa_port=rasa_port,
        actions_port=actions_port,
        rasa_url=_env("QSER_RASA_URL", f"http://127.0.0.1:{rasa_port}").rstrip("/"),
        telegram_bot_token=_env("TELEGRAM_BOT_TOKEN", ""),
        telegram_base_url=_env("TELEGRAM_BASE_URL", TELEGRAM_API_URL),
        telegram_webhook_url=_env("TELEGRAM_WEBHOOK_URL", ""),
        telegram_webhook_secret=webhook_secret,
        telegram_webhook_listen=_env("TELEGRAM_WEBHOOK_LISTEN", "127.0.0.1"),
        telegram_webhook_port=_positive_int("TELEGRAM_WEBHOOK_PORT", "8443"),
        telegram_rate_limit=_positive_int("QSER_TELEGRAM_RATE_LIMIT", "20"),
        telegram_retry_seconds=_positive_int("QSER_TELEGRAM_RETRY_SECONDS", "300"),
        pseudonym_key=_env("QSER_PSEUDONYM_KEY", ""),
        web_host=web_host,
        web_port=web_port,
        web_public_url=_env("QSER_WEB_PUBLIC_URL", f"http://{web_host}:{web_port}").rstrip("/"),
        web_session_hours=_positive_int("QSER_WEB_SESSION_HOURS", "12"),
        web_invite_days=_positive_int("QSER_WEB_INVITE_DAYS", "7"),
        web_embed_origins=_env("QSER_WEB_EMBED_ORIGINS", "http://127.0.0.1:* http://localhost:*"),
        lrs_url=_env("QSER_LRS_URL", ""),
        lrs_user=_env("QSER_LRS_USER", ""),
        lrs_password=_env("QSER_LRS_PASSWORD", ""),
    )


def _lock_store_url(url: str) -> str:
    if url and urlsplit(url).scheme != "redis":
        raise ValueError(f"QSER_LOCK_STORE_URL must be a redis:// URL (or empty for one Rasa process), not {url!r}")
    return url


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
