"""Hostile input stays text; one trainee can neither read nor write another's conversation; CSRF; sign-in."""
from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from playwright.sync_api import expect

from actions.store.db import unit_of_work
from actions.store.models import utcnow
from bot.web import accounts
from tests.web.conftest import Account, Chat, screenshot, signed_in

pytestmark = pytest.mark.e2e
HOSTILE = "<img src=x onerror=alert(1)>"
TITLE = "Registering a new address"


def test_hostile_message_is_shown_as_text_and_runs_nothing(web, page):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    chat = Chat(page, web).sign_in(web.account())
    chat.start(TITLE)
    chat.say(HOSTILE)
    mine = chat.last("you")
    expect(mine.locator(".text")).to_have_text(HOSTILE)
    expect(page.locator("#messages img")).to_have_count(0)

    page.reload()  # the conversation comes back from the store: still text
    expect(chat.last("you").locator(".text")).to_have_text(HOSTILE)
    screenshot(page, "07-hostile-message")
    chat.answered(lambda: page.get_by_role("button", name="End", exact=True).click())
    expect(page.locator("#messages img:not(.chart)")).to_have_count(0)
    page.goto(f"{web.url}/progress")
    page.wait_for_timeout(500)  # time for a script to run, if one could
    assert dialogs == [], f"a script ran: {dialogs}"


def _send(client: httpx.Client, csrf: str | None, body: dict, **kwargs) -> httpx.Response:
    headers = {"X-CSRF-Token": csrf} if csrf else {}
    return client.post("/api/messages", json=body, headers=headers | kwargs.pop("headers", {}), **kwargs)


def test_a_trainee_cannot_read_or_write_another_trainees_conversation(web, page, browser):
    alice, bob = web.account(), web.account()
    # Alice finishes one attempt and is in the middle of a second one
    alice_api, alice_csrf = signed_in(web, alice)
    assert _send(alice_api, alice_csrf, {"text": "/scenario citizen_registration"}).status_code == 200
    ended = _send(alice_api, alice_csrf, {"text": "/end"}).json()["qser"]
    assert ended["done"]
    assert _send(alice_api, alice_csrf, {"text": "/scenario citizen_registration"}).status_code == 200
    assert _send(alice_api, alice_csrf, {"text": "My name is Alice Secretword and I work here."}).status_code == 200
    before = alice_api.get("/api/conversation").json()["conversation"]
    assert any("Secretword" in m["text"] for m in before["messages"])
    assert alice_api.get(f"/charts/attempts/{ended['attempt']}.svg").status_code == 200

    # Bob in the browser (the chat page the widget shows) sees only his own, empty, practice
    chat = Chat(page, web).sign_in(bob)
    expect(page.locator("#picker")).to_be_visible()
    expect(page.locator("#chat")).to_be_hidden()
    assert "Secretword" not in page.content()
    chat.start(TITLE)
    assert "Secretword" not in page.locator("#messages").inner_text()
    page.goto(f"{web.url}/progress")
    expect(page.get_by_text("You have not finished a scenario yet.")).to_be_visible()

    # Bob calling the API directly, with his own valid session and CSRF token
    bob_api, bob_csrf = signed_in(web, bob)
    assert "Secretword" not in bob_api.get("/api/conversation").text
    spoofed = _send(bob_api, bob_csrf, {"text": "/end", "sender": alice.pseudonym})
    assert spoofed.status_code == 422  # only the text may be sent
    assert _send(bob_api, bob_csrf, {"text": "/end"}, params={"sender": alice.pseudonym}).json()["qser"]["attempt"] \
        != before["attempt"]  # ends Bob's own attempt, nobody else's
    assert _send(bob_api, bob_csrf, {"text": "/end"}, headers={"X-Sender": alice.pseudonym}).json()["qser"] is None
    assert _send(bob_api, alice_csrf, {"text": "/end"}).status_code == 403  # Alice's CSRF token is no use to Bob
    assert bob_api.get(f"/charts/attempts/{ended['attempt']}.svg").status_code == 404
    assert bob_api.get(f"/charts/attempts/{before['attempt']}.svg").status_code == 404

    # without a session, or with a forged one, nothing at all
    anonymous = web.client()
    assert anonymous.get("/api/conversation").status_code == 401
    assert _send(anonymous, alice_csrf, {"text": "/end"}).status_code == 401
    anonymous.cookies.set("qser_session", "forged-session-token")
    assert anonymous.get("/api/conversation").status_code == 401

    # Alice's conversation is just as she left it, still in progress
    after = alice_api.get("/api/conversation").json()["conversation"]
    assert after == before


def test_state_changing_calls_need_the_csrf_token_and_this_origin(web):
    client, csrf = signed_in(web, web.account())
    assert _send(client, None, {"text": "/help"}).status_code == 403
    assert _send(client, "not-the-token", {"text": "/help"}).status_code == 403
    assert _send(client, csrf, {"text": "/help"}, headers={"Origin": "http://evil.example"}).status_code == 403
    assert _send(client, csrf, {"text": "/help"}, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert _send(client, csrf, {"text": "/help"}, headers={"Origin": web.url}).status_code == 200
    assert client.post("/logout", data={}).status_code == 403  # signing out is a state change too
    assert client.get("/api/conversation").status_code == 200

    fresh = web.client()
    fresh.get("/login")  # sets the form cookie, but the post below does not repeat it
    refused = fresh.post("/login", data={"username": "x", "password": "y", "csrf_token": "guess"})
    assert refused.status_code == 403 and "This form has expired" in refused.text


def test_sign_in_sign_out_and_invites(web):
    account = web.account()
    client = web.client()
    assert client.get("/chat").headers["location"] == "/login?next=%2Fchat"
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)[1]
    wrong = client.post("/login", data={"username": account.username, "password": "wrong password", "csrf_token": token})
    assert wrong.status_code == 401 and "The username or the password is not right" in wrong.text
    assert "qser_session" not in client.cookies
    away = client.post("/login", data={"username": account.username.upper(), "password": account.password,
                                       "csrf_token": token, "next": "//evil.example/x"})
    assert away.status_code == 303 and away.headers["location"] == "/chat"  # no redirect to another site
    page = client.get("/chat")
    assert f"Signed in as {account.username}" in page.text
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)[1]
    session_cookie = client.cookies["qser_session"]
    assert client.post("/logout", data={"csrf_token": csrf}).headers["location"] == "/login"
    replay = web.client()
    replay.cookies.set("qser_session", session_cookie)
    assert replay.get("/api/conversation").status_code == 401  # the session ended on the server

    link = next(l for l in web.qser("users", "invite").stdout.splitlines() if "/invite/" in l)
    path = link.removeprefix(web.url)
    form = web.client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.get(path).text)[1]
    short = form.post(path, data={"username": "new.trainee", "password": "short", "password_again": "short",
                                  "csrf_token": token})
    assert short.status_code == 400 and "use at least 10 characters" in short.text
    taken = form.post(path, data={"username": account.username, "password": "long enough pw", "csrf_token": token,
                                  "password_again": "long enough pw"})
    assert taken.status_code == 400 and "This username is taken" in taken.text
    made = form.post(path, data={"username": "New.Trainee", "password": "long enough pw", "csrf_token": token,
                                 "password_again": "long enough pw"})
    assert made.status_code == 303 and made.headers["location"] == "/chat"
    assert "Signed in as new.trainee" in form.get("/chat").text
    assert web.client().get(path).status_code == 410  # single use

    expired = next(l for l in web.qser("users", "invite").stdout.splitlines() if "/invite/" in l)
    with unit_of_work(web.database_url) as session:
        invite = accounts.open_invite(session, expired.rsplit("/", 1)[1])
        invite.expires_at = utcnow() - timedelta(minutes=1)
    assert web.client().get(expired.removeprefix(web.url)).status_code == 410


def test_users_add_prints_a_generated_password_that_signs_in(web):
    added = web.qser("users", "add", "Coordinator.One", "--role", "coordinator", "--department", "Housing")
    assert added.returncode == 0, added.stderr
    assert "added coordinator coordinator.one (Housing)" in added.stdout
    password = re.search(r"^password: (\S+)$", added.stdout, re.M)[1]
    signed_in(web, Account("coordinator.one", password, 0))
    again = web.qser("users", "add", "coordinator.one", "--role", "trainee")
    assert again.returncode == 1 and "This username is taken" in again.stderr
