"""Accounts, invites, sessions and pseudonyms against a real (SQLite) database; charts escape what they show."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from actions.store.db import unit_of_work
from actions.store.models import Invite, User, WebSession, utcnow
from bot.web import accounts
from bot.web.app import templates
from bot.web.charts import competency_chart


def test_passwords_are_stored_as_argon2_hashes_and_checked(sqlite_url):
    with unit_of_work(sqlite_url) as session:
        accounts.create_user(session, " Ana.Perez ", "correct horse battery", "trainee", "Housing")
    with unit_of_work(sqlite_url) as session:
        user = session.scalars(select(User)).one()
        assert (user.username, user.role, user.department) == ("ana.perez", "trainee", "Housing")
        assert user.password_hash.startswith("$argon2id$") and "correct horse" not in user.password_hash
        assert accounts.authenticate(session, "ANA.PEREZ", "correct horse battery").id == user.id
        assert accounts.authenticate(session, "ana.perez", "wrong horse battery") is None
        assert accounts.authenticate(session, "nobody", "correct horse battery") is None


@pytest.mark.parametrize("username, password, key", [
    ("ab", "long enough password", "web_username_invalid"),
    ("ana perez", "long enough password", "web_username_invalid"),
    ("<script>", "long enough password", "web_username_invalid"),
    ("ana", "too short", "web_password_short"),
])
def test_bad_usernames_and_short_passwords_are_refused(sqlite_url, username, password, key):
    with unit_of_work(sqlite_url) as session, pytest.raises(accounts.AccountError) as refused:
        accounts.create_user(session, username, password, "trainee")
    assert refused.value.key == key


def test_an_invite_works_once_and_stores_only_a_hash(sqlite_url):
    with unit_of_work(sqlite_url) as session:
        token = accounts.create_invite(session, days=7, department="Schools")
    with unit_of_work(sqlite_url) as session:
        stored = session.scalars(select(Invite)).one()
        assert token not in stored.token_hash and len(stored.token_hash) == 64
        user = accounts.redeem_invite(session, token, "teacher.one", "long enough password")
        assert (user.role, user.department) == ("trainee", "Schools")
    with unit_of_work(sqlite_url) as session, pytest.raises(accounts.AccountError) as refused:
        accounts.redeem_invite(session, token, "teacher.two", "long enough password")
    assert refused.value.key == "web_invite_invalid"


def test_an_expired_invite_is_refused(sqlite_url):
    with unit_of_work(sqlite_url) as session:
        token = accounts.create_invite(session, days=1)
        session.scalars(select(Invite)).one().expires_at = utcnow() - timedelta(seconds=1)
    with unit_of_work(sqlite_url) as session:
        assert accounts.open_invite(session, token) is None


def test_sessions_expire_and_end(sqlite_url):
    with unit_of_work(sqlite_url) as session:
        user = accounts.create_user(session, "ana", "long enough password", "trainee")
        token, row = accounts.start_session(session, user.id, hours=1)
        assert token not in row.token_hash and row.csrf_token
    with unit_of_work(sqlite_url) as session:
        assert accounts.session_for(session, token).user.username == "ana"
        session.scalars(select(WebSession)).one().expires_at = utcnow() - timedelta(seconds=1)
    with unit_of_work(sqlite_url) as session:
        assert accounts.session_for(session, token) is None
        token, _ = accounts.start_session(session, user.id, hours=1)  # also clears the expired one
        assert len(session.scalars(select(WebSession)).all()) == 1
        accounts.end_session(session, token)
        assert accounts.session_for(session, token) is None


def test_pseudonyms_are_keyed_and_per_user():
    first = accounts.pseudonym(b"key-one", 1)
    assert first == accounts.pseudonym(b"key-one", 1) and first.startswith("web-")
    assert first != accounts.pseudonym(b"key-one", 2)
    assert first != accounts.pseudonym(b"key-two", 1)


def test_charts_escape_the_names_they_show():
    svg = str(competency_chart(templates().env, [("<script>alert(1)</script>", 80), ("Empathy & care", 35)], "en"))
    assert "<script>" not in svg and "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    assert "Empathy &amp; care" in svg and 'fill="#c62828"' in svg  # a low score is drawn red


def test_routes_admit_only_the_roles_they_name():
    """The route-level role check the coordinator dashboard will use, on the real app and database."""
    from fastapi import Depends
    from fastapi.testclient import TestClient

    from actions.store.db import migrate
    from bot.web.app import create_app
    from bot.web.auth import SESSION_COOKIE, requires

    migrate()  # the settings' database (a temporary folder in the tests)
    app = create_app()
    app.get("/for-coordinators")(lambda visitor=Depends(requires("coordinator")): {"user": visitor.username})
    cookies = {}
    with unit_of_work() as session:
        for role in ("trainee", "coordinator"):
            user = accounts.create_user(session, f"role-check-{role}", "long enough password", role)
            cookies[role] = accounts.start_session(session, user.id, hours=1)[0]
    with TestClient(app, follow_redirects=False) as client:
        client.cookies.set(SESSION_COOKIE, cookies["trainee"])
        refused = client.get("/for-coordinators")
        assert refused.status_code == 403 and "Your account cannot open this page" in refused.text
        client.cookies.set(SESSION_COOKIE, cookies["coordinator"])
        assert client.get("/for-coordinators").json() == {"user": "role-check-coordinator"}
        client.cookies.clear()
        assert client.get("/for-coordinators").headers["location"] == "/login?next=%2Ffor-coordinators"
