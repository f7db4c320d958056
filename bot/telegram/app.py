"""The one Application of the Telegram bridge: handlers, error handler, command menu; polling or webhook.

Run with ``./qser telegram`` (``./qser run`` starts it beside Rasa when TELEGRAM_BOT_TOKEN is set).
"""
from __future__ import annotations

import logging
import secrets
import sys
from urllib.parse import urlsplit

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application, ApplicationBuilder, CallbackQueryHandler, Defaults, MessageHandler, TypeHandler, filters,
)

from actions.messages import t
from actions.settings import LANGUAGES, Settings
from bot.telegram.handlers import Bridge
from bot.identity import load_key
from bot.rasa_client import RasaClient
from bot.telegram.traffic import PerUserOrder

logger = logging.getLogger(__name__)

# The commands of the product that the trainer has, in the menu's order (descriptions: command_<name> messages).
MENU = ("start", "scenarios", "hint", "restart", "end", "progress", "mode", "language", "help", "mydata", "forget")
ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY]
MAX_CONCURRENT_UPDATES = 256


def menu(language: str) -> list[BotCommand]:
    return [BotCommand(name, t(language, f"command_{name}")) for name in MENU]


def build_application(settings: Settings) -> Application:
    if not settings.telegram_bot_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    key, note = load_key(settings)
    if note:
        logger.warning(note)
    rasa = RasaClient(settings.rasa_url, settings.telegram_retry_seconds)
    bridge = Bridge(settings, rasa, key)

    async def register_commands(application: Application) -> None:
        for language in LANGUAGES:
            await application.bot.set_my_commands(menu(language), language_code=language)
        await application.bot.set_my_commands(menu(settings.default_language))  # every other language

    async def close_rasa(application: Application) -> None:
        await rasa.close()

    application = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token)
        .base_url(settings.telegram_base_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .concurrent_updates(PerUserOrder(MAX_CONCURRENT_UPDATES))
        .post_init(register_commands)
        .post_shutdown(close_rasa)
        .build()
    )
    private = filters.ChatType.PRIVATE
    application.add_handler(TypeHandler(Update, bridge.limit_rate), group=-1)
    application.add_handler(MessageHandler(~private, bridge.on_group))
    application.add_handler(MessageHandler(private & filters.UpdateType.EDITED_MESSAGE, bridge.on_edited))
    application.add_handler(MessageHandler(private & filters.UpdateType.MESSAGE & filters.TEXT, bridge.on_text))
    application.add_handler(MessageHandler(private & filters.UpdateType.MESSAGE, bridge.on_non_text))
    application.add_handler(CallbackQueryHandler(bridge.on_button))
    application.add_error_handler(bridge.on_error)
    return application


class _RedactingFormatter(logging.Formatter):
    """Keeps the bot token out of every log line, tracebacks included."""

    def __init__(self, secret: str):
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.secret = secret

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).replace(self.secret, "<bot token>")


def configure_logging(settings: Settings) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(_RedactingFormatter(settings.telegram_bot_token))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    for noisy in ("httpx", "httpcore"):  # request lines carry the token in the URL
        logging.getLogger(noisy).setLevel(logging.WARNING)


def run(settings: Settings) -> None:
    configure_logging(settings)
    application = build_application(settings)
    api_host = urlsplit(settings.telegram_base_url).netloc
    if settings.telegram_webhook_url:
        url = settings.telegram_webhook_url
        logger.info("Telegram bridge: webhook %s (listening on %s:%d), Bot API %s, Rasa %s", url,
                    settings.telegram_webhook_listen, settings.telegram_webhook_port, api_host, settings.rasa_url)
        application.run_webhook(
            listen=settings.telegram_webhook_listen, port=settings.telegram_webhook_port,
            url_path=urlsplit(url).path.lstrip("/"), webhook_url=url,
            secret_token=settings.telegram_webhook_secret or secrets.token_urlsafe(32),
            allowed_updates=ALLOWED_UPDATES)
    else:
        logger.info("Telegram bridge: long polling, Bot API %s, Rasa %s", api_host, settings.rasa_url)
        application.run_polling(allowed_updates=ALLOWED_UPDATES)
