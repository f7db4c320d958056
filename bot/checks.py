"""Project-wide consistency checks behind ``qser validate``.

Scenario files are checked by the loader (schema, moves, graph); here we also check
that Rasa's domain and rules know exactly the catalogue's moves and that every
system message exists in every language.
"""
from __future__ import annotations

import string
from pathlib import Path

import yaml

from actions.catalogue import get_catalogue
from actions.library import ScenarioLibrary
from actions.settings import LANGUAGES, PROJECT_ROOT, get_settings
from actions.scenarios import ScenarioError, load_scenario
from bot.scenario_tests import check_library_tests, load_cases


def _load(name: str) -> dict:
    return yaml.safe_load((PROJECT_ROOT / name).read_text(encoding="utf-8"))


def _placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def check_files(paths: list[str]) -> list[str]:
    """Check single scenario files, or scenario test files (those in a ``tests`` folder)."""
    settings = get_settings()
    library = ScenarioLibrary(settings.dialogues_dir, get_catalogue())
    problems: list[str] = []
    for name in paths:
        path = Path(name).resolve()
        if not path.is_file():
            problems.append(f"{name}: no such file")
            continue
        try:
            if path.parent.name == "tests":
                load_cases(path, library)
            else:
                load_scenario(path, library.catalogue, library.schema_path)
        except ScenarioError as error:
            problems.extend(str(p) for p in error.problems)
    return problems


def check_project() -> list[str]:
    settings = get_settings()
    catalogue = get_catalogue()
    problems: list[str] = []

    library = ScenarioLibrary(settings.dialogues_dir, catalogue)
    for path, file_problems in library.problems().items():
        problems.extend(str(p) for p in file_problems)
    if not library.all():
        problems.append(f"{settings.dialogues_dir}: no valid scenario")
    problems.extend(str(p) for p in check_library_tests(library)[1])

    moves = set(catalogue.moves)
    domain_intents = set(_load("domain.yml")["intents"])
    for move in sorted(moves - domain_intents):
        problems.append(f"domain.yml: move '{move}' of the catalogue is not an intent\n    fix: add it under intents:")
    rules = _load("data/rules/rules.yml")["rules"]
    routed = {step["intent"] for rule in rules for s in rule["steps"] for step in s.get("or", [s]) if "intent" in step}
    for move in sorted(moves - routed):
        problems.append(f"data/rules/rules.yml: move '{move}' is not routed to action_client_turn\n    fix: add it to the move rule")
    nlu_intents = set()
    for path in sorted((PROJECT_ROOT / "data" / "nlu").rglob("*.yml")):
        nlu_intents |= {item["intent"] for item in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []) if "intent" in item}
    for move in sorted(moves - nlu_intents):
        problems.append(f"data/nlu: move '{move}' has no training examples\n    fix: add examples; then the model must be retrained")

    messages = {lang: yaml.safe_load((settings.data_dir / "messages" / f"{lang}.yml").read_text(encoding="utf-8")) for lang in LANGUAGES}
    for lang in LANGUAGES:
        for key, template in messages["en"].items():
            other = messages[lang].get(key)
            if other is None:
                problems.append(f"data/messages/{lang}.yml: message '{key}' is missing\n    fix: translate it from en.yml")
            elif isinstance(template, str) and _placeholders(other) != _placeholders(template):
                problems.append(f"data/messages/{lang}.yml: message '{key}' has placeholders {sorted(_placeholders(other))}, "
                                f"en.yml has {sorted(_placeholders(template))}\n    fix: keep the same {{placeholders}}")
    return problems
