"""Scenario files: the library loads; broken files are refused with file, line and fix."""
from __future__ import annotations

import copy

import pytest
import yaml

from actions.library import ScenarioLibrary
from actions.scenarios import ScenarioError, load_scenario
from tests.conftest import SCHEMA, TEST_DATA

MINI = yaml.safe_load((TEST_DATA / "scenarios" / "mini_visit.yml").read_text())


def test_library_scenarios_are_valid_and_substantial(library):
    assert library.problems() == {}
    scenarios = {s.id: s for s in library.all()}
    assert len(scenarios) >= 8
    assert {s.service_area for s in scenarios.values()} == {
        "citizen_service_centre", "social_services", "school", "health_centre", "employment_office", "housing",
        "family_support", "registration"}
    for scenario in scenarios.values():
        assert set(scenario.languages) == {"en", "es", "el"}, scenario.id
        assert len(scenario.steps) >= 8, scenario.id
        assert len(scenario.endings) >= 2 and {e.type for e in scenario.endings.values()} >= {"resolved", "client_leaves"}
        assert sum(1 for step in scenario.steps.values() if step.model_answer) >= 3, scenario.id
        assert any(t.trust for step in scenario.steps.values() for t in step.moves.values()), "trust dynamics"
    assert any(s.interpreter is not None and s.service_area == "registration" for s in scenarios.values())
    child_traps = [s.id for s in scenarios.values() if any("child_interpreter" in step.moves for step in s.steps.values())]
    assert len(child_traps) >= 2, child_traps


def write(tmp_path, data, name="mini_visit"):
    path = tmp_path / f"{name}.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path


def problems_of(path, catalogue):
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, catalogue, SCHEMA)
    return caught.value.problems


def mutate(change):
    data = copy.deepcopy(MINI)
    change(data)
    return data


BROKEN = {
    "unknown move": (lambda d: d["steps"]["arrival"]["moves"].__setitem__("wave_hands", {"next": "name"}),
                     "unknown move 'wave_hands'", "wave_hands"),
    "unknown competency": (lambda d: d["targets"].__setitem__("charisma", 3), "charisma", "targets"),
    "bad next": (lambda d: d["steps"]["name"]["otherwise"].__setitem__("next", "nowhere"),
                 "next 'nowhere' is neither a step nor an ending", "next: nowhere"),
    "missing field": (lambda d: d["steps"]["name"].pop("hint"), "'hint' is a required property", "name:"),
    "missing translation": (lambda d: d["steps"]["name"]["client"].pop("es"), "missing translation: es", "client:"),
    "unreachable step": (lambda d: d["steps"].__setitem__("orphan", copy.deepcopy(d["steps"]["name"])),
                         "step 'orphan' is unreachable", "orphan:"),
    "ending never reached": (lambda d: d["endings"].__setitem__("spare", dict(d["endings"]["done"])),
                             "ending 'spare' is never reached", "spare:"),
    "id differs from file name": (lambda d: d.__setitem__("id", "other_name"), "differs from the file name", "id: other_name"),
    "step without a fallback": (lambda d: d["steps"]["name"].pop("otherwise"), "'otherwise' is a required property", "name:"),
    "leave ending of wrong type": (lambda d: d["trust"].__setitem__("leave_ending", "done"), "has type resolved", "leave_ending"),
}


@pytest.mark.parametrize("label", list(BROKEN))
def test_broken_scenario_names_file_line_and_fix(tmp_path, catalogue, label):
    change, message, line_text = BROKEN[label]
    path = write(tmp_path, mutate(change))
    problems = problems_of(path, catalogue)
    problem = next((p for p in problems if message in p.message), None)
    assert problem is not None, [str(p) for p in problems]
    assert problem.file == str(path) and problem.fix
    assert line_text in path.read_text().splitlines()[problem.line - 1], (problem.line, str(problem))


def test_dead_end_step_is_refused(tmp_path, catalogue):
    def trap(d):
        d["steps"]["name"]["moves"] = {"ask_name": {"next": "name"}}
        d["steps"]["name"]["otherwise"] = {"next": "name"}
        d["steps"]["arrival"]["moves"]["explain_procedure"] = {"next": "done"}
    problems = problems_of(write(tmp_path, mutate(trap)), catalogue)
    assert any("dead end" in p.message and "'name'" in p.message for p in problems)


def test_yaml_syntax_error_points_at_the_line(tmp_path, catalogue):
    path = tmp_path / "mini_visit.yml"
    path.write_text("id: mini_visit\ntitle: {en: Broken, es: Roto\nservice_area: school\n")
    [problem] = problems_of(path, catalogue)
    assert "not valid YAML" in problem.message and problem.line in (2, 3, 4)


def test_a_broken_edit_keeps_the_last_good_version_serving(tmp_path, catalogue):
    (tmp_path / "scenario.schema.json").write_text(SCHEMA.read_text())
    good = write(tmp_path, MINI)
    library = ScenarioLibrary(tmp_path, catalogue, check_interval=0)
    first = library.get("mini_visit")
    good.write_text("id: mini_visit\nnot: [valid")
    library.refresh(force=True)
    assert library.get("mini_visit") is first and library.problems()
    edited = mutate(lambda d: d["steps"]["arrival"]["client"].__setitem__("en", "Hi, new line."))
    write(tmp_path, edited)
    library.refresh(force=True)
    current = library.get("mini_visit")
    assert current.steps["arrival"].client["en"] == "Hi, new line." and not library.problems()
    assert library.version("mini_visit", first.content_hash) is first  # attempts in progress keep their version
