"""The HTML pages: sign-in, invite sign-up, sign-out, the chat page, the progress page, and the widget script.

Pages are rendered on the server in the trainee's language (autoescaped Jinja2); the chat page's
script (static/chat.js) then talks to the JSON API in api.py.
"""
from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from actions.messages import t
from actions.settings import LANGUAGES
from actions.store.db import unit_of_work
from actions.store.models import User
from bot.web import accounts, records
from bot.web.auth import (
    CSRF_FIELD, REVIEW_ROLES, Visitor, check_csrf, check_form_csrf, clear_session_cookie, form_token, optional_visitor, practising,
    set_form_cookie, set_session_cookie,
)
from bot.web.charts import competency_chart, history_chart
from bot.web.i18n import browser_language

router = APIRouter()
HOME = "/chat"


def render(request: Request, name: str, language: str, visitor: Visitor | None = None, status: int = 200,
           **context: Any) -> HTMLResponse:
    context.setdefault("page", "")
    context.update(lang=language, _=partial(t, language), visitor=visitor, review_roles=REVIEW_ROLES,
                   language_names={code: t(code, "language_name") for code in LANGUAGES},
                   csrf_token=visitor.csrf_token if visitor else context.get("csrf_token"))
    return request.app.state.templates.TemplateResponse(request, name, context, status_code=status)


def error_page(request: Request, status: int, key: str) -> HTMLResponse:
    return render(request, "error.html", browser_language(request, request.app.state.settings), status=status,
                  message_key=key)


def _language(request: Request, visitor: Visitor, session: Session) -> str:
    trainee = visitor.trainee(session)
    return trainee.language if trainee else browser_language(request, request.app.state.settings)


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no //host or \\host redirects elsewhere)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return HOME


@router.get("/healthz", include_in_schema=False)
def health() -> PlainTextResponse:
    return PlainTextResponse("ok")


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse(HOME, status_code=303)


# --- signing in ----------------------------------------------------------------------------

def _form(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page with a form shown before sign-in, with its double-submit CSRF token."""
    token = form_token(request)
    response = render(request, name, browser_language(request, request.app.state.settings), status=status,
                      csrf_token=token, **context)
    set_form_cookie(request, response, token)
    return response


def _signed_in(request: Request, user: User, target: str) -> RedirectResponse:
    hours = request.app.state.settings.web_session_hours
    with unit_of_work() as session:
        token, _ = accounts.start_session(session, user.id, hours)
    response = RedirectResponse(_safe_next(target), status_code=303)
    set_session_cookie(request, response, token, hours)
    return response


@router.get("/login")
def login_page(request: Request, target: str = Query(HOME, alias="next"),
               visitor: Visitor | None = Depends(optional_visitor)) -> Response:
    if visitor is not None:
        return RedirectResponse(_safe_next(target), status_code=303)
    return _form(request, "login.html", next=_safe_next(target), error=None, username="")


@router.post("/login")
def login(request: Request, username: str = Form(""), password: str = Form(""), target: str = Form(HOME, alias="next"),
          csrf_token: str = Form("", alias=CSRF_FIELD)) -> Response:
    check_form_csrf(request, csrf_token)
    with unit_of_work() as session:
        user = accounts.authenticate(session, username, password)
    if user is None:
        return _form(request, "login.html", status=401, next=_safe_next(target), error="web_sign_in_failed",
                     username=username)
    return _signed_in(request, user, target)


@router.get("/invite/{token}")
def invite_page(request: Request, token: str) -> Response:
    with unit_of_work() as session:
        valid = accounts.open_invite(session, token) is not None
    if not valid:
        return error_page(request, 410, "web_invite_invalid")
    return _form(request, "invite.html", token=token, error=None, params={}, username="",
                 min_password=accounts.MIN_PASSWORD_CHARS)


@router.post("/invite/{token}")
def invite(request: Request, token: str, username: str = Form(""), password: str = Form(""),
           password_again: str = Form(""), csrf_token: str = Form("", alias=CSRF_FIELD)) -> Response:
    check_form_csrf(request, csrf_token)
    try:
        if password != password_again:
            raise accounts.AccountError("web_passwords_differ")
        with unit_of_work() as session:
            user = accounts.redeem_invite(session, token, username, password)
    except accounts.AccountError as refused:
        if refused.key == "web_invite_invalid":
            return error_page(request, 410, refused.key)
        return _form(request, "invite.html", status=400, token=token, error=refused.key, params=refused.params,
                     username=username, min_password=accounts.MIN_PASSWORD_CHARS)
    return _signed_in(request, user, HOME)


@router.post("/logout")
def logout(request: Request, csrf_token: str = Form("", alias=CSRF_FIELD),
           visitor: Visitor = Depends(practising)) -> RedirectResponse:
    check_csrf(request, visitor.csrf_token, csrf_token)
    with unit_of_work() as session:
        accounts.end_session(session, visitor.session_token)
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response)
    return response


# --- the trainee's pages -------------------------------------------------------------------

@router.get("/chat")
def chat(request: Request, scenario: str = "", visitor: Visitor = Depends(practising)) -> HTMLResponse:
    state = request.app.state
    with unit_of_work() as session:
        trainee = visitor.trainee(session)
        language = _language(request, visitor, session)
        choices = records.scenario_choices(session, state.library, trainee, language)
        mode = trainee.mode if trainee else state.settings.default_mode
    return render(request, "chat.html", language, visitor, page="chat", choices=choices, mode=mode,
                  chosen=scenario if any(c.id == scenario for c in choices) else "")


@router.get("/progress")
def progress(request: Request, visitor: Visitor = Depends(practising)) -> HTMLResponse:
    state = request.app.state
    with unit_of_work() as session:
        language = _language(request, visitor, session)
        summary = records.progress(session, state.library, state.catalogue, visitor.trainee(session), language)
    charts = {}
    if summary is not None:
        env = state.templates.env
        charts["competencies"] = competency_chart(env, summary.competencies, language)
        charts["history"] = history_chart(env, [(f"{entry.ended_at:%Y-%m-%d} {entry.title}: {entry.total}", entry.total)
                                                for entry in summary.history], language)
    return render(request, "progress.html", language, visitor, page="progress", summary=summary, charts=charts)


@router.get("/widget.js")
def widget(request: Request) -> Response:
    """The embeddable widget: a launcher button and a panel with this app's chat page in an iframe."""
    labels = {language: {"open": t(language, "web_widget_open"), "close": t(language, "web_widget_close"),
                         "frame": t(language, "web_widget_frame")} for language in LANGUAGES}
    body = request.app.state.templates.env.get_template("widget.js").render(labels=labels)
    return Response(body, media_type="text/javascript; charset=utf-8", headers={"Cache-Control": "no-cache"})
