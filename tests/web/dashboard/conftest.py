"""The dashboard against the web tests' real web app and SQLite stack (tests/web/conftest.py), with one
trainee who practised through Rasa's REST channel (so the store and Rasa's tracker hold real records)."""
from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import select

from actions.settings import get_settings
from actions.store.db import unit_of_work
from actions.store import review
from actions.store.models import Attempt, Trainee, Turn
from bot.cli import main
from tests.web.conftest import Account, WebApp, signed_in

HOSTILE = "<script>alert(1)</script>"
SCENARIO = "citizen_registration"


@dataclass
class Practised:
    trainee: Account
    trainee_id: int
    attempt_id: int
    turn_ids: list[int]


def practise(web: WebApp, account: Account, *lines: str) -> Practised:
    """``account`` plays SCENARIO through Rasa's REST channel as their web pseudonym, then ends it."""
    url = web.env["QSER_RASA_URL"] + "/webhooks/rest/webhook"
    with httpx.Client(timeout=60) as rasa:
        for text in (f"/scenario {SCENARIO}", *lines, "/end"):
            assert rasa.post(url, json={"sender": account.pseudonym, "message": text}).status_code == 200
    with unit_of_work(web.database_url) as session:
        trainee = session.scalars(select(Trainee).where(Trainee.pseudonym == account.pseudonym)).one()
        attempt = session.scalars(select(Attempt).where(Attempt.trainee_id == trainee.id)).one()
        return Practised(account, trainee.id, attempt.id, [turn.id for turn in attempt.turns])


@pytest.fixture(scope="session")
def practised(web) -> Practised:
    account = web.account("trainee", "Social services")
    return practise(web, account, HOSTILE, "Good morning, welcome. How can I help you today?")


@pytest.fixture(scope="session")
def staff(web) -> dict[str, Account]:
    return {role: web.account(role, "Citizen service") for role in ("trainee", "trainer", "coordinator")}


@pytest.fixture
def coordinator(web, staff) -> tuple[httpx.Client, str]:
    return signed_in(web, staff["coordinator"])


@dataclass
class Reviewed(Practised):
    override_move: str
    override_points: dict[str, int]
    comment: str


@pytest.fixture(scope="session")
def reviewed(web, staff) -> Reviewed:
    """A finished attempt of its own trainee (Housing office) whose first turn a coordinator corrected and
    commented on, through the dashboard's repository (the correction loses points at that step)."""
    done = practise(web, web.account("trainee", "Housing office"), "Good morning, welcome. How can I help you today?",
                    "Please sit down; I will explain each step of the registration.")
    move, text = "introduce_self", "Say your name when you greet."
    points = {"respect": 3, "empathy": -2, "clarity": -2, "openness": -2, "language_access": -2, "service": -2}  # < 0
    with unit_of_work(web.database_url) as session:
        turn = session.get(Turn, done.turn_ids[0])
        review.add_override(session, turn, staff["coordinator"].user_id, move, points)
        review.add_comment(session, turn, staff["coordinator"].user_id, text)
    return Reviewed(**vars(done), override_move=move, override_points=points, comment=text)


@pytest.fixture
def qser(web, monkeypatch, capsys):
    """The project command line in-process (bot.cli.main) against the web app's database:
    ``qser("review", "list")`` returns the exit code, what it printed and what it printed on stderr."""
    for name in ("QSER_DATABASE_URL", "QSER_PSEUDONYM_KEY", "QSER_WEB_PUBLIC_URL"):
        monkeypatch.setenv(name, web.env[name])

    def run(*args: str) -> tuple[int, str, str]:
        get_settings.cache_clear()  # settings as the environment has them now
        code = main(list(args))
        printed = capsys.readouterr()
        return code, printed.out, printed.err

    yield run
    monkeypatch.undo()
    get_settings.cache_clear()
