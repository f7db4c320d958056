"""The authorization matrix: anonymous, trainee, trainer and coordinator against every route of the web app.

The routes are read from the app itself, so a route added without a decision here fails the test.
"""
from __future__ import annotations

import httpx
import pytest

from actions.store.db import unit_of_work
from bot.web import accounts
from bot.web.app import create_app
from tests.web.conftest import signed_in

pytestmark = pytest.mark.e2e
ROLES = ("anonymous", "trainee", "trainer", "coordinator")
PUBLIC, PRACTISING, REVIEWING, COORDINATING = (set(ROLES), {"trainee", "trainer", "coordinator"},
                                               {"trainer", "coordinator"}, {"coordinator"})
MATRIX = {  # (method, path as declared) -> the roles that may use it
    ("GET", "/healthz"): PUBLIC, ("GET", "/"): PUBLIC, ("GET", "/login"): PUBLIC, ("POST", "/login"): PUBLIC,
    ("GET", "/invite/{token}"): PUBLIC, ("POST", "/invite/{token}"): PUBLIC, ("GET", "/widget.js"): PUBLIC,
    ("GET", "/static"): PUBLIC,
    ("GET", "/chat"): PRACTISING, ("GET", "/progress"): PRACTISING, ("GET", "/api/conversation"): PRACTISING,
    ("POST", "/api/messages"): PRACTISING, ("GET", "/charts/attempts/{attempt_id:int}.svg"): PRACTISING,
    ("GET", "/dashboard"): REVIEWING, ("GET", "/dashboard/attempts"): REVIEWING,
    ("GET", "/dashboard/attempts/{attempt_id:int}"): REVIEWING,
    ("POST", "/dashboard/turns/{turn_id:int}/comments"): REVIEWING,
    ("GET", "/dashboard/trainees"): REVIEWING, ("GET", "/dashboard/trainees/{trainee_id:int}"): REVIEWING,
    ("GET", "/dashboard/charts"): REVIEWING, ("GET", "/dashboard/calibration"): REVIEWING,
    ("POST", "/dashboard/turns/{turn_id:int}/override"): COORDINATING,
    ("GET", "/dashboard/export/{kind}.csv"): COORDINATING, ("GET", "/dashboard/export/xapi.json"): COORDINATING,
    ("GET", "/dashboard/trainees/{trainee_id:int}/export.json"): COORDINATING,
    ("POST", "/dashboard/trainees/{trainee_id:int}/erase"): COORDINATING,
    ("GET", "/dashboard/audit"): COORDINATING,
    ("POST", "/logout"): PRACTISING,  # last: it ends the session
}


def declared_routes() -> set[tuple[str, str]]:
    found = set()
    for entry in create_app().routes:
        for route in getattr(entry, "original_router", entry).routes if hasattr(entry, "original_router") else [entry]:
            for method in getattr(route, "methods", None) or {"GET"}:
                if method != "HEAD":
                    found.add((method, route.path))
    return found


def test_every_route_has_a_decision():
    routes = declared_routes()
    assert routes == set(MATRIX), f"undecided: {routes - set(MATRIX)}; gone: {set(MATRIX) - routes}"


def _denied(response: httpx.Response) -> bool:
    """Refused by the role check: 403, the API's 401, or a page's redirect to the sign-in page."""
    if response.status_code == 403:
        return True
    if response.status_code == 401:
        return response.headers.get("content-type", "").startswith("application/json")
    return response.status_code == 303 and response.headers["location"].startswith("/login?next=")


def _call(client: httpx.Client, csrf: str | None, method: str, path: str, ids: dict) -> httpx.Response:
    concrete = (path.replace("{attempt_id:int}", str(ids["attempt"])).replace("{turn_id:int}", str(ids["turn"]))
                .replace("{trainee_id:int}", str(ids["trainee"])).replace("{kind}", "turns")
                .replace("{token}", ids["invite"]).replace("/static", "/static/app.css"))
    if method == "GET":
        return client.get(concrete)
    if path in ("/login", "/invite/{token}"):  # forms shown before sign-in carry their own token
        client.get(concrete)  # sets the double-submit cookie (a signed-in client has it from signing in)
        token = client.cookies.get("qser_form")
        return client.post(concrete, data={"csrf_token": token, "username": "nobody", "password": "wrong"})
    if path == "/api/messages":
        return client.post(concrete, json={"text": "/help"}, headers={"X-CSRF-Token": csrf or ""})
    data = {"csrf_token": csrf or "", "text": "A comment", "move": "", "points_respect": "1", "confirm": ""}
    return client.post(concrete, data=data)


@pytest.mark.parametrize("role", ROLES)
def test_authorization_matrix(web, staff, practised, role):
    with unit_of_work(web.database_url) as session:
        invite = accounts.create_invite(session, 1)
    ids = {"attempt": practised.attempt_id, "turn": practised.turn_ids[0], "trainee": practised.trainee_id,
           "invite": invite}
    client, csrf = (web.client(), None) if role == "anonymous" else signed_in(web, staff[role])
    wrong = []
    for (method, path), allowed in MATRIX.items():
        response = _call(client, csrf, method, path, ids)
        if _denied(response) == (role in allowed) or response.status_code >= 500:
            wrong.append(f"{method} {path}: {response.status_code} {response.headers.get('location', '')}")
    assert not wrong, f"{role}: " + "; ".join(wrong)
