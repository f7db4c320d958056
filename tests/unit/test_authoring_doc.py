"""docs/authoring.md: its field reference matches the schemas, and its worked example is a valid scenario with valid tests."""
from __future__ import annotations

import re
import shutil

from actions.library import ScenarioLibrary
from actions.scenarios import load_scenario
from actions.settings import PROJECT_ROOT
from bot.scenario_tests import load_cases
from bot.schema_docs import DOC, field_reference

YAML_BLOCK = re.compile(r"```yaml\n(.*?)```", re.DOTALL)


def worked_example(directory):
    """Write the guide's example scenario and its test file into ``directory`` (a dialogues folder)."""
    blocks = YAML_BLOCK.findall(DOC.read_text(encoding="utf-8"))
    assert len(blocks) == 3, "the guide's worked example has three YAML parts"
    (directory / "tests").mkdir(parents=True, exist_ok=True)
    (directory / "appointment_booking.yml").write_text(blocks[0] + blocks[1], encoding="utf-8")
    (directory / "tests" / "appointment_booking.yml").write_text(blocks[2], encoding="utf-8")
    return directory / "appointment_booking.yml", directory / "tests" / "appointment_booking.yml"


def test_field_reference_is_generated_from_the_current_schemas():
    assert field_reference() in DOC.read_text(encoding="utf-8"), "run ./qser docs"


def test_worked_example_is_a_valid_scenario_with_tests_reaching_every_ending(tmp_path, catalogue):
    for name in ("scenario.schema.json", "scenario_test.schema.json"):
        shutil.copy(PROJECT_ROOT / "dialogues" / name, tmp_path / name)
    scenario_file, test_file = worked_example(tmp_path)
    scenario = load_scenario(scenario_file, catalogue, tmp_path / "scenario.schema.json")
    cases = load_cases(test_file, ScenarioLibrary(tmp_path, catalogue))
    assert {case.ending for case in cases} == set(scenario.endings)
    assert scenario.languages == ("en", "es")
