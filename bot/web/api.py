"""The chat page's JSON API: the conversation in progress, sending a message, a debrief's chart.

A message goes to Rasa's REST channel with the signed-in visitor's pseudonym as the sender. The
request body holds the text and nothing else (any other field is refused), so a browser cannot
speak as, or read, anyone else. Rasa's replies come back as chat messages with a ``kind``
(bot, coach, debrief) the page styles; they are plain text, which the page shows as text.
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from actions.messages import t
from actions.settings import LANGUAGES
from actions.store.db import unit_of_work
from bot.replies import qser_payload
from bot.rasa_client import RasaNoAnswer, RasaUnavailable
from bot.web import records
from bot.web.auth import Visitor, api_csrf, practising
from bot.web.charts import competency_alt, competency_chart
from bot.web.i18n import browser_language

router = APIRouter()
MAX_TEXT_CHARS = 20_000  # far above the trainer's own cap (QSER_MAX_MESSAGE_CHARS), which then answers


class Outgoing(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)


def error(request: Request, status: int, key: str, language: str | None = None) -> JSONResponse:
    language = language or browser_language(request, request.app.state.settings)
    return JSONResponse({"error": key, "message": t(language, key)}, status_code=status)


def _state(request: Request, visitor: Visitor) -> dict[str, Any]:
    """The trainee's language and mode as the store has them now (defaults before their first message)."""
    settings = request.app.state.settings
    with unit_of_work() as session:
        trainee = visitor.trainee(session)
        if trainee is None:
            return {"language": browser_language(request, settings), "mode": settings.default_mode}
        return {"language": trainee.language, "mode": trainee.mode}


def chat_messages(request: Request, replies: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict | None]:
    """Rasa's replies as chat messages, and the trainer's payload among them.

    As in the Telegram bridge: the coach's feedback is the text equal to the payload's ``feedback``,
    and the debrief is the last text of an answer whose payload has ``scores``.
    """
    payload = qser_payload(replies)
    scores = payload.get("scores") if payload else None
    shown = [r for r in replies if r.get("text") or r.get("buttons")]
    messages = []
    for index, reply in enumerate(shown):
        text = str(reply.get("text") or "")
        kind = "bot"
        if isinstance(scores, dict) and index == len(shown) - 1:
            kind = "debrief"
        elif payload is not None and text == payload.get("feedback"):
            kind = "coach"
        buttons = [{"title": str(b["title"]), "payload": b["payload"]} for b in reply.get("buttons") or []
                   if isinstance(b, dict) and b.get("title") and isinstance(b.get("payload"), str)]
        message = {"kind": kind, "text": text, "buttons": buttons}
        if kind == "debrief":
            language = payload.get("language") if payload.get("language") in LANGUAGES else "en"
            named = records.named_scores(request.app.state.catalogue, scores, language)
            message["chart"] = {"url": f"/charts/attempts/{int(payload['attempt'])}.svg",
                                "alt": competency_alt(named, language)}
        messages.append(message)
    return messages, payload


async def _nothing() -> None:
    """The page shows its typing indicator while Rasa is retried; nothing more to say meanwhile."""


@router.get("/api/conversation")
def conversation(request: Request, visitor: Visitor = Depends(practising)) -> dict[str, Any]:
    """The visitor's attempt in progress (rebuilt from the store), with their language and mode."""
    with unit_of_work() as session:
        current = records.conversation(session, request.app.state.library, visitor.trainee(session))
    return {**_state(request, visitor), "conversation": current}


@router.post("/api/messages")
async def send(request: Request, outgoing: Outgoing, visitor: Visitor = Depends(api_csrf)) -> Response:
    """Send the visitor's text (a reply to the client, or a command such as /hint) and return the answer."""
    hint = browser_language(request, request.app.state.settings)
    try:
        replies = await request.app.state.rasa.send(visitor.pseudonym, outgoing.text, {"language_hint": hint}, _nothing)
    except RasaUnavailable:
        state = await run_in_threadpool(_state, request, visitor)
        return error(request, 503, "web_error_unavailable", state["language"])
    except RasaNoAnswer:
        state = await run_in_threadpool(_state, request, visitor)
        return error(request, 504, "web_error_no_answer", state["language"])
    messages, payload = chat_messages(request, replies)
    state = await run_in_threadpool(_state, request, visitor)
    return JSONResponse({**state, "messages": messages, "qser": payload})


@router.get("/charts/attempts/{attempt_id:int}.svg")
def attempt_chart(request: Request, attempt_id: int, visitor: Visitor = Depends(practising)) -> Response:
    """The competency chart of one of the visitor's finished attempts (404 for anyone else's)."""
    state = request.app.state
    with unit_of_work() as session:
        trainee = visitor.trainee(session)
        scores = records.finished_attempt_scores(session, trainee, attempt_id)
        language = trainee.language if trainee else state.settings.default_language
    if scores is None:
        return error(request, 404, "web_not_found", language)
    svg = competency_chart(state.templates.env, records.named_scores(state.catalogue, scores, language), language)
    return Response(svg, media_type="image/svg+xml")
