"""Queries and changes of the coordinator dashboard (bot/web/dashboard.py, ``qser review``), each inside the
caller's unit of work: filtered and paged lists, mentors' comments, score overrides and the audit log."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Optional, Sequence

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from actions.store.models import Attempt, AuditLog, Comment, ScoreOverride, Trainee, Turn



@dataclass(frozen=True)
class Page:
    items: list
    total: int
    number: int  # from 1
    size: int

    @property
    def pages(self) -> int:
        return max((self.total + self.size - 1) // self.size, 1)


def paged(session: Session, query: Select, number: int, size: int) -> Page:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    number = max(number, 1)
    rows = session.execute(query.limit(size).offset((number - 1) * size)).all()
    return Page([row[0] if len(row) == 1 else tuple(row) for row in rows], total, number, size)


@dataclass(frozen=True)
class AttemptFilter:
    trainee_id: Optional[int] = None
    pseudonyms: Optional[Sequence[str]] = None  # a department's trainees (None: everyone)
    scenario: Optional[str] = None
    language: Optional[str] = None
    since: Optional[datetime] = None
    until: Optional[datetime] = None
    min_score: Optional[int] = None
    max_score: Optional[int] = None


def attempts_query(f: AttemptFilter) -> Select:
    """Attempts with their trainee, newest first, narrowed by every filter that is set."""
    query = select(Attempt, Trainee).join(Trainee, Attempt.trainee_id == Trainee.id)
    if f.trainee_id is not None:
        query = query.where(Attempt.trainee_id == f.trainee_id)
    if f.pseudonyms is not None:
        query = query.where(Trainee.pseudonym.in_(list(f.pseudonyms)))
    if f.scenario:
        query = query.where(Attempt.scenario_id == f.scenario)
    if f.language:
        query = query.where(Attempt.language == f.language)
    if f.since is not None:
        query = query.where(Attempt.started_at >= f.since)
    if f.until is not None:
        query = query.where(Attempt.started_at < f.until)
    if f.min_score is not None:
        query = query.where(Attempt.total >= f.min_score)
    if f.max_score is not None:
        query = query.where(Attempt.total <= f.max_score)
    return query.order_by(Attempt.started_at.desc(), Attempt.id.desc())


def trainees_query(pseudonyms: Optional[Sequence[str]] = None) -> Select:
    """Trainees with their number of attempts, finished attempts' average total and last start."""
    query = (select(Trainee, func.count(Attempt.id), func.avg(Attempt.total), func.max(Attempt.started_at))
             .outerjoin(Attempt, Attempt.trainee_id == Trainee.id).group_by(Trainee.id).order_by(Trainee.id))
    if pseudonyms is not None:
        query = query.where(Trainee.pseudonym.in_(list(pseudonyms)))
    return query


def scenario_ids(session: Session) -> list[str]:
    return list(session.scalars(select(Attempt.scenario_id).distinct().order_by(Attempt.scenario_id)))


def comments_by_turn(session: Session, turn_ids: Iterable[int]) -> dict[int, list[Comment]]:
    found: dict[int, list[Comment]] = {}
    for comment in session.scalars(select(Comment).where(Comment.turn_id.in_(list(turn_ids))).order_by(Comment.id)):
        found.setdefault(comment.turn_id, []).append(comment)
    return found


def latest_overrides(session: Session, turn_ids: Iterable[int]) -> dict[int, ScoreOverride]:
    """The override that counts (the latest) of each turn that has one."""
    found: dict[int, ScoreOverride] = {}
    for override in session.scalars(select(ScoreOverride).where(ScoreOverride.turn_id.in_(list(turn_ids)))
                                    .order_by(ScoreOverride.id)):
        found[override.turn_id] = override
    return found


def all_latest_overrides(session: Session) -> list[tuple[ScoreOverride, Turn]]:
    """Every overridden turn with its latest override (for calibration)."""
    latest = select(func.max(ScoreOverride.id)).group_by(ScoreOverride.turn_id)
    return list(session.execute(select(ScoreOverride, Turn).join(Turn, ScoreOverride.turn_id == Turn.id)
                                .where(ScoreOverride.id.in_(latest)).order_by(Turn.id)).tuples())


def add_comment(session: Session, turn: Turn, author_id: int, text: str) -> Comment:
    comment = Comment(turn_id=turn.id, author_id=author_id, text=text)
    session.add(comment)
    session.flush()
    return comment


def add_override(session: Session, turn: Turn, author_id: int, move: str | None, points: dict[str, int]) -> ScoreOverride:
    override = ScoreOverride(turn_id=turn.id, author_id=author_id, move=move or None, points=points)
    session.add(override)
    session.flush()
    return override


def audit(session: Session, actor_id: int | None, action: str, target_kind: str, target_id: int | None,
          **detail: Any) -> None:
    """Record who did what to which record; ``detail`` holds counts and field names, never personal data."""
    session.add(AuditLog(actor_id=actor_id, action=action, target_kind=target_kind, target_id=target_id,
                         detail=detail))
    session.flush()


def audit_query(actor_id: int | None = None) -> Select:
    query = select(AuditLog).order_by(AuditLog.id.desc())
    if actor_id is not None:
        query = query.where(AuditLog.actor_id == actor_id)
    return query


def corrected(turn: Turn, override: ScoreOverride | None) -> tuple[str, dict[str, int]]:
    """The move and points that count: the automatic ones, with an override's corrections over them."""
    if override is None:
        return turn.move, dict(turn.points)
    return override.move or turn.move, {**turn.points, **override.points}
