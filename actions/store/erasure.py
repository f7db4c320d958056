"""A trainee's practice data: as one record (right of access) and erased (right to erasure).

Shared by the trainee's own ``/mydata`` and ``/forget`` (actions/practice.py) and the
coordinator's GDPR export and erase (bot/review/gdpr.py), which adds the web account.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Any

from sqlalchemy import create_engine, delete, inspect, or_, select, text, update
from sqlalchemy.orm import Session

from actions.store import review
from actions.store.db import normalise_url
from actions.store.models import Attempt, AuditLog, Comment, ScoreOverride, Trainee, Turn

logger = logging.getLogger(__name__)
TRACKER_EVENTS = "events"  # Rasa's SQLTrackerStore table


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def practice_record(session: Session, trainee: Trainee) -> dict[str, Any]:
    """Everything the practice tables hold about one trainee: attempts, turns, mentors' comments and corrections."""
    attempts = []
    for attempt in trainee.attempts:
        turns = attempt.turns
        comments = review.comments_by_turn(session, [t.id for t in turns])
        overrides = session.scalars(select(ScoreOverride).where(ScoreOverride.turn_id.in_([t.id for t in turns]))
                                    .order_by(ScoreOverride.id)).all()
        attempts.append({
            "id": attempt.id, "scenario": attempt.scenario_id, "mode": attempt.mode, "language": attempt.language,
            "started_at": _iso(attempt.started_at), "ended_at": _iso(attempt.ended_at), "ending": attempt.ending,
            "ending_type": attempt.ending_type, "scores": attempt.scores, "total": attempt.total,
            "turns": [{"index": t.index, "employee_text": t.employee_text, "move": t.move, "confidence": t.confidence,
                       "points": t.points, "step": t.step, "client_reply": t.client_reply, "feedback": t.feedback,
                       "created_at": _iso(t.created_at),
                       "comments": [{"text": c.text, "created_at": _iso(c.created_at)} for c in comments.get(t.id, [])],
                       "score_overrides": [{"move": o.move, "points": o.points, "created_at": _iso(o.created_at)}
                                           for o in overrides if o.turn_id == t.id]}
                      for t in turns]})
    return {"trainee": {"pseudonym": trainee.pseudonym, "language": trainee.language, "mode": trainee.mode,
                        "created_at": _iso(trainee.created_at)},
            "attempts": attempts}


def erase_practice(session: Session, trainee: Trainee) -> tuple[dict[str, int], list]:
    """Delete the trainee's turns, attempts, comments and corrections and the trainee row.

    Returns the counts and the audit-log conditions that pointed at the erased records (the caller
    clears their target ids, together with any of its own).
    """
    attempt_ids = list(session.scalars(select(Attempt.id).where(Attempt.trainee_id == trainee.id)))
    turn_ids = list(session.scalars(select(Turn.id).where(Turn.attempt_id.in_(attempt_ids))))
    counts = {
        "attempts": len(attempt_ids), "turns": len(turn_ids),
        "comments": session.execute(delete(Comment).where(Comment.turn_id.in_(turn_ids))).rowcount,
        "score_overrides": session.execute(delete(ScoreOverride).where(ScoreOverride.turn_id.in_(turn_ids))).rowcount,
    }
    session.execute(delete(Turn).where(Turn.id.in_(turn_ids)))
    session.execute(delete(Attempt).where(Attempt.id.in_(attempt_ids)))
    session.execute(delete(Trainee).where(Trainee.id == trainee.id))
    targets = [(AuditLog.target_kind == "trainee") & (AuditLog.target_id == trainee.id),
               (AuditLog.target_kind == "attempt") & AuditLog.target_id.in_(attempt_ids),
               (AuditLog.target_kind == "turn") & AuditLog.target_id.in_(turn_ids)]
    return counts, targets


def clear_audit_targets(session: Session, targets: list) -> None:
    session.execute(update(AuditLog).where(or_(*targets)).values(target_id=None))


def erase_tracker(tracker_url: str, sender_id: str, until: float | None = None) -> int:
    """Delete a conversation (up to the timestamp ``until``) from Rasa's SQL tracker store; the events deleted."""
    engine = create_engine(normalise_url(tracker_url))
    try:
        if not inspect(engine).has_table(TRACKER_EVENTS):  # Rasa never ran against this database
            return 0
        condition = "sender_id = :sender" + (" AND timestamp <= :until" if until is not None else "")
        with engine.begin() as connection:
            return connection.execute(text(f"DELETE FROM {TRACKER_EVENTS} WHERE {condition}"),
                                      {"sender": sender_id, "until": until}).rowcount
    finally:
        engine.dispose()


def erase_tracker_once_saved(tracker_url: str, sender_id: str, asked_at: float, wait: float = 60.0) -> None:
    """Erase a conversation from Rasa's tracker store once Rasa has saved the turn that asked for it.

    Rasa keeps the conversation in memory while an action runs and then appends the events it
    has not stored yet (counting the stored ones), so erasing during the action would only make
    it write them all again. This waits, in a background thread, for the ``action_listen`` that
    Rasa stores after the action, then deletes everything up to it.
    """
    def run() -> None:
        engine = create_engine(normalise_url(tracker_url))
        deadline = time.monotonic() + wait
        try:
            while time.monotonic() < deadline:
                with engine.connect() as connection:
                    saved = connection.execute(text(
                        f"SELECT MAX(timestamp) FROM {TRACKER_EVENTS} WHERE sender_id = :sender "
                        "AND action_name = 'action_listen' AND timestamp >= :asked"),
                        {"sender": sender_id, "asked": asked_at}).scalar()
                if saved is not None:
                    erase_tracker(tracker_url, sender_id, until=saved)
                    return
                time.sleep(0.2)
            logger.error("a trainee's conversation was not erased from the tracker store: Rasa did not save it in time")
        except Exception:  # noqa: BLE001 - a background thread must report, not die silently
            logger.exception("erasing a trainee's conversation from the tracker store failed")
        finally:
            engine.dispose()

    threading.Thread(target=run, name="erase-tracker", daemon=True).start()
