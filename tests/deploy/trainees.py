"""Simulated trainees for the replica and fault tests.

Each trainee plays scripted lines (bot/scripted_lines.py) through Rasa's REST channel. Its deliveries
alternate between the replicas, as a load balancer would spread them, so one conversation's turns land
on every replica. It behaves like a channel (bot/rasa_client.py): an empty answer, or the
try-again message, means the message was not processed - the trainee is told, and the message is sent
again, with the same channel message id (REST metadata) when ``channel_ids`` is set.
"""
from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

import httpx
from sqlalchemy import select

from actions.messages import t
from actions.settings import LANGUAGES
from actions.store import repository as repo
from actions.store.db import unit_of_work
from actions.store.models import Attempt, Trainee as TraineeRow
from bot.scripted_lines import LINES, PATHS

TRY_AGAIN = {t(language, "error_try_again") for language in LANGUAGES}
NO_REPLY, TOLD_TRY_AGAIN = "no reply", "told to try again"
RETRY_PAUSE = 0.3
RETRY_FOR = 120.0  # seconds: longer than an action server restart


@dataclass
class Played:
    """One scenario played to its end by one trainee."""
    scenario: str
    kind: str  # a path of PATHS[scenario]
    lines: list[str]
    message_ids: list[str | None]  # the channel's ids, None when the channel sent none
    final: dict  # the debrief's qser payload


@dataclass
class Trainee:
    urls: list[str]
    channel_ids: bool = False
    first_replica: int = 0
    sender: str = field(default_factory=lambda: f"deploy-{uuid.uuid4().hex[:12]}")
    notices: list[str] = field(default_factory=list)  # what the trainee was told instead of an answer
    served_by: Counter = field(default_factory=Counter)  # deliveries per replica URL
    games: list[Played] = field(default_factory=list)
    progress: Callable[[], None] = lambda: None  # called after each processed message

    def __post_init__(self) -> None:
        self._next = itertools.count(self.first_replica)
        self._http = httpx.Client(timeout=60)

    def deliver(self, text: str, message_id: str | None = None) -> list[dict]:
        """One delivery to the next replica: its answer, whatever it is."""
        url = self.urls[next(self._next) % len(self.urls)]
        self.served_by[url] += 1
        response = self._http.post(url, json={"sender": self.sender, "message": text,
                                              "metadata": {"message_id": message_id} if message_id else {}})
        assert response.status_code == 200, response.text
        return response.json()

    def say(self, text: str, message_id: str | None = None) -> list[dict]:
        """Send until processed; each unprocessed delivery is a notice to the trainee."""
        deadline = time.monotonic() + RETRY_FOR
        while True:
            replies = self.deliver(text, message_id)
            texts = {r.get("text") for r in replies}
            notice = NO_REPLY if not replies else TOLD_TRY_AGAIN if texts & TRY_AGAIN else None
            if notice is None:
                self.progress()
                return replies
            self.notices.append(notice)
            assert time.monotonic() < deadline, f"{self.sender}: {text!r} not processed for {RETRY_FOR:.0f} s"
            time.sleep(RETRY_PAUSE)

    def play(self, scenario: str, kind: str) -> Played:
        self.say(f"/scenario {scenario}")
        lines, ids = [], []
        replies: list[dict] = []
        for move in PATHS[scenario][kind]:
            lines.append(LINES[move])
            ids.append(f"{self.sender}-{sum(len(g.lines) for g in self.games) + len(lines)}" if self.channel_ids else None)
            replies = self.say(lines[-1], ids[-1])
        final = payload(replies)
        assert final["done"], f"{scenario}/{kind} did not end: {final}"
        self.games.append(Played(scenario, kind, lines, ids, final))
        return self.games[-1]

    def close(self) -> None:
        self._http.close()


def payload(replies: list[dict]) -> dict:
    found = [r["custom"]["qser"] for r in replies if "qser" in (r.get("custom") or {})]
    assert len(found) == 1, replies
    return found[0]


GAMES = [(scenario, kind) for scenario in sorted(PATHS) for kind in sorted(PATHS[scenario])]


def play_all(urls: list[str], trainees: int, channel_ids: bool = False,
             during: Callable[[Callable[[], int]], None] | None = None) -> list[Trainee]:
    """``trainees`` trainees at once, each playing every game of GAMES (in its own order).

    ``during``, if given, runs beside them (a fault to inject) with a function that tells how many
    messages have been processed so far.
    """
    lock = threading.Lock()
    done = [0]

    def processed() -> int:
        return done[0]

    def count() -> None:
        with lock:
            done[0] += 1

    people = [Trainee(urls, channel_ids, first_replica=i, progress=count) for i in range(trainees)]

    def run(i: int) -> None:
        for game in GAMES[i % len(GAMES):] + GAMES[:i % len(GAMES)]:
            people[i].play(*game)

    with ThreadPoolExecutor(max_workers=trainees + 1) as pool:
        futures = [pool.submit(run, i) for i in range(trainees)]
        if during is not None:
            futures.append(pool.submit(during, processed))
        for future in futures:
            future.result()
    for person in people:
        person.close()
    return people


def messages_per_run(trainees: int) -> int:
    """How many messages ``play_all`` gets processed (a scenario command plus its lines, per game)."""
    return trainees * sum(1 + len(PATHS[scenario][kind]) for scenario, kind in GAMES)


@dataclass(frozen=True)
class Reference:
    """What one game gives on an undisturbed single replica: the moves per turn, the scores and the total."""
    moves: list[str]
    scores: dict
    total: int


def reference_games(database_url: str, url: str) -> dict[tuple[str, str], Reference]:
    trainee = Trainee([url])
    for game in GAMES:
        trainee.play(*game)
    trainee.close()
    references = {}
    with unit_of_work(database_url) as session:
        for game in trainee.games:
            turns = repo.turns_of(session, session.get(Attempt, game.final["attempt"]))
            references[(game.scenario, game.kind)] = Reference([turn.move for turn in turns], game.final["scores"],
                                                               game.final["total"])
    return references


def check_stored(database_url: str, people: list[Trainee], references: dict[tuple[str, str], Reference]) -> int:
    """Every line of every trainee stored exactly once, in order, scored as on a single replica.

    Returns the number of turns checked.
    """
    checked = 0
    with unit_of_work(database_url) as session:
        for person in people:
            trainee = session.scalars(select(TraineeRow).where(TraineeRow.pseudonym == person.sender)).one()
            attempts = {attempt.id: attempt for attempt in trainee.attempts}
            played = {game.final["attempt"]: game for game in person.games}
            with_turns = {attempt_id for attempt_id, attempt in attempts.items() if attempt.turns}
            assert with_turns == set(played), f"{person.sender}: turns stored outside the attempts played"
            for attempt_id, game in played.items():
                attempt, reference = attempts[attempt_id], references[(game.scenario, game.kind)]
                turns = repo.turns_of(session, attempt)
                where = f"{person.sender} {game.scenario}/{game.kind}"
                assert [turn.index for turn in turns] == list(range(1, len(game.lines) + 1)), where
                assert [turn.employee_text for turn in turns] == game.lines, where
                ids = [turn.message_id for turn in turns]
                assert None not in ids and len(set(ids)) == len(ids), f"{where}: message ids {ids}"
                if any(game.message_ids):
                    assert ids == game.message_ids, where
                assert [turn.move for turn in turns] == reference.moves, where
                assert (attempt.scores, attempt.total) == (reference.scores, reference.total), where
                assert (game.final["scores"], game.final["total"]) == (reference.scores, reference.total), where
                checked += len(turns)
    return checked
