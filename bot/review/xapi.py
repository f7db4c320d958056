"""xAPI 1.0.3 statements of the practice record, to a file or to a Learning Record Store.

Per attempt: ``initialized`` (when it started), and once finished ``completed``, ``passed`` or ``failed``
(total >= PASS_SCORE) and ``scored`` (the total, and each competency's score in result extensions); per
turn one ``responded`` with the employee's reply, the move and the competency points (as corrected by a
coordinator, when one did) in result extensions. The actor is the trainee's pseudonym as an account on
this site (never a name); statement ids are UUIDv5 of attempt and verb, or of turn and override, so exporting again
produces the same statements (and a corrected turn a new one).
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import IO, Any, Iterable, Iterator

import httpx
from sqlalchemy.orm import Session

from actions.store import review
from actions.store.models import Attempt, Trainee, Turn

XAPI_VERSION = "1.0.3"
PASS_SCORE = 60
VERBS = {name: f"http://adlnet.gov/expapi/verbs/{name}"
         for name in ("initialized", "completed", "passed", "failed", "scored", "responded")}
SIMULATION = "http://adlnet.gov/expapi/activities/simulation"
INTERACTION = "http://adlnet.gov/expapi/activities/interaction"
NAMESPACE = uuid.UUID("6d1b0a5e-3c0f-4c52-9a57-6f1f5d1c1a01")  # of this trainer's statement ids
BATCH = 200  # statements per POST to an LRS


class LrsError(RuntimeError):
    """The LRS refused or could not be reached."""


def _time(value: datetime) -> str:
    value = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


class Statements:
    """Statement builder for one site (``base_url``: the web app's public address, the IRIs' root)."""

    def __init__(self, base_url: str):
        self.base = base_url.rstrip("/")

    def iri(self, *parts: str) -> str:
        return "/".join([self.base, "xapi", *parts])

    def _actor(self, trainee: Trainee) -> dict[str, Any]:
        return {"objectType": "Agent", "account": {"homePage": self.base, "name": trainee.pseudonym}}

    def _scenario(self, attempt: Attempt) -> dict[str, Any]:
        return {"objectType": "Activity", "id": self.iri("scenarios", attempt.scenario_id),
                "definition": {"type": SIMULATION, "name": {attempt.language: attempt.scenario_id}}}

    def _context(self, attempt: Attempt, parent: bool = False) -> dict[str, Any]:
        context: dict[str, Any] = {
            "registration": str(uuid.uuid5(NAMESPACE, f"attempt:{attempt.id}")), "language": attempt.language,
            "extensions": {self.iri("extensions", "mode"): attempt.mode,
                           self.iri("extensions", "attempt"): attempt.id}}
        if parent:
            context["contextActivities"] = {"parent": [self._scenario(attempt)]}
        return context

    def _statement(self, key: str, trainee: Trainee, verb: str, obj: dict, when: datetime, context: dict,
                   result: dict | None = None) -> dict[str, Any]:
        statement = {"id": str(uuid.uuid5(NAMESPACE, key)), "version": XAPI_VERSION, "actor": self._actor(trainee),
                     "verb": {"id": VERBS[verb], "display": {"en-US": verb}}, "object": obj,
                     "context": context, "timestamp": _time(when)}
        if result is not None:
            statement["result"] = result
        return statement

    def of_attempt(self, attempt: Attempt, trainee: Trainee, turns: list[Turn],
                   overrides: dict[int, Any]) -> list[dict[str, Any]]:
        key = f"attempt:{attempt.id}"
        scenario, context = self._scenario(attempt), self._context(attempt)
        out = [self._statement(f"{key}:initialized", trainee, "initialized", scenario, attempt.started_at, context)]
        for turn in turns:
            out.append(self._responded(attempt, trainee, turn, overrides.get(turn.id)))
        if attempt.ended_at is not None and attempt.total is not None:
            score = {"scaled": attempt.total / 100, "raw": attempt.total, "min": 0, "max": 100}
            ext = {self.iri("extensions", "competency-scores"): dict(attempt.scores or {}),
                   self.iri("extensions", "ending"): attempt.ending}
            passed = attempt.total >= PASS_SCORE
            out.append(self._statement(f"{key}:completed", trainee, "completed", scenario, attempt.ended_at, context,
                                       {"completion": True, "duration": _duration(attempt)}))
            out.append(self._statement(f"{key}:{'passed' if passed else 'failed'}", trainee,
                                       "passed" if passed else "failed", scenario, attempt.ended_at, context,
                                       {"success": passed, "score": score}))
            out.append(self._statement(f"{key}:scored", trainee, "scored", scenario, attempt.ended_at, context,
                                       {"score": score, "extensions": ext}))
        return out

    def _responded(self, attempt: Attempt, trainee: Trainee, turn: Turn, override) -> dict[str, Any]:
        move, points = review.corrected(turn, override)
        step = {"objectType": "Activity", "id": self.iri("scenarios", attempt.scenario_id, "steps", turn.step),
                "definition": {"type": INTERACTION, "interactionType": "fill-in",
                               "name": {attempt.language: turn.step}}}
        ext = {self.iri("extensions", "competency-points"): points, self.iri("extensions", "move"): move,
               self.iri("extensions", "automatic-move"): turn.move,
               self.iri("extensions", "confidence"): round(turn.confidence, 4),
               self.iri("extensions", "turn"): turn.index}
        key = f"turn:{turn.id}:override:{override.id}" if override is not None else f"turn:{turn.id}"
        return self._statement(key, trainee, "responded", step, turn.created_at,
                               self._context(attempt, parent=True), {"response": turn.employee_text, "extensions": ext})


def _duration(attempt: Attempt) -> str:
    seconds = max((attempt.ended_at - attempt.started_at).total_seconds(), 0) if attempt.ended_at else 0
    return f"PT{seconds:.2f}S"


def statements(session: Session, builder: Statements, f: review.AttemptFilter) -> Iterator[dict[str, Any]]:
    """Every statement of the attempts the filter selects, oldest attempt first."""
    rows = list(session.execute(review.attempts_query(f)).tuples())
    for attempt, trainee in reversed(rows):
        turns = attempt.turns
        yield from builder.of_attempt(attempt, trainee, turns, review.latest_overrides(session, [t.id for t in turns]))


def write_file(out: IO[str], items: Iterable[dict[str, Any]]) -> int:
    """A JSON array of statements (what an LRS's POST /statements takes)."""
    batch = list(items)
    json.dump(batch, out, ensure_ascii=False, indent=1)
    return len(batch)


def post(items: Iterable[dict[str, Any]], endpoint: str, user: str, password: str, timeout: float = 30) -> int:
    """POST the statements to an LRS's statements resource (``endpoint`` ends with /xAPI/ or the like)."""
    url = endpoint.rstrip("/") + "/statements"
    batch = list(items)
    headers = {"X-Experience-API-Version": XAPI_VERSION}
    with httpx.Client(auth=(user, password), timeout=timeout, headers=headers) as client:
        for start in range(0, len(batch), BATCH):
            try:
                response = client.post(url, json=batch[start:start + BATCH])
            except httpx.HTTPError as error:
                raise LrsError(f"the LRS at {url} is not reachable: {error}") from error
            if response.status_code >= 300:
                raise LrsError(f"the LRS at {url} answered {response.status_code}: {response.text[:300]}")
    return len(batch)
