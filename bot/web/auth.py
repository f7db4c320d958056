"""Who is asking, and may they: the session cookie, role checks and CSRF checks of the web app.

Signed in, a browser holds only a random session token (HttpOnly, SameSite=Lax cookie); the
user, their role and their pseudonym are looked up on the server for every request, so the
browser can never choose whose conversation it talks to.

CSRF: every state-changing request must carry a token the page got from the server and come
from this origin (when the browser says where it comes from). Signed in, the token is the
session's own (in the page's <meta> tag, sent as X-CSRF-Token or a form field); the forms shown
before sign-in (sign-in, invite) use a double-submit cookie instead.
"""
from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Callable

from fastapi import Depends, Request, Response
from sqlalchemy.orm import Session

from actions.store import repository as repo
from actions.store.db import unit_of_work
from actions.store.models import ROLES, Trainee
from bot.web import accounts

SESSION_COOKIE = "qser_session"
FORM_COOKIE = "qser_form"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
PRACTICE_ROLES = ROLES  # everyone practises
REVIEW_ROLES = ("trainer", "coordinator")  # the dashboard: reading transcripts, comments, charts, calibration
COORDINATOR_ROLES = ("coordinator",)  # score overrides, exports, GDPR export and erase, the audit log


class SignInRequired(Exception):
    """No valid session: pages redirect to the sign-in page, the API answers 401."""


class NotAllowed(Exception):
    """Signed in, but this role may not use the route (403)."""


class CsrfFailed(Exception):
    """A state-changing request without this browser's CSRF token, or from another origin (403)."""


@dataclass(frozen=True)
class Visitor:
    """The signed-in user of one request."""

    user_id: int
    username: str
    role: str
    department: str | None
    pseudonym: str
    csrf_token: str
    session_token: str

    def trainee(self, session: Session) -> Trainee | None:
        """Their practice record (none before their first message to the trainer)."""
        return repo.trainee_by_pseudonym(session, self.pseudonym)


def optional_visitor(request: Request) -> Visitor | None:
    """The signed-in visitor, or None (a route dependency for pages that anyone may open)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    with unit_of_work() as session:
        row = accounts.session_for(session, token)
        if row is None:
            return None
        user = row.user
        return Visitor(user.id, user.username, user.role, user.department,
                       accounts.pseudonym(request.app.state.pseudonym_key, user.id), row.csrf_token, token)


def requires(*roles: str) -> Callable[[Request], Visitor]:
    """A route dependency: the signed-in visitor, who must have one of ``roles``."""

    def dependency(request: Request) -> Visitor:
        visitor = optional_visitor(request)
        if visitor is None:
            raise SignInRequired()
        if visitor.role not in roles:
            raise NotAllowed()
        return visitor

    return dependency


practising = requires(*PRACTICE_ROLES)
reviewing = requires(*REVIEW_ROLES)
coordinating = requires(*COORDINATOR_ROLES)


def _same_origin(request: Request) -> bool:
    """False when the browser says the request comes from another site's page."""
    origin = request.headers.get("origin")
    if origin is None:
        return request.headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")
    own = {f"{request.url.scheme}://{request.url.netloc}", request.app.state.settings.web_public_url}
    return origin in own


def check_csrf(request: Request, expected: str, submitted: str | None) -> None:
    if not (_same_origin(request) and submitted and hmac.compare_digest(expected.encode(), submitted.encode())):
        raise CsrfFailed()


def check_form_csrf(request: Request, submitted: str | None) -> None:
    """For the forms shown before sign-in: the field must repeat the form cookie."""
    check_csrf(request, request.cookies.get(FORM_COOKIE, ""), submitted)


def api_csrf(request: Request, visitor: Visitor = Depends(practising)) -> Visitor:
    """For the JSON API's state-changing routes: the visitor, once their CSRF header checked out."""
    check_csrf(request, visitor.csrf_token, request.headers.get(CSRF_HEADER))
    return visitor


def form_token(request: Request) -> str:
    """The double-submit token of a form shown before sign-in (set as a cookie by ``set_form_cookie``)."""
    return request.cookies.get(FORM_COOKIE) or secrets.token_urlsafe(32)


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_form_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(FORM_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request), path="/")


def set_session_cookie(request: Request, response: Response, token: str, hours: int) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=hours * 3600, httponly=True, samesite="lax",
                        secure=_secure(request), path="/")


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
