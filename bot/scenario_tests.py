"""Trainers' scenario tests (``dialogues/tests/<scenario>.yml``): loading, static checks and playing them.

A case is a list of employee lines with the move the NLU must recognise, the step
each line leads to and, optionally, the exact points. ``play_case`` sends the lines
through a running Rasa server's REST channel in one language and returns every
mismatch; pytest (tests/e2e/test_scenario_tests.py) runs all cases in all languages.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import httpx

from actions.library import ScenarioLibrary
from actions.scenarios import Problem, ScenarioError, line_of, read_checked_yaml
from bot.replies import qser_payload

SCHEMA_NAME = "scenario_test.schema.json"


@dataclass(frozen=True)
class TestTurn:
    employee: Mapping[str, str]
    step: str
    move: str | None
    points: Mapping[str, int] | None
    line: int


@dataclass(frozen=True)
class TestCase:
    scenario: str
    name: str
    ending: str
    turns: tuple[TestTurn, ...]
    languages: tuple[str, ...]
    file: Path
    line: int

    @property
    def label(self) -> str:
        return f"{self.scenario}: {self.name}"


def tests_dir(library: ScenarioLibrary) -> Path:
    return library.directory / "tests"


def load_cases(path: Path, library: ScenarioLibrary) -> list[TestCase]:
    """Load one test file and check it against its scenario; raise ``ScenarioError`` listing every problem."""
    raw, lines, _ = read_checked_yaml(path, library.directory / SCHEMA_NAME)
    file = str(path)
    problems: list[Problem] = []
    scenario = library.get(raw["scenario"])
    if scenario is None:
        raise ScenarioError([Problem(file, line_of(lines, ("scenario",)), f"no valid scenario '{raw['scenario']}' in "
                                     f"{library.directory}", "use the id of a scenario file (run ./qser validate on it first)")])
    if path.stem != scenario.id:
        problems.append(Problem(file, 1, f"the file tests '{scenario.id}' but is named {path.name}", f"rename it to {scenario.id}.yml"))
    cases = []
    for index, case in enumerate(raw["cases"]):
        where = ("cases", index)
        languages = tuple(case.get("languages", scenario.languages))
        for language in sorted(set(languages) - set(scenario.languages)):
            problems.append(Problem(file, line_of(lines, where + ("languages",)), f"the scenario is not written in '{language}'",
                                    f"use some of: {', '.join(scenario.languages)}"))
        if case["ending"] not in scenario.endings:
            problems.append(Problem(file, line_of(lines, where + ("ending",)), f"unknown ending '{case['ending']}'",
                                    f"use one of: {', '.join(scenario.endings)}"))
        turns = []
        for number, turn in enumerate(case["turns"]):
            at = where + ("turns", number)
            last = number == len(case["turns"]) - 1
            known = set(scenario.endings if last else scenario.steps)
            if turn["step"] not in known:
                problems.append(Problem(file, line_of(lines, at + ("step",)), f"unknown {'ending' if last else 'step'} '{turn['step']}'",
                                        f"use one of: {', '.join(sorted(known))}"))
            if last and turn["step"] != case["ending"]:
                problems.append(Problem(file, line_of(lines, at + ("step",)), f"the last turn leads to '{turn['step']}', "
                                        f"the case says ending '{case['ending']}'", "make them the same"))
            if turn.get("move") is not None and not library.catalogue.is_move(turn["move"]):
                problems.append(Problem(file, line_of(lines, at + ("move",)), f"unknown move '{turn['move']}'",
                                        "use a move id from data/catalogue/moves.yml"))
            missing = [lang for lang in languages if lang not in turn["employee"]]
            if missing:
                problems.append(Problem(file, line_of(lines, at + ("employee",)), f"no line in {', '.join(missing)}",
                                        f"add {', '.join(m + ': ...' for m in missing)}"))
            turns.append(TestTurn(turn["employee"], turn["step"], turn.get("move"), turn.get("points"),
                                  line_of(lines, at)))
        cases.append(TestCase(scenario.id, case["name"], case["ending"], tuple(turns), languages, path,
                              line_of(lines, where)))
    uncovered = set(scenario.endings) - {c.ending for c in cases}
    for ending in sorted(uncovered):
        problems.append(Problem(file, 1, f"no case reaches the ending '{ending}'", "add a case whose last turn reaches it"))
    if problems:
        raise ScenarioError(problems)
    return cases


def check_library_tests(library: ScenarioLibrary) -> tuple[list[TestCase], list[Problem]]:
    """Every test file loaded, and the problems: broken files and scenarios without tests."""
    cases: list[TestCase] = []
    problems: list[Problem] = []
    tested = set()
    for path in sorted(tests_dir(library).glob("*.yml")):
        try:
            file_cases = load_cases(path, library)
        except ScenarioError as error:
            problems.extend(error.problems)
            tested.add(path.stem)
            continue
        cases.extend(file_cases)
        tested.add(path.stem)
    for scenario in library.all():
        if scenario.id not in tested:
            problems.append(Problem(str(scenario.path), 1, f"scenario '{scenario.id}' has no tests",
                                    f"write {tests_dir(library) / (scenario.id + '.yml')} with a case per ending"))
    return cases, problems


def play_case(webhook_url: str, case: TestCase, language: str, timeout: float = 60.0) -> list[str]:
    """Play one case in one language through the REST channel; return every mismatch (empty = passed)."""
    sender = f"scenario-test-{uuid.uuid4().hex[:12]}"
    failures: list[str] = []
    where = f"{case.file.name}:{case.line} [{language}]"
    with httpx.Client(timeout=timeout) as client:
        def say(text: str) -> list[dict]:
            response = client.post(webhook_url, json={"sender": sender, "message": text})
            response.raise_for_status()
            return response.json()

        say(f"/language {language}")
        start = qser_payload(say(f"/scenario {case.scenario}"))
        if start is None or start["language"] != language:
            return [f"{where}: the scenario did not start in {language}: {start}"]
        payload = start
        for number, turn in enumerate(case.turns, start=1):
            text = turn.employee[language]
            replies = say(text)
            payload = qser_payload(replies)
            prefix = f"{case.file.name}:{turn.line} [{language}] turn {number} {text!r}"
            if payload is None:
                return failures + [f"{prefix}: no scenario reply ({[r.get('text') for r in replies]})"]
            if turn.move is not None and payload["move"] != turn.move:
                failures.append(f"{prefix}: recognised as {payload['move']} ({payload['confidence']:.2f}), expected {turn.move}")
            if payload["step"] != turn.step:
                failures.append(f"{prefix}: led to {payload['step']}, expected {turn.step}")
            if turn.points is not None and payload["points"] != dict(turn.points):
                failures.append(f"{prefix}: points {payload['points']}, expected {dict(turn.points)}")
            if not any(r.get("text") for r in replies):
                failures.append(f"{prefix}: the client said nothing")
            if failures or payload["done"]:
                break
        if not failures and not payload.get("done"):
            failures.append(f"{where}: the case ended at step {payload['step']} without reaching '{case.ending}'")
        elif not failures and payload.get("ending") != case.ending:
            failures.append(f"{where}: reached ending {payload.get('ending')}, expected {case.ending}")
    return failures
