"""GDPR: one trainee's data as JSON (right of access), and erasing a trainee (right to erasure).

Erasing removes the trainee's turns, attempts, the comments and score overrides on them, their web
account (if they have one: user, sessions) and their conversation in Rasa's tracker store (the
``events`` rows whose sender_id is their pseudonym). Audit entries that pointed at those records keep
what was done and by whom but lose the target's id; the erase itself is recorded with counts only.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, delete, inspect, or_, select, text, update
from sqlalchemy.orm import Session

from actions.store import review
from actions.store.db import normalise_url
from actions.store.models import Attempt, AuditLog, Comment, ScoreOverride, Trainee, Turn, User, WebSession
from bot.review.people import Directory

TRACKER_EVENTS = "events"  # Rasa's SQLTrackerStore table


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def export_trainee(session: Session, directory: Directory, trainee: Trainee) -> dict[str, Any]:
    """Everything the application database holds about one trainee."""
    user = directory.user_of(trainee)
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
    account = None if user is None else {"username": user.username, "role": user.role, "department": user.department,
                                          "created_at": _iso(user.created_at)}
    return {"trainee": {"pseudonym": trainee.pseudonym, "language": trainee.language, "mode": trainee.mode,
                        "created_at": _iso(trainee.created_at)},
            "account": account, "attempts": attempts}


def _tracker_engine(tracker_url: str) -> Engine:
    return create_engine(normalise_url(tracker_url))


def erase_tracker(tracker_url: str, sender_id: str) -> int:
    """Delete a conversation from Rasa's SQL tracker store; the number of events deleted."""
    engine = _tracker_engine(tracker_url)
    try:
        if not inspect(engine).has_table(TRACKER_EVENTS):  # Rasa never ran against this database
            return 0
        with engine.begin() as connection:
            return connection.execute(text(f"DELETE FROM {TRACKER_EVENTS} WHERE sender_id = :sender"),
                                      {"sender": sender_id}).rowcount
    finally:
        engine.dispose()


def erase_trainee(session: Session, directory: Directory, trainee: Trainee, actor_id: int | None,
                  tracker_url: str) -> dict[str, int]:
    """Erase the trainee everywhere; returns what was removed (also the erase's audit record)."""
    user = directory.user_of(trainee)
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
    counts["account"] = 0
    if user is not None:
        targets.append((AuditLog.target_kind == "user") & (AuditLog.target_id == user.id))
        session.execute(update(AuditLog).where(AuditLog.actor_id == user.id).values(actor_id=None))
        session.execute(delete(WebSession).where(WebSession.user_id == user.id))
        counts["account"] = session.execute(delete(User).where(User.id == user.id)).rowcount
    session.execute(update(AuditLog).where(or_(*targets)).values(target_id=None))
    session.expunge(trainee)
    session.flush()
    counts["tracker_events"] = erase_tracker(tracker_url, trainee.pseudonym)
    review.audit(session, actor_id, "trainee.erase", "trainee", None, **counts)
    return counts
