"""CSV exports match the database; a trainee's data as JSON; erasing leaves nothing that points at them."""
from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import create_engine, inspect, select, text

from actions.settings import tracker_url_for
from actions.store.db import normalise_url, unit_of_work
from actions.store.models import Attempt, AuditLog, Turn
from tests.web.dashboard.conftest import HOSTILE, practise
from tests.web.conftest import signed_in

pytestmark = pytest.mark.e2e


def test_turns_csv_opens_with_the_csv_module_and_matches_the_database(web, coordinator, practised):
    client, _ = coordinator
    response = client.get("/dashboard/export/turns.csv", params={"trainee": practised.trainee_id})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    with unit_of_work(web.database_url) as session:
        turns = session.scalars(select(Turn).join(Attempt).where(Attempt.trainee_id == practised.trainee_id)
                                .order_by(Turn.id)).all()
        expected = [(str(t.id), t.employee_text, t.move, json.loads(json.dumps(t.points)), t.client_reply) for t in turns]
    got = sorted((r["turn_id"], r["employee_text"], r["move"], json.loads(r["points"]), r["client_reply"]) for r in rows)
    assert got == sorted(expected) and any(r["employee_text"] == HOSTILE for r in rows)
    attempts = list(csv.DictReader(io.StringIO(client.get("/dashboard/export/attempts.csv",
                                                          params={"trainee": practised.trainee_id}).text)))
    assert [int(a["attempt_id"]) for a in attempts] == [practised.attempt_id]


def _rows_mentioning(database_url: str, needles: list[str]) -> list[str]:
    """Every row of every table in which one of ``needles`` occurs as a whole value or inside text."""
    engine = create_engine(normalise_url(database_url))
    found = []
    with engine.connect() as connection:
        for table in inspect(engine).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                for value in row:
                    if any(needle == str(value) or (isinstance(value, str) and needle in value and len(needle) > 8)
                           for needle in needles):
                        found.append(f"{table}: {row}")
    engine.dispose()
    return found


def test_erase_leaves_no_row_that_references_the_trainee(web, staff):
    account = web.account("trainee", "Housing office")
    erased = practise(web, account, "Hello, my name is Eleni, how can I help?")
    tracker = tracker_url_for(web.database_url)
    assert _rows_mentioning(tracker, [account.pseudonym])  # Rasa stored the conversation
    client, csrf = signed_in(web, staff["coordinator"])
    exported = client.get(f"/dashboard/trainees/{erased.trainee_id}/export.json").json()
    assert exported["account"]["username"] == account.username
    assert [t["employee_text"] for t in exported["attempts"][0]["turns"]] == ["Hello, my name is Eleni, how can I help?"]
    client.post(f"/dashboard/turns/{erased.turn_ids[0]}/comments", data={"csrf_token": csrf, "text": "Good start"})
    client.get(f"/dashboard/attempts/{erased.attempt_id}")

    response = client.post(f"/dashboard/trainees/{erased.trainee_id}/erase", data={"csrf_token": csrf, "confirm": "erase"})
    assert response.status_code == 303
    assert _rows_mentioning(web.database_url, [account.pseudonym, account.username, "Good start", "Eleni"]) == []
    assert _rows_mentioning(tracker, [account.pseudonym]) == []
    with unit_of_work(web.database_url) as session:
        assert session.scalar(select(Attempt).where(Attempt.trainee_id == erased.trainee_id)) is None
        pointing = session.scalars(select(AuditLog).where(
            ((AuditLog.target_kind == "trainee") & (AuditLog.target_id == erased.trainee_id))
            | ((AuditLog.target_kind == "attempt") & (AuditLog.target_id == erased.attempt_id))
            | ((AuditLog.target_kind == "turn") & AuditLog.target_id.in_(erased.turn_ids))
            | (AuditLog.actor_id == account.user_id))).all()
        assert pointing == []
        record = session.scalars(select(AuditLog).where(AuditLog.action == "trainee.erase")).all()[-1]
        assert record.target_id is None and record.detail["turns"] == 1 and record.detail["tracker_events"] > 0
