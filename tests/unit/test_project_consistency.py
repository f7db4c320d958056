"""Catalogue, Rasa domain and rules, NLU data and messages agree (what `qser validate` checks)."""
import subprocess

import pytest
import yaml

from actions.settings import PROJECT_ROOT
from bot.checks import check_project
from bot.model import rasa_bin, rasa_env


def test_project_checks_pass():
    assert check_project() == []


def test_every_move_has_at_least_15_english_examples(catalogue):
    counts = {}
    for path in (PROJECT_ROOT / "data" / "nlu" / "en").glob("*.yml"):
        for item in yaml.safe_load(path.read_text())["nlu"]:
            counts[item["intent"]] = len([l for l in item["examples"].splitlines() if l.strip().startswith("- ")])
    assert {m: counts.get(m, 0) for m in catalogue.moves if counts.get(m, 0) < 15} == {}


@pytest.mark.e2e
def test_rasa_data_validate_passes():
    result = subprocess.run([str(rasa_bin()), "data", "validate", "--config", "config.yml", "--domain", "domain.yml",
                             "--data", "data/nlu", "data/rules"], cwd=PROJECT_ROOT, env=rasa_env(),
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
