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
from typing import Sequence
from urllib.parse import unquote, urlsplit

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
    health_url: str | None  # None: ready once started (the Telegram bridge in polling mode serves no HTTP)
    log_path: Path
    cwd: Path = PROJECT_ROOT
    process: subprocess.Popen | None = field(default=None, repr=False)

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(self.command, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        log.close()

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with code {self.process.returncode}; see {self.log_path}:\n"
                                   + self.log_tail())
            if self.health_url is None:
                return
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


def telegram_bridge(rasa_url: str, log_path: Path, env: dict[str, str] | None = None) -> Service:
    """The Telegram bridge (``qser telegram``) talking to the Rasa server at ``rasa_url``; settings from the environment."""
    return Service("Telegram bridge", [sys.executable, "-m", "bot", "telegram"],
                   dict(os.environ, PYTHONPATH=str(PROJECT_ROOT), QSER_RASA_URL=rasa_url, **(env or {})),
                   None, log_path)


def web_app(rasa_url: str, database_url: str, dialogues_dir: Path, port: int, log_path: Path,
            env: dict[str, str] | None = None) -> Service:
    """The web app (``qser web``): the trainee chat page and widget, talking to the Rasa server at ``rasa_url``."""
    return Service("web app", [sys.executable, "-m", "bot", "web"],
                   dict(os.environ, PYTHONPATH=str(PROJECT_ROOT), QSER_RASA_URL=rasa_url, QSER_DATABASE_URL=database_url,
                        QSER_DIALOGUES_DIR=str(dialogues_dir), QSER_WEB_PORT=str(port), **(env or {})),
                   f"http://127.0.0.1:{port}/healthz", log_path)


def lock_store_env(url: str) -> dict[str, str]:
    """The lock store variables of endpoints.yml: Redis at ``url`` (redis://[:password@]host[:port][/db]),
    or Rasa's in-memory lock store when ``url`` is empty. Rasa wants a host, port and db, not a URL."""
    if not url:
        return dict(QSER_LOCK_STORE_TYPE="in_memory", QSER_LOCK_STORE_HOST="", QSER_LOCK_STORE_PORT="",
                    QSER_LOCK_STORE_DB="", QSER_LOCK_STORE_PASSWORD="")
    parsed = urlsplit(url)
    return dict(QSER_LOCK_STORE_TYPE="redis", QSER_LOCK_STORE_HOST=parsed.hostname or "localhost",
                QSER_LOCK_STORE_PORT=str(parsed.port or 6379), QSER_LOCK_STORE_DB=parsed.path.strip("/") or "0",
                QSER_LOCK_STORE_PASSWORD=unquote(parsed.password or ""))


@dataclass
class Replica:
    """One Rasa server and the action server it calls."""
    rasa_port: int
    actions_port: int
    actions: Service
    rasa: Service

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def webhook_url(self) -> str:
        return f"{self.rasa_url}/webhooks/rest/webhook"


class Stack:
    """Action servers and Rasa servers for one database (and the Telegram bridge if asked).

    By default one replica (an action server and the Rasa server calling it) on ``rasa_port`` and
    ``actions_port``. ``replica_ports`` lists a (Rasa port, action server port) pair per replica
    instead: the replicas share the database, the tracker store and the Redis lock store, so any of
    them may take any message of any conversation, as behind a load balancer.
    """

    def __init__(self, model: Path, database_url: str | None = None, tracker_url: str | None = None,
                 rasa_port: int | None = None, actions_port: int | None = None, log_dir: Path | None = None,
                 dialogues_dir: Path | None = None, telegram: bool = False,
                 replica_ports: Sequence[tuple[int, int]] = (), lock_store_url: str | None = None,
                 web: bool = False):
        settings = get_settings()
        self.database_url = database_url or settings.database_url
        self.tracker_url = tracker_url or (settings.tracker_url if database_url is None else tracker_url_for(self.database_url))
        self.lock_store_url = settings.lock_store_url if lock_store_url is None else lock_store_url
        if replica_ports and (rasa_port or actions_port):
            raise ValueError("give either rasa_port and actions_port (one replica) or replica_ports")
        ports = list(replica_ports) or [(rasa_port or settings.rasa_port, actions_port or settings.actions_port)]
        if len(ports) > 1 and not self.lock_store_url:
            raise ValueError("several Rasa replicas need a shared lock store: set QSER_LOCK_STORE_URL=redis://...")
        self.log_dir = log_dir or settings.var_dir / "logs"
        self.dialogues_dir = dialogues_dir or settings.dialogues_dir
        self.replicas = [self._replica(model, r, a) for r, a in ports]
        self.telegram = telegram_bridge(self.rasa_url, self.log_dir / "telegram.log") if telegram else None
        self.web = web_app(self.rasa_url, self.database_url, self.dialogues_dir, settings.web_port,
                           self.log_dir / "web.log") if web else None

    def _replica(self, model: Path, rasa_port: int, actions_port: int) -> Replica:
        app_env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT), QSER_DATABASE_URL=self.database_url,
                       QSER_TRACKER_URL=self.tracker_url, QSER_ACTIONS_PORT=str(actions_port),
                       QSER_DIALOGUES_DIR=str(self.dialogues_dir))
        actions = Service(
            "action server",
            [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(actions_port)],
            app_env, f"http://127.0.0.1:{actions_port}/health", self.log_dir / f"actions-{actions_port}.log")
        rasa = Service(
            "Rasa server",
            [str(rasa_bin()), "run", "--model", str(model), "--endpoints", "endpoints.yml",
             "--credentials", "credentials.yml", "--port", str(rasa_port), "--interface", "127.0.0.1"],
            dict(rasa_env(), QSER_ACTIONS_URL=f"http://127.0.0.1:{actions_port}/webhook",
                 QSER_TRACKER_URL=self.tracker_url, **lock_store_env(self.lock_store_url)),
            f"http://127.0.0.1:{rasa_port}/", self.log_dir / f"rasa-{rasa_port}.log")
        return Replica(rasa_port, actions_port, actions, rasa)

    # The first replica's processes and addresses (the only ones with one replica).
    @property
    def actions(self) -> Service:
        return self.replicas[0].actions

    @property
    def rasa(self) -> Service:
        return self.replicas[0].rasa

    @property
    def rasa_port(self) -> int:
        return self.replicas[0].rasa_port

    @property
    def rasa_url(self) -> str:
        return self.replicas[0].rasa_url

    @property
    def webhook_url(self) -> str:
        return self.replicas[0].webhook_url

    @property
    def webhook_urls(self) -> list[str]:
        return [replica.webhook_url for replica in self.replicas]

    @property
    def services(self) -> list[Service]:
        servers = [s for replica in self.replicas for s in (replica.actions, replica.rasa)]
        return servers + [s for s in (self.web, self.telegram) if s is not None]

    def start(self) -> "Stack":
        """Start every server at once (the Rasa servers load the model in parallel), then wait for all."""
        migrate(self.database_url)
        servers = [s for s in self.services if s is not self.telegram]
        for service in servers:
            service.start()
        try:
            for service in servers:
                service.wait_ready()
            if self.telegram is not None:
                self.telegram.start()
                self.telegram.wait_ready()
        except Exception:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for service in reversed(self.services):
            service.stop()

    def __enter__(self) -> "Stack":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
