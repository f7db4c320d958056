"""CSV exports of attempts and of turns (one row each), as the database has them.

A cell a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return) gets a
leading apostrophe (OWASP's advice on CSV injection); everything else is written as stored.
"""
from __future__ import annotations

import csv
import json
from typing import IO, Iterable

from sqlalchemy.orm import Session

from actions.store import review
from actions.store.models import Attempt, Trainee
from bot.review.people import Directory

ATTEMPT_COLUMNS = ("attempt_id", "trainee_id", "trainee", "department", "scenario", "language", "mode", "started_at",
                   "ended_at", "ending", "ending_type", "total", "scores")
TURN_COLUMNS = ("turn_id", "attempt_id", "trainee_id", "index", "step", "employee_text", "move", "confidence", "points",
                "feedback", "client_reply", "created_at", "corrected_move", "corrected_points", "comments")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _json(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False) if value is not None else ""


def _iso(value) -> str:
    return value.isoformat() if value is not None else ""


def _rows(session: Session, f: review.AttemptFilter) -> Iterable[tuple[Attempt, Trainee]]:
    return session.execute(review.attempts_query(f)).tuples()


def write_attempts(out: IO[str], session: Session, directory: Directory, f: review.AttemptFilter) -> int:
    writer = csv.writer(out)
    writer.writerow(ATTEMPT_COLUMNS)
    count = 0
    for attempt, trainee in _rows(session, f):
        person = directory.person(trainee)
        writer.writerow([safe_cell(v) for v in (
            attempt.id, trainee.id, person.name, person.department or "", attempt.scenario_id, attempt.language,
            attempt.mode, _iso(attempt.started_at), _iso(attempt.ended_at), attempt.ending or "",
            attempt.ending_type or "", "" if attempt.total is None else attempt.total, _json(attempt.scores))])
        count += 1
    return count


def write_turns(out: IO[str], session: Session, f: review.AttemptFilter) -> int:
    writer = csv.writer(out)
    writer.writerow(TURN_COLUMNS)
    count = 0
    for attempt, trainee in _rows(session, f):
        turns = attempt.turns
        overrides = review.latest_overrides(session, [t.id for t in turns])
        comments = review.comments_by_turn(session, [t.id for t in turns])
        for turn in turns:
            override = overrides.get(turn.id)
            move, points = review.corrected(turn, override)
            writer.writerow([safe_cell(v) for v in (
                turn.id, attempt.id, trainee.id, turn.index, turn.step, turn.employee_text, turn.move, turn.confidence,
                _json(turn.points), turn.feedback, turn.client_reply, _iso(turn.created_at),
                move if override else "", _json(points) if override else "",
                _json([c.text for c in comments.get(turn.id, [])]))])
            count += 1
    return count
