"""Queries and updates of the progress store, each inside the caller's unit of work."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping, Optional

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from actions.store.models import Attempt, Comment, Trainee, Turn, utcnow


def get_or_create_trainee(session: Session, pseudonym: str, language: str, mode: str) -> Trainee:
    trainee = session.scalar(select(Trainee).where(Trainee.pseudonym == pseudonym))
    if trainee is not None:
        return trainee
    try:
        with session.begin_nested():
            trainee = Trainee(pseudonym=pseudonym, language=language, mode=mode)
            session.add(trainee)
    except IntegrityError:  # created meanwhile by a concurrent request
        trainee = session.scalars(select(Trainee).where(Trainee.pseudonym == pseudonym)).one()
    return trainee


def trainee_by_pseudonym(session: Session, pseudonym: str) -> Optional[Trainee]:
    """The trainee, if their channel has talked to the trainer yet (a read never creates one)."""
    return session.scalar(select(Trainee).where(Trainee.pseudonym == pseudonym))


def active_attempt(session: Session, trainee: Trainee, *, for_update: bool = False) -> Optional[Attempt]:
    query = (
        select(Attempt)
        .where(Attempt.trainee_id == trainee.id, Attempt.ended_at.is_(None))
        .order_by(Attempt.id.desc())
        .limit(1)
    )
    if for_update:
        query = query.with_for_update()
    return session.scalar(query)


def attempt_of(session: Session, trainee: Trainee, attempt_id: int) -> Optional[Attempt]:
    """One of this trainee's attempts; another trainee's attempt id finds nothing."""
    return session.scalar(select(Attempt).where(Attempt.id == attempt_id, Attempt.trainee_id == trainee.id))


def start_attempt(session: Session, trainee: Trainee, scenario_id: str, scenario_hash: str, state: dict) -> Attempt:
    attempt = Attempt(
        trainee_id=trainee.id, scenario_id=scenario_id, scenario_hash=scenario_hash,
        mode=trainee.mode, language=trainee.language, state=state, raw_points={},
    )
    session.add(attempt)
    session.flush()
    return attempt


def turn_by_message(session: Session, trainee: Trainee, message_id: str | None) -> Optional[Turn]:
    """The trainee's turn stored for this message id, in any of their attempts (a retried message may
    come after the turn it made ended the attempt)."""
    if not message_id:
        return None
    return session.scalar(select(Turn).join(Attempt).where(Attempt.trainee_id == trainee.id, Turn.message_id == message_id)
                          .order_by(Turn.id.desc()).limit(1))


def add_turn(session: Session, attempt: Attempt, **fields) -> Turn:
    turn = Turn(attempt_id=attempt.id, **fields)
    session.add(turn)
    total = dict(attempt.raw_points)
    for competency, value in fields["points"].items():
        total[competency] = total.get(competency, 0) + value
    attempt.raw_points = total
    session.flush()
    return turn


def finish_attempt(session: Session, attempt: Attempt, ending: str, ending_type: str,
                   scores: Mapping[str, int], total: int) -> None:
    attempt.ended_at = utcnow()
    attempt.ending = ending
    attempt.ending_type = ending_type
    attempt.scores = dict(scores)
    attempt.total = total
    session.flush()


def turns_of(session: Session, attempt: Attempt) -> list[Turn]:
    return list(session.scalars(select(Turn).where(Turn.attempt_id == attempt.id).order_by(Turn.index)))


@dataclass(frozen=True)
class ScenarioProgress:
    scenario_id: str
    attempts: int
    best: int


def best_scores(session: Session, trainee: Trainee) -> dict[str, ScenarioProgress]:
    rows = session.execute(
        select(Attempt.scenario_id, func.count(Attempt.id), func.max(Attempt.total))
        .where(Attempt.trainee_id == trainee.id, Attempt.total.is_not(None))
        .group_by(Attempt.scenario_id)
    )
    return {sid: ScenarioProgress(sid, count, best or 0) for sid, count, best in rows}


def finished_attempts(session: Session, trainee: Trainee, limit: int | None = None) -> list[Attempt]:
    query = (
        select(Attempt)
        .where(Attempt.trainee_id == trainee.id, Attempt.total.is_not(None))
        .order_by(Attempt.ended_at.desc(), Attempt.id.desc())
    )
    if limit:
        query = query.limit(limit)
    return list(session.scalars(query))


def average_scores(attempts: Iterable[Attempt]) -> dict[str, int]:
    sums: dict[str, list[int]] = {}
    for attempt in attempts:
        for competency, score in (attempt.scores or {}).items():
            sums.setdefault(competency, []).append(score)
    return {c: round(sum(v) / len(v)) for c, v in sums.items()}


def mentor_comments(session: Session, trainee: Trainee, limit: int = 10) -> list[tuple[Comment, Turn, Attempt]]:
    """The mentors' comments on this trainee's turns, newest first."""
    return list(session.execute(
        select(Comment, Turn, Attempt).join(Turn, Comment.turn_id == Turn.id).join(Attempt, Turn.attempt_id == Attempt.id)
        .where(Attempt.trainee_id == trainee.id).order_by(Comment.id.desc()).limit(limit)).tuples())
