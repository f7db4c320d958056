"""Shared fixtures. Tests never touch the developer's own database: QSER_VAR_DIR points at a temporary folder."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("QSER_VAR_DIR", tempfile.mkdtemp(prefix="qser-test-"))

import pytest  # noqa: E402

from actions.catalogue import get_catalogue  # noqa: E402
from actions.library import ScenarioLibrary  # noqa: E402
from actions.scenarios import load_scenario  # noqa: E402
from actions.settings import PROJECT_ROOT  # noqa: E402

TEST_DATA = Path(__file__).parent / "data"
SCHEMA = PROJECT_ROOT / "dialogues" / "scenario.schema.json"


@pytest.fixture(scope="session")
def catalogue():
    return get_catalogue()


@pytest.fixture(scope="session")
def mini(catalogue):
    return load_scenario(TEST_DATA / "scenarios" / "mini_visit.yml", catalogue, SCHEMA)


@pytest.fixture(scope="session")
def library(catalogue):
    return ScenarioLibrary(PROJECT_ROOT / "dialogues", catalogue)


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    from actions.store.db import migrate

    url = f"sqlite:///{tmp_path / 'qser.db'}"
    migrate(url)
    return url
