"""``qser review`` and ``qser export`` in-process against the web tests' database, checked against the store."""
from __future__ import annotations

import csv
import json
import re

import pytest
from sqlalchemy import select

from actions.store.db import unit_of_work
from actions.store.models import Attempt, AuditLog, Turn

pytestmark = pytest.mark.e2e


def listed_ids(out: str) -> list[int]:
    return [int(m[1]) for m in re.finditer(r"^\s*(\d+)\s+\d{4}-\d\d-\d\d ", out, re.MULTILINE)]


def test_review_list_filters_as_the_dashboard_does(qser, reviewed):
    code, out, _ = qser("review", "list", "--trainee", str(reviewed.trainee_id))
    assert code == 0 and listed_ids(out) == [reviewed.attempt_id]
    assert reviewed.trainee.username in out and "Housing office" in out and "(1 attempts)" in out
    assert reviewed.attempt_id in listed_ids(qser("review", "list", "--department", "Housing office", "--language", "en")[1])
    for narrowing in (["--department", "Nowhere"], ["--scenario", "school_enrolment"], ["--language", "el"],
                      ["--since", "2999-01-01"], ["--until", "2000-01-01"], ["--min-score", "101"]):
        code, out, _ = qser("review", "list", "--trainee", str(reviewed.trainee_id), *narrowing)
        assert code == 0 and listed_ids(out) == [], narrowing
    with pytest.raises(SystemExit) as refused:
        qser("review", "list", "--since", "yesterday")
    assert refused.value.code == 2


def test_review_show_prints_every_turn_of_the_transcript(web, qser, reviewed):
    code, out, _ = qser("review", "show", str(reviewed.attempt_id))
    assert code == 0
    blocks = out.split("\nturn ")[1:]
    with unit_of_work(web.database_url) as session:
        attempt = session.get(Attempt, reviewed.attempt_id)
        turns = attempt.turns
        assert f"attempt {attempt.id}: {attempt.scenario_id} (en, " in out and f"total {attempt.total}" in out
        assert len(blocks) == len(turns) == 2
        for turn, block in zip(turns, blocks):
            assert block.startswith(f"{turn.index} (step {turn.step})")
            assert f"employee:   {turn.employee_text}\n" in block
            assert f"move:       {turn.move} (confidence {turn.confidence:.2f})" in block
            for competency, value in turn.points.items():
                assert f"{competency} {value:+d}" in block.split("points:")[1].split("\n")[0]
            assert f"client:     {turn.client_reply}" in block
            assert (turn.feedback or "-") in block.split("feedback:")[1]
    first = blocks[0]
    assert f"corrected:  {reviewed.override_move}; " in first and "clarity -2" in first and "respect +3" in first
    assert f"comment:    {reviewed.comment}" in first and "corrected:" not in blocks[1]
    code, _, err = qser("review", "show", "999999")
    assert code == 1 and "no attempt 999999" in err


def test_export_csv_writes_attempts_and_turns_of_the_filtered_attempts(web, qser, reviewed, tmp_path):
    code, out, _ = qser("export", "csv", "--out", str(tmp_path / "csv"), "--trainee", str(reviewed.trainee_id))
    assert code == 0 and "attempts.csv (1 rows)" in out and "turns.csv (2 rows)" in out
    with (tmp_path / "csv" / "attempts.csv").open(encoding="utf-8", newline="") as file:
        attempts = list(csv.DictReader(file))
    with (tmp_path / "csv" / "turns.csv").open(encoding="utf-8", newline="") as file:
        turns = list(csv.DictReader(file))
    assert [int(a["attempt_id"]) for a in attempts] == [reviewed.attempt_id]
    assert attempts[0]["trainee"] == reviewed.trainee.username and attempts[0]["department"] == "Housing office"
    with unit_of_work(web.database_url) as session:
        stored = session.scalars(select(Turn).where(Turn.attempt_id == reviewed.attempt_id).order_by(Turn.id)).all()
        assert [(int(t["turn_id"]), t["employee_text"], json.loads(t["points"])) for t in turns] == \
            [(s.id, s.employee_text, s.points) for s in stored]
        assert turns[0]["corrected_move"] == reviewed.override_move
        assert json.loads(turns[0]["comments"]) == [reviewed.comment] and turns[1]["corrected_move"] == ""
        audited = session.scalars(select(AuditLog).order_by(AuditLog.id.desc()).limit(2)).all()
    assert {(a.action, a.actor_id, a.detail["rows"]) for a in audited} == {("export.csv.attempts", None, 1),
                                                                          ("export.csv.turns", None, 2)}


def test_export_xapi_to_a_file_and_without_a_destination(web, qser, reviewed, tmp_path, monkeypatch):
    path = tmp_path / "statements.json"
    code, out, _ = qser("export", "xapi", "--out", str(path), "--trainee", str(reviewed.trainee_id))
    statements = json.loads(path.read_text(encoding="utf-8"))
    verbs = [s["verb"]["display"]["en-US"] for s in statements]
    assert code == 0 and f"exported {len(statements)} xAPI statements" in out
    assert verbs[:3] == ["initialized", "responded", "responded"] and verbs[3] == "completed"
    assert verbs[4] in ("passed", "failed") and verbs[5:] == ["scored"]
    monkeypatch.delenv("QSER_LRS_URL", raising=False)
    code, _, err = qser("export", "xapi")
    assert code == 2 and "QSER_LRS_URL" in err
