"""The trainers' command line: ``qser validate`` on the library and on broken files, ``qser graph``."""
from __future__ import annotations

import shutil

import pytest
import yaml

from actions.library import ScenarioLibrary
from actions.scenarios import ScenarioError
from actions.settings import PROJECT_ROOT
from bot.scenario_tests import load_cases
from tests.conftest import TEST_DATA

from bot.cli import main
from bot.graph import render
from tests.unit.test_scenario_files import BROKEN, mutate, write


def test_validate_passes_on_the_library(capsys):
    assert main(["validate"]) == 0, capsys.readouterr().err
    assert "no problems" in capsys.readouterr().out


@pytest.mark.parametrize("label", list(BROKEN) + ["dead end"])
def test_validate_refuses_a_broken_file_with_file_line_and_fix(tmp_path, capsys, label):
    if label == "dead end":
        def change(d):
            d["steps"]["name"]["moves"] = {"ask_name": {"next": "name"}}
            d["steps"]["name"]["otherwise"] = {"next": "name"}
            d["steps"]["arrival"]["moves"]["explain_procedure"] = {"next": "done"}
        message = "dead end"
    else:
        change, message, _ = BROKEN[label]
    path = write(tmp_path, mutate(change))
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert message in err and f"{path}:" in err and "fix:" in err, err


def test_scenario_test_files_are_checked_against_their_scenario(tmp_path, catalogue):
    for name in ("scenario.schema.json", "scenario_test.schema.json"):
        shutil.copy(PROJECT_ROOT / "dialogues" / name, tmp_path / name)
    shutil.copy(TEST_DATA / "scenarios" / "mini_visit.yml", tmp_path / "mini_visit.yml")
    (tmp_path / "tests").mkdir()
    path = tmp_path / "tests" / "mini_visit.yml"
    path.write_text(yaml.safe_dump({"scenario": "mini_visit", "cases": [{
        "name": "wrong ids", "ending": "done",
        "turns": [{"employee": {"en": "Hello"}, "move": "wave", "step": "no_such_step"},
                  {"employee": {"en": "Bye", "es": "Adiós"}, "step": "left"}]}]}))
    with pytest.raises(ScenarioError) as caught:
        load_cases(path, ScenarioLibrary(tmp_path, catalogue))
    problems = "\n".join(map(str, caught.value.problems))
    for expected in ("unknown move 'wave'", "unknown step 'no_such_step'", "no line in es",
                     "the last turn leads to 'left', the case says ending 'done'", "no case reaches the ending 'left'"):
        assert expected in problems, problems
    assert f"{path}:7: unknown move 'wave'" in problems  # the line of the move


def test_graph_draws_every_step_ending_and_move(tmp_path, library):
    scenario = library.get("school_enrolment")
    svg, png = render(scenario, library.catalogue, tmp_path)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 50_000
    drawing = svg.read_text()
    for name in list(scenario.steps) + list(scenario.endings):
        assert f">{name}</text>" in drawing, name
    assert "child_interpreter" in drawing and "(otherwise)" in drawing


def test_validate_says_when_a_retrain_is_needed(tmp_path):
    import os
    import subprocess
    import sys

    env = dict(os.environ, QSER_CACHE_DIR=str(tmp_path))  # no trained model in this cache
    result = subprocess.run([sys.executable, "-m", "bot", "validate"], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert "a retrain is needed" in result.stdout and "./qser train" in result.stdout
