"""The scenario library: every valid scenario in ``dialogues/``, reloaded when a file changes.

An edited file is re-read on the next request (a cheap mtime check); a file that
fails its check is logged and the last good version of it keeps serving. Every
version ever loaded stays available by content hash, so an attempt in progress
keeps the version it started with.
"""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from actions.catalogue import Catalogue, get_catalogue
from actions.scenarios import Problem, Scenario, ScenarioError, load_scenario
from actions.settings import get_settings

logger = logging.getLogger(__name__)
SCHEMA_NAME = "scenario.schema.json"


class ScenarioLibrary:
    def __init__(self, directory: Path, catalogue: Catalogue, check_interval: float = 0.5):
        self.directory = directory
        self.catalogue = catalogue
        self.check_interval = check_interval
        self._lock = threading.Lock()
        self._mtimes: dict[Path, float] = {}
        self._current: dict[str, Scenario] = {}
        self._versions: dict[tuple[str, str], Scenario] = {}
        self._problems: dict[Path, list[Problem]] = {}
        self._checked_at = 0.0
        self.refresh(force=True)

    @property
    def schema_path(self) -> Path:
        return self.directory / SCHEMA_NAME

    def refresh(self, force: bool = False) -> None:
        """Re-read changed, new and removed scenario files."""
        now = time.monotonic()
        if not force and now - self._checked_at < self.check_interval:
            return
        with self._lock:
            self._checked_at = now
            files = {p: p.stat().st_mtime_ns for p in sorted(self.directory.glob("*.yml"))}
            for path in set(self._mtimes) - set(files):
                self._current = {k: v for k, v in self._current.items() if v.path != path}
                self._problems.pop(path, None)
            for path, mtime in files.items():
                if self._mtimes.get(path) == mtime:
                    continue
                try:
                    scenario = load_scenario(path, self.catalogue, self.schema_path)
                except ScenarioError as error:
                    self._problems[path] = error.problems
                    logger.error("scenario %s refused, the last good version keeps serving:\n%s", path.name, error)
                else:
                    self._problems.pop(path, None)
                    self._current[scenario.id] = scenario
                    self._versions[(scenario.id, scenario.content_hash)] = scenario
                    logger.info("scenario %s loaded (version %s)", scenario.id, scenario.content_hash)
            self._mtimes = files

    def all(self) -> list[Scenario]:
        self.refresh()
        return sorted(self._current.values(), key=lambda s: (s.difficulty, s.id))

    def get(self, scenario_id: str) -> Scenario | None:
        self.refresh()
        return self._current.get(scenario_id)

    def version(self, scenario_id: str, content_hash: str) -> Scenario | None:
        """The exact version an attempt started with, else the current one."""
        self.refresh()
        return self._versions.get((scenario_id, content_hash)) or self._current.get(scenario_id)

    def problems(self) -> dict[Path, list[Problem]]:
        self.refresh()
        return dict(self._problems)


_library: ScenarioLibrary | None = None


def get_library() -> ScenarioLibrary:
    global _library
    if _library is None:
        _library = ScenarioLibrary(get_settings().dialogues_dir, get_catalogue())
    return _library
