"""Loading and checking trainer-written scenario files (``dialogues/*.yml``).

A scenario is data: this module turns one YAML file into a ``Scenario`` after
checking it against ``dialogues/scenario.schema.json`` and against the move
catalogue and its own graph. Every problem names the file, the line and a fix.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import jsonschema
import yaml

from actions.catalogue import Catalogue

Text = Mapping[str, str]  # language -> text


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}\n    fix: {self.fix}"


class ScenarioError(ValueError):
    """A scenario file that cannot be used; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Transition:
    next: str
    say: Text | None = None
    points: Mapping[str, int] | None = None
    trust: int | None = None
    feedback: Text | None = None
    reveals_name: bool = False


@dataclass(frozen=True)
class Step:
    id: str
    client: Text
    hint: Text
    moves: Mapping[str, Transition]
    otherwise: Transition
    client_wary: Text | None = None
    allowed_terms: tuple[str, ...] = ()
    note: Text | None = None
    model_answer: Text | None = None

    def transition_for(self, move: str) -> Transition:
        return self.moves.get(move, self.otherwise)


@dataclass(frozen=True)
class Ending:
    id: str
    type: str  # resolved | client_leaves | unresolved
    client: Text
    debrief: Text


@dataclass(frozen=True)
class Interpreter:
    """A professional interpreter present in the scene (three-way conversation)."""

    name: str
    about: Text
    reminder: Text


@dataclass(frozen=True)
class Scenario:
    id: str
    content_hash: str
    path: Path
    title: Text
    service_area: str
    difficulty: int
    estimated_minutes: int
    languages: tuple[str, ...]
    targets: Mapping[str, int]
    max_turns: int
    persona_name: str
    name_variants: tuple[str, ...]
    address_as: Text
    not_understood: tuple[Text, ...]
    situation: Mapping[str, Text]
    trust_start: int
    trust_max: int
    leave_at: int
    leave_ending: str
    start: str
    steps: Mapping[str, Step]
    endings: Mapping[str, Ending]
    interpreter: Interpreter | None = None
    raw: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)


def text_in(text: Text | None, language: str) -> str:
    """The text in ``language``, falling back to English (scenarios may be English-only)."""
    if not text:
        return ""
    return text.get(language) or text.get("en") or next(iter(text.values()))


# --- YAML with line numbers -------------------------------------------------

def _line_map(node: yaml.Node, path: tuple = (), out: dict | None = None) -> dict:
    """Map each path (tuple of keys / indexes) in the YAML document to its 1-based line."""
    out = {} if out is None else out
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            _line_map(value_node, path + (key,), out)
            out[path + (key,)] = key_node.start_mark.line + 1  # a field's line is its key's line
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _line_map(item, path + (index,), out)
    return out


def line_of(lines: dict, path: tuple) -> int:
    path = tuple(path)
    while path not in lines and path:
        path = path[:-1]
    return lines.get(path, 1)


@lru_cache(maxsize=1)
def _schema_validator(schema_path: Path) -> jsonschema.Draft202012Validator:
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def _schema_fix(error: jsonschema.ValidationError) -> str:
    if error.validator == "required":
        return "add the missing field (see the field reference in docs/authoring.md)"
    if error.validator == "additionalProperties":
        return "remove or rename the field; check its spelling against the schema"
    if error.validator == "enum":
        return f"use one of: {', '.join(map(str, error.validator_value))}"
    if error.validator == "propertyNames":
        return "use an allowed key (competency ids: respect, empathy, clarity, openness, language_access, service)"
    if error.validator == "type":
        return f"write a value of type {error.validator_value}"
    if error.validator == "pattern":
        return "use lowercase letters, digits and underscores, starting with a letter"
    return f"see the schema rule '{error.validator}' for this field"


# --- loading ----------------------------------------------------------------

def read_checked_yaml(path: Path, schema_path: Path) -> tuple[dict, dict, bytes]:
    """Parse a YAML file and check it against a JSON Schema.

    Returns the data, a map from paths to line numbers and the raw bytes; raises
    ``ScenarioError`` naming the line of every parse or schema problem.
    """
    file = str(path)
    source = path.read_bytes()
    try:
        text = source.decode("utf-8")
        node = yaml.compose(text)
        raw = yaml.safe_load(text)
    except UnicodeDecodeError as exc:
        raise ScenarioError([Problem(file, 1, f"not UTF-8 text ({exc.reason})", "save the file as UTF-8")])
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise ScenarioError([Problem(file, line, f"not valid YAML: {getattr(exc, 'problem', exc)}",
                                     "check indentation and quote texts that contain ':' or '#'")])
    if not isinstance(raw, dict) or node is None:
        raise ScenarioError([Problem(file, 1, "the file is not a YAML mapping", "start from an existing file in dialogues/")])
    lines = _line_map(node)
    problems = [
        Problem(file, line_of(lines, tuple(err.absolute_path)),
                f"{'/'.join(map(str, err.absolute_path)) or '(top level)'}: {err.message}", _schema_fix(err))
        for err in sorted(_schema_validator(schema_path).iter_errors(raw), key=lambda e: list(map(str, e.absolute_path)))
    ]
    if problems:
        raise ScenarioError(problems)
    return raw, lines, source


def load_scenario(path: Path, catalogue: Catalogue, schema_path: Path) -> Scenario:
    """Load and check one scenario file; raise ``ScenarioError`` listing every problem."""
    raw, lines, source = read_checked_yaml(path, schema_path)
    problems = _check_semantics(raw, lines, str(path), path.stem, catalogue)
    if problems:
        raise ScenarioError(problems)
    return _build(raw, path, hashlib.sha256(source).hexdigest()[:16])


def _check_semantics(raw: dict, lines: dict, file: str, stem: str, catalogue: Catalogue) -> list[Problem]:
    problems: list[Problem] = []

    def add(path: tuple, message: str, fix: str) -> None:
        problems.append(Problem(file, line_of(lines, path), message, fix))

    steps, endings = raw["steps"], raw["endings"]
    targets = set(steps) | set(endings)
    if raw["id"] != stem:
        add(("id",), f"id '{raw['id']}' differs from the file name '{stem}.yml'", f"rename the file to {raw['id']}.yml or set id: {stem}")
    for both in sorted(set(steps) & set(endings)):
        add(("endings", both), f"'{both}' is both a step and an ending", "give the ending a different id")
    if raw["start"] not in steps:
        add(("start",), f"start step '{raw['start']}' does not exist", f"use one of the steps: {', '.join(steps)}")
    trust = raw["trust"]
    leave = endings.get(trust["leave_ending"])
    if leave is None:
        add(("trust", "leave_ending"), f"leave_ending '{trust['leave_ending']}' is not an ending", f"use one of: {', '.join(endings)}")
    elif leave["type"] != "client_leaves":
        add(("trust", "leave_ending"), f"leave_ending '{trust['leave_ending']}' has type {leave['type']}", "point leave_ending at an ending of type client_leaves")
    if not trust["leave_at"] < trust["start"] <= trust["max"]:
        add(("trust",), "trust must satisfy leave_at < start <= max", "e.g. start: 4, max: 8, leave_at: 0")
    if not any(e["type"] == "resolved" for e in endings.values()):
        add(("endings",), "no ending of type resolved", "add an ending with type: resolved")

    languages = raw["languages"]

    def check_text(path: tuple, value: Any) -> None:
        if isinstance(value, dict) and set(value) <= {"en", "es", "el"} and value:
            missing = [lang for lang in languages if lang not in value]
            if missing:
                add(path, f"missing translation: {', '.join(missing)}", f"add {', '.join(m + ': ...' for m in missing)} or remove the language from languages")
            return
        if isinstance(value, dict):
            for key, sub in value.items():
                if key not in ("points", "moves", "targets") or isinstance(sub, dict):
                    check_text(path + (key,), sub)
        elif isinstance(value, list):
            for index, sub in enumerate(value):
                check_text(path + (index,), sub)

    for key in ("title", "persona", "situation", "interpreter", "steps", "endings"):
        if key in raw:
            check_text((key,), raw[key])

    graph: dict[str, set[str]] = {}
    for step_id, step in steps.items():
        graph[step_id] = set()
        transitions = [(("steps", step_id, "moves", m), m, t) for m, t in step["moves"].items()]
        transitions.append((("steps", step_id, "otherwise"), None, step["otherwise"]))
        for path, move, transition in transitions:
            if move is not None and not catalogue.is_move(move):
                add(path, f"unknown move '{move}'", "use a move id from data/catalogue/moves.yml (shared/spec/moves.md)")
            if transition["next"] not in targets:
                add(path + ("next",), f"next '{transition['next']}' is neither a step nor an ending", f"use one of: {', '.join(sorted(targets))}")
            graph[step_id].add(transition["next"])
        if trust["leave_ending"] in endings:
            graph[step_id].add(trust["leave_ending"])

    if raw["start"] in steps:
        reachable = _reachable(graph, raw["start"])
        for step_id in steps:
            if step_id not in reachable:
                add(("steps", step_id), f"step '{step_id}' is unreachable from start", "lead a move of another step to it, or delete it")
        for ending_id in endings:
            if ending_id not in reachable:
                add(("endings", ending_id), f"ending '{ending_id}' is never reached", "lead a move of some step to it, or delete it")
        goal_ending = {e for e, v in endings.items() if v["type"] != "client_leaves"}
        for step_id in steps:
            if step_id in reachable and not (_reachable(graph, step_id) & goal_ending):
                add(("steps", step_id), f"dead end: from step '{step_id}' only the client leaving ends the conversation",
                    "lead at least one move from it (or a following step) towards a resolved or unresolved ending")
    return problems


def _reachable(graph: Mapping[str, set[str]], start: str) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _transition(raw: Mapping[str, Any]) -> Transition:
    return Transition(raw["next"], raw.get("say"), raw.get("points"), raw.get("trust"), raw.get("feedback"),
                      bool(raw.get("reveals_name", False)))


def _build(raw: dict, path: Path, content_hash: str) -> Scenario:
    steps = {
        step_id: Step(
            id=step_id,
            client=s["client"],
            hint=s["hint"],
            moves={m: _transition(t) for m, t in s["moves"].items()},
            otherwise=_transition(s["otherwise"]),
            client_wary=s.get("client_wary"),
            allowed_terms=tuple(s.get("allowed_terms", ())),
            note=s.get("debrief", {}).get("note"),
            model_answer=s.get("debrief", {}).get("model_answer"),
        )
        for step_id, s in raw["steps"].items()
    }
    endings = {e_id: Ending(e_id, e["type"], e["client"], e["debrief"]) for e_id, e in raw["endings"].items()}
    persona, trust = raw["persona"], raw["trust"]
    interpreter = raw.get("interpreter")
    return Scenario(
        id=raw["id"], content_hash=content_hash, path=path, title=raw["title"],
        service_area=raw["service_area"], difficulty=raw["difficulty"],
        estimated_minutes=raw["estimated_minutes"], languages=tuple(raw["languages"]),
        targets=dict(raw["targets"]), max_turns=raw.get("max_turns", 30),
        persona_name=persona["name"], name_variants=tuple(persona.get("name_variants", ())), address_as=persona["address_as"],
        not_understood=tuple(persona["not_understood"]), situation=raw["situation"],
        trust_start=trust["start"], trust_max=trust["max"], leave_at=trust["leave_at"],
        leave_ending=trust["leave_ending"], start=raw["start"], steps=steps, endings=endings, raw=raw,
        interpreter=Interpreter(interpreter["name"], interpreter["about"], interpreter["reminder"]) if interpreter else None,
    )
