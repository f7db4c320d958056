"""The bridge's handlers: a trainee's text or button tap goes to Rasa, Rasa's replies come back.

Everything else gets a clear answer too: non-text messages, edits, group chats, floods,
Rasa being down or slow. Logs name a trainee by a prefix of the pseudonym only, and never
hold message text or Telegram ids.
"""
from __future__ import annotations

import asyncio
import logging
import math
import time
import traceback
from contextlib import suppress
from typing import Any

from telegram import Chat, Update
from telegram.constants import ChatAction
from telegram.error import BadRequest, TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from actions.catalogue import get_catalogue
from actions.messages import t
from actions.settings import LANGUAGES, Settings, language_from_tag
from bot.replies import qser_payload
from bot.telegram.chart import competency_chart
from bot.identity import short
from bot.telegram.identity import pseudonym
from bot.rasa_client import RasaClient, RasaNoAnswer, RasaUnavailable, Replies
from bot.telegram.render import (
    Keyboards, Style, caption, debrief_scores, escape, render_text,
)
from bot.telegram.traffic import RateLimit

logger = logging.getLogger(__name__)

TYPING_EVERY = 4.0  # seconds; Telegram shows "typing…" for about five
SLOW_NOTICE_AFTER = 2  # typing rounds (8 s) before "still working, please wait"

Context = ContextTypes.DEFAULT_TYPE


async def _send(chat: Chat, language: str, key: str, **params: Any) -> None:
    await chat.send_message(escape(t(language, key, **params)))


class Waiting:
    """While Rasa works on a message: "typing…", a "please wait" when it takes long, the outage notice."""

    def __init__(self, chat: Chat, language: str, retry_seconds: int):
        self.chat = chat
        self.language = language
        self.retry_minutes = max(1, math.ceil(retry_seconds / 60))
        self.told = False  # one "please wait" per message is enough
        self._task: asyncio.Task | None = None

    async def __aenter__(self) -> "Waiting":
        self._task = asyncio.create_task(self._typing())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with suppress(asyncio.CancelledError):
            await self._task

    async def unavailable(self) -> None:
        if not self.told:
            self.told = True
            await _send(self.chat, self.language, "telegram_unavailable", minutes=self.retry_minutes)

    async def _typing(self) -> None:
        rounds = 0
        try:
            while True:
                await self.chat.send_action(ChatAction.TYPING)
                await asyncio.sleep(TYPING_EVERY)
                rounds += 1
                if rounds == SLOW_NOTICE_AFTER and not self.told:
                    self.told = True
                    await _send(self.chat, self.language, "telegram_slow")
        except TelegramError as error:  # the notices are a courtesy; the answer itself still goes out
            logger.warning("could not show that the trainer is working: %s", type(error).__name__)


class Bridge:
    def __init__(self, settings: Settings, rasa: RasaClient, key: bytes):
        self.settings = settings
        self.rasa = rasa
        self.key = key
        self.rates = RateLimit(settings.telegram_rate_limit)
        self.catalogue = get_catalogue()

    # --- handlers -------------------------------------------------------------------------

    async def limit_rate(self, update: Update, context: Context) -> None:
        """Runs before every other handler (group -1); stops an update over the trainee's rate limit."""
        if update.effective_user is None or context.user_data is None:
            return
        verdict = self.rates.check(context.user_data, time.monotonic())
        if verdict.allowed:
            return
        logger.info("%s is over the rate limit; an update was not processed", self._who(update))
        if update.callback_query is not None:
            await update.callback_query.answer()
        if verdict.notify and update.effective_chat is not None:
            await _send(update.effective_chat, self._language(update, context), "telegram_rate_limited",
                        seconds=verdict.wait_seconds)
        raise ApplicationHandlerStop

    async def on_text(self, update: Update, context: Context) -> None:
        await self._converse(update, context, update.effective_message.text)

    async def on_button(self, update: Update, context: Context) -> None:
        query = update.callback_query
        await query.answer()
        payload = Keyboards(context.user_data).redeem(query.data)
        if query.message is not None and query.message.is_accessible and query.message.reply_markup:
            try:  # the keyboard goes, so it cannot be tapped twice
                await query.edit_message_reply_markup(reply_markup=None)
            except BadRequest as error:  # already edited, or too old to edit
                logger.info("could not remove a keyboard: %s", type(error).__name__)
        if payload is None:
            await _send(update.effective_chat, self._language(update, context), "telegram_button_expired")
            return
        await self._converse(update, context, payload)

    async def on_non_text(self, update: Update, context: Context) -> None:
        await _send(update.effective_chat, self._language(update, context), "telegram_non_text")

    async def on_edited(self, update: Update, context: Context) -> None:
        await _send(update.effective_chat, self._language(update, context), "telegram_edited")

    async def on_group(self, update: Update, context: Context) -> None:
        await _send(update.effective_chat, self._language(update, context), "telegram_private_only")

    async def on_error(self, update: object, context: Context) -> None:
        """Logs the error's type and where it happened (not its message, which may quote a text) and tells the trainee."""
        error = context.error
        where = "".join(traceback.format_tb(error.__traceback__)) if error is not None else ""
        logger.error("an update failed with %s\n%s", type(error).__name__, where.rstrip())
        if isinstance(update, Update) and update.effective_chat is not None:
            try:
                await _send(update.effective_chat, self._language(update, context), "error_try_again")
            except TelegramError as second:
                logger.warning("could not tell the trainee about it either: %s", type(second).__name__)

    # --- talking to Rasa ------------------------------------------------------------------

    async def _converse(self, update: Update, context: Context, text: str) -> None:
        chat, user = update.effective_chat, update.effective_user
        sender = pseudonym(self.key, user.id)
        language = self._language(update, context)
        metadata = {"language_hint": user.language_code} if user.language_code else {}
        if update.message is not None:  # the store answers a message sent again from its record instead of scoring it twice
            metadata["message_id"] = f"tg-{update.message.message_id}"
        started = time.monotonic()
        async with Waiting(chat, language, self.settings.telegram_retry_seconds) as waiting:
            try:
                replies = await self.rasa.send(sender, text, metadata, waiting.unavailable)
            except RasaUnavailable:
                logger.warning("%s: Rasa stayed unreachable; the trainee is asked to resend", short(sender))
                await self._answer(update, language, "telegram_gave_up")
                return
            except RasaNoAnswer as error:
                logger.warning("%s: no usable answer from Rasa (%s); the trainee is told", short(sender), error)
                await self._answer(update, language, "telegram_no_answer")
                return
        logger.info("%s: %d replies in %.0f ms", short(sender), len(replies), (time.monotonic() - started) * 1000)
        await self._show(chat, context, replies, language)

    async def _show(self, chat: Chat, context: Context, replies: Replies, language: str) -> None:
        payload = qser_payload(replies)
        if payload is not None and payload.get("language") in LANGUAGES:
            language = context.user_data["language"] = payload["language"]
        scores = debrief_scores(payload)
        shown = [r for r in replies if r.get("text") or r.get("buttons")]
        keyboards = Keyboards(context.user_data)
        for index, reply in enumerate(shown):
            text = str(reply.get("text") or t(language, "telegram_choose"))
            style = Style.PLAIN
            if scores is not None and index == len(shown) - 1:  # the debrief is the last text of its answer
                try:
                    await self._send_chart(chat, scores, payload, language)
                except Exception:  # noqa: BLE001 - the debrief's text matters more than its picture
                    logger.error("the competency chart could not be sent", exc_info=True)
                style = Style.DEBRIEF
            elif payload is not None and text == payload.get("feedback"):
                style = Style.FEEDBACK
            for message in render_text(text, style, language, keyboards.keyboard(reply.get("buttons") or [])):
                await chat.send_message(message.html, reply_markup=message.keyboard)

    async def _send_chart(self, chat: Chat, scores: dict[str, int], payload: dict, language: str) -> None:
        named = {self._competency(c, language): score for c, score in scores.items()}
        await chat.send_action(ChatAction.UPLOAD_PHOTO)
        png = await asyncio.to_thread(competency_chart, named, t(language, "telegram_chart_title"))
        total = payload.get("total")
        await chat.send_photo(png, filename="competencies.png",
                              caption=caption(t(language, "debrief_total", total=total)) if isinstance(total, int) else None)

    # --- helpers --------------------------------------------------------------------------

    def _competency(self, competency: str, language: str) -> str:
        known = competency in self.catalogue.competencies
        return self.catalogue.competency_name(competency, language) if known else competency

    def _language(self, update: Update, context: Context) -> str:
        """The trainee's language as last seen in a reply, else Telegram's, else the default."""
        remembered = (context.user_data or {}).get("language")
        if remembered:
            return remembered
        user = update.effective_user
        return language_from_tag(user.language_code if user else None) or self.settings.default_language

    async def _answer(self, update: Update, language: str, key: str) -> None:
        """A notice about the trainee's own message, as a reply to it when it was a typed message."""
        if update.message is not None:
            await update.message.reply_text(escape(t(language, key)), do_quote=True)
        else:
            await _send(update.effective_chat, language, key)

    def _who(self, update: Update) -> str:
        return short(pseudonym(self.key, update.effective_user.id))
