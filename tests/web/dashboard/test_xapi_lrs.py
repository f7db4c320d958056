"""Exported xAPI statements against Ralph (ralph-malph, in its own environment .venv-ralph): every statement
validates with Ralph's xAPI models, and they round-trip through Ralph's LRS (file backend) started here."""
from __future__ import annotations

import copy
import json
import os
import subprocess
from datetime import datetime

import httpx
import pytest

from actions.settings import PROJECT_ROOT
from bot.review import xapi
from bot.stack import Service
from tests.conftest import free_port

pytestmark = pytest.mark.e2e
RALPH = PROJECT_ROOT / ".venv-ralph" / "bin"  # scripts/setup.sh builds it from requirements/ralph.txt
LRS_USER, LRS_PASSWORD = "qser-export", "lrs-test-password"
VALIDATE = """
import json, sys
from pydantic import ValidationError
from ralph.models.xapi.base.statements import BaseXapiStatement
problems = []
for number, statement in enumerate(json.load(sys.stdin)):
    try:
        BaseXapiStatement.model_validate(statement)
    except ValidationError as error:
        problems.append([number, str(error)])
json.dump(problems, sys.stdout)
"""


def ralph_problems(statements: list[dict]) -> list[list]:
    """[statement number, Ralph's validation errors] for every statement Ralph's xAPI models refuse."""
    done = subprocess.run([str(RALPH / "python"), "-c", VALIDATE], input=json.dumps(statements), capture_output=True,
                          text=True, timeout=120, check=True)
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def lrs(tmp_path_factory) -> str:
    """Ralph's LRS on a file backend, with one basic-auth user made by ``ralph auth``; its xAPI endpoint."""
    home = tmp_path_factory.mktemp("ralph")
    env = dict(os.environ, RALPH_APP_DIR=str(home), RALPH_AUTH_FILE=str(home / "auth.json"),
               RALPH_RUNSERVER_BACKEND="fs")
    subprocess.run([str(RALPH / "ralph"), "auth", "--username", LRS_USER, "--password", LRS_PASSWORD, "--scope", "all",
                    "--agent-ifi-account", "qser-export", "https://qser.example.org", "--write-to-disk"],
                   cwd=home, env=env, check=True, capture_output=True, timeout=120)
    port = free_port()
    (home / "run").mkdir()  # its working folder (runserver reloads on changes to .py files under it)
    service = Service("Ralph LRS", [str(RALPH / "ralph"), "runserver", "--backend", "fs", "--fs-default-directory-path",
                                    str(home / "statements"), "--host", "127.0.0.1", "--port", str(port)],
                      env, f"http://127.0.0.1:{port}/__lbheartbeat__", home / "ralph.log", cwd=home / "run")
    service.start()
    try:
        service.wait_ready(90)
        yield f"http://127.0.0.1:{port}/xAPI/"
    finally:
        service.stop()


def stored_statements(endpoint: str) -> dict[str, dict]:
    """Every statement the LRS holds, by id (following its ``more`` links)."""
    found, url = {}, endpoint + "statements"
    with httpx.Client(auth=(LRS_USER, LRS_PASSWORD), headers={"X-Experience-API-Version": xapi.XAPI_VERSION},
                      timeout=30) as client:
        while url:
            response = client.get(url)
            assert response.status_code == 200, response.text
            page = response.json()
            found.update({s["id"]: s for s in page["statements"]})
            url = httpx.URL(endpoint).join(page["more"]) if page.get("more") else None
    return found


def exported(qser, reviewed, tmp_path) -> list[dict]:
    path = tmp_path / "statements.json"
    assert qser("export", "xapi", "--out", str(path), "--trainee", str(reviewed.trainee_id))[0] == 0
    return json.loads(path.read_text(encoding="utf-8"))


def test_exported_statements_validate_with_ralphs_xapi_models(web, qser, reviewed, tmp_path):
    statements = exported(qser, reviewed, tmp_path)
    assert ralph_problems(statements) == []
    responded = [s for s in statements if s["verb"]["id"] == xapi.VERBS["responded"]]
    move = xapi.Statements(web.url).iri("extensions", "move")
    assert [s["result"]["extensions"][move] for s in responded][0] == reviewed.override_move  # as corrected
    broken = copy.deepcopy(statements[:3])
    broken[0]["verb"]["id"] = "initialized"  # not an IRI
    broken[1]["result"]["score"] = {"scaled": 1.5}  # outside -1..1
    broken[2]["version"] = "2.0.0"
    assert [number for number, _ in ralph_problems(broken)] == [0, 1, 2]


def test_statements_round_trip_through_ralphs_lrs(qser, reviewed, lrs, tmp_path, monkeypatch):
    statements = exported(qser, reviewed, tmp_path)
    for name, value in (("QSER_LRS_URL", lrs), ("QSER_LRS_USER", LRS_USER), ("QSER_LRS_PASSWORD", LRS_PASSWORD)):
        monkeypatch.setenv(name, value)
    code, out, err = qser("export", "xapi", "--trainee", str(reviewed.trainee_id))  # posts with xapi.post
    assert code == 0, err
    assert f"exported {len(statements)} xAPI statements to {lrs}" in out
    stored = stored_statements(lrs)
    assert set(stored) == {s["id"] for s in statements}
    for sent in statements:
        got = stored[sent["id"]]
        for key in ("actor", "verb", "object", "result", "context"):
            assert got.get(key) == sent.get(key), (sent["verb"]["id"], key)
        assert datetime.fromisoformat(got["timestamp"].replace("Z", "+00:00")) == \
            datetime.fromisoformat(sent["timestamp"].replace("Z", "+00:00"))
    assert qser("export", "xapi", "--trainee", str(reviewed.trainee_id))[0] == 0  # the same statements again: accepted
    assert set(stored_statements(lrs)) == set(stored)

    changed = copy.deepcopy(statements[0])
    changed["verb"]["display"] = {"en-US": "started"}  # an id the LRS holds, with other content
    with pytest.raises(xapi.LrsError, match="409"):
        xapi.post([changed], lrs, LRS_USER, LRS_PASSWORD)
    with pytest.raises(xapi.LrsError, match="401"):
        xapi.post(statements[:1], lrs, LRS_USER, "wrong password")
