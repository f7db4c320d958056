"""Starting and stopping the running trainer: the action server and the Rasa server as real processes.

Used by ``qser run`` (in the foreground), by the end-to-end tests and by the benchmark.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from actions.settings import PROJECT_ROOT, get_settings, tracker_url_for
from actions.store.db import migrate
from bot.model import rasa_bin, rasa_env

READY_TIMEOUT = 180.0


@dataclass
class Service:
    name: str
    command: list[str]
    env: dict[str, str]
    health_url: str
    log_path: Path
    process: subprocess.Popen | None = field(default=None, repr=False)

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(self.command, cwd=PROJECT_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        log.close()

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with code {self.process.returncode}; see {self.log_path}:\n"
                                   + self.log_tail())
            try:
                if httpx.get(self.health_url, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"{self.name} not ready after {timeout:.0f} s; see {self.log_path}:\n" + self.log_tail())

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = 15.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


class Stack:
    """The action server and the Rasa server for one database, on the given ports."""

    def __init__(self, model: Path, database_url: str | None = None, tracker_url: str | None = None,
                 rasa_port: int | None = None, actions_port: int | None = None, log_dir: Path | None = None,
                 dialogues_dir: Path | None = None):
        settings = get_settings()
        self.database_url = database_url or settings.database_url
        self.tracker_url = tracker_url or (settings.tracker_url if database_url is None else tracker_url_for(self.database_url))
        self.rasa_port = rasa_port or settings.rasa_port
        self.actions_port = actions_port or settings.actions_port
        log_dir = log_dir or settings.var_dir / "logs"
        actions_url = f"http://127.0.0.1:{self.actions_port}/webhook"
        self.dialogues_dir = dialogues_dir or settings.dialogues_dir
        app_env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT), QSER_DATABASE_URL=self.database_url,
                       QSER_ACTIONS_PORT=str(self.actions_port), QSER_DIALOGUES_DIR=str(self.dialogues_dir))
        self.actions = Service(
            "action server",
            [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(self.actions_port)],
            app_env, f"http://127.0.0.1:{self.actions_port}/health", log_dir / f"actions-{self.actions_port}.log")
        self.rasa = Service(
            "Rasa server",
            [str(rasa_bin()), "run", "--model", str(model), "--endpoints", "endpoints.yml",
             "--credentials", "credentials.yml", "--port", str(self.rasa_port), "--interface", "127.0.0.1"],
            dict(rasa_env(), QSER_ACTIONS_URL=actions_url, QSER_TRACKER_URL=self.tracker_url),
            f"http://127.0.0.1:{self.rasa_port}/", log_dir / f"rasa-{self.rasa_port}.log")

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/webhook"

    def start(self) -> "Stack":
        migrate(self.database_url)
        self.actions.start()
        self.rasa.start()
        try:
            self.actions.wait_ready()
            self.rasa.wait_ready()
        except Exception:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        self.rasa.stop()
        self.actions.stop()

    def __enter__(self) -> "Stack":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

