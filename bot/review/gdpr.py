"""GDPR: one trainee's data as JSON (right of access), and erasing a trainee (right to erasure).

Erasing removes the trainee's turns, attempts, the comments and score overrides on them, their web
account (if they have one: user, sessions) and their conversation in Rasa's tracker store (the
``events`` rows whose sender_id is their pseudonym). Audit entries that pointed at those records keep
what was done and by whom but lose the target's id; the erase itself is recorded with counts only.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from actions.store import review
from actions.store.erasure import clear_audit_targets, erase_practice, erase_tracker, practice_record
from actions.store.models import AuditLog, Trainee, User, WebSession
from bot.review.people import Directory


def export_trainee(session: Session, directory: Directory, trainee: Trainee) -> dict[str, Any]:
    """Everything the application database holds about one trainee: practice data and web account."""
    user = directory.user_of(trainee)
    account = None if user is None else {"username": user.username, "role": user.role, "department": user.department,
                                          "created_at": user.created_at.isoformat()}
    return {**practice_record(session, trainee), "account": account}


def erase_trainee(session: Session, directory: Directory, trainee: Trainee, actor_id: int | None,
                  tracker_url: str) -> dict[str, int]:
    """Erase the trainee everywhere; returns what was removed (also the erase's audit record)."""
    user = directory.user_of(trainee)
    counts, targets = erase_practice(session, trainee)
    counts["account"] = 0
    if user is not None:
        targets.append((AuditLog.target_kind == "user") & (AuditLog.target_id == user.id))
        session.execute(update(AuditLog).where(AuditLog.actor_id == user.id).values(actor_id=None))
        session.execute(delete(WebSession).where(WebSession.user_id == user.id))
        counts["account"] = session.execute(delete(User).where(User.id == user.id)).rowcount
    clear_audit_targets(session, targets)
    session.expunge(trainee)
    session.flush()
    counts["tracker_events"] = erase_tracker(tracker_url, trainee.pseudonym)
    review.audit(session, actor_id, "trainee.erase", "trainee", None, **counts)
    return counts
