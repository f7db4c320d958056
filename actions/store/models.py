"""Typed SQLAlchemy models of the application database.

Trainees are identified only by the pseudonymous sender id their channel gives
(the Telegram bridge sends a keyed hash, never the Telegram id or handle).

The web app's accounts (users, invites, sign-in sessions) are kept apart from the practice
data: a user's trainee row is found by the pseudonym derived from the user id
(bot/web/accounts.py), so no name or department is stored with attempts and turns.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional

from sqlalchemy import JSON, CheckConstraint, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


ROLES = ("trainee", "trainer", "coordinator")


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, datetime: DateTime(timezone=True)}


class Trainee(Base):
    __tablename__ = "trainee"

    id: Mapped[int] = mapped_column(primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(128), unique=True)
    language: Mapped[str] = mapped_column(String(8))
    mode: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    attempts: Mapped[list["Attempt"]] = relationship(back_populates="trainee", order_by="Attempt.id")


class Attempt(Base):
    __tablename__ = "attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainee.id", ondelete="CASCADE"), index=True)
    scenario_id: Mapped[str] = mapped_column(String(64), index=True)
    scenario_hash: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(8))
    language: Mapped[str] = mapped_column(String(8))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[Optional[datetime]]
    ending: Mapped[Optional[str]] = mapped_column(String(64))
    ending_type: Mapped[Optional[str]] = mapped_column(String(32))
    state: Mapped[dict[str, Any]]
    raw_points: Mapped[dict[str, Any]]
    scores: Mapped[Optional[dict[str, Any]]]
    total: Mapped[Optional[int]]

    trainee: Mapped[Trainee] = relationship(back_populates="attempts")
    turns: Mapped[list["Turn"]] = relationship(back_populates="attempt", order_by="Turn.index")


class Turn(Base):
    __tablename__ = "turn"
    __table_args__ = (
        UniqueConstraint("attempt_id", "index", name="uq_turn_attempt_index"),
        UniqueConstraint("attempt_id", "message_id", name="uq_turn_attempt_message"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"), index=True)
    index: Mapped[int] = mapped_column(Integer)
    message_id: Mapped[Optional[str]] = mapped_column(String(64))
    employee_text: Mapped[str] = mapped_column(Text)
    text_length: Mapped[int]  # length of the message as sent, before capping
    text_capped_at: Mapped[Optional[int]]  # the cap, when the stored text was cut
    move: Mapped[str] = mapped_column(String(64))
    confidence: Mapped[float] = mapped_column(Float)
    points: Mapped[dict[str, Any]]
    step: Mapped[str] = mapped_column(String(64))
    next_step: Mapped[str] = mapped_column(String(64))
    trust: Mapped[int]
    client_reply: Mapped[str] = mapped_column(Text)
    feedback: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    attempt: Mapped[Attempt] = relationship(back_populates="turns")


class User(Base):
    """Someone who signs in to the web app: a trainee, a trainer or a coordinator."""

    __tablename__ = "app_user"  # "user" is a reserved word in PostgreSQL
    __table_args__ = (CheckConstraint(f"role IN {ROLES}", name="ck_app_user_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)  # lower case
    password_hash: Mapped[str] = mapped_column(String(255))  # Argon2id, never the password
    role: Mapped[str] = mapped_column(String(16))
    department: Mapped[Optional[str]] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Invite(Base):
    """A single-use, expiring sign-up link; only the SHA-256 of its token is stored."""

    __tablename__ = "invite"
    __table_args__ = (CheckConstraint(f"role IN {ROLES}", name="ck_invite_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    department: Mapped[Optional[str]] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[Optional[datetime]]
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))


class WebSession(Base):
    """A signed-in browser: the cookie holds a random token, the table its SHA-256 and the CSRF token."""

    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)

    user: Mapped[User] = relationship()


class Comment(Base):
    """A mentor's comment on one turn; the trainee reads it on their progress page and in /progress."""

    __tablename__ = "comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    turn_id: Mapped[int] = mapped_column(ForeignKey("turn.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    turn: Mapped[Turn] = relationship()
    author: Mapped[Optional[User]] = relationship()


class ScoreOverride(Base):
    """A coordinator's correction of a turn's automatic score: points per competency and/or the move.

    The latest override of a turn counts; the turn itself keeps the automatic values (for calibration).
    """

    __tablename__ = "score_override"

    id: Mapped[int] = mapped_column(primary_key=True)
    turn_id: Mapped[int] = mapped_column(ForeignKey("turn.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    move: Mapped[Optional[str]] = mapped_column(String(64))  # the corrected move, None: the automatic one stands
    points: Mapped[dict[str, Any]]  # competency -> corrected points; competencies not named keep theirs
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    turn: Mapped[Turn] = relationship()
    author: Mapped[Optional[User]] = relationship()


class AuditLog(Base):
    """Who viewed or changed what: the acting user's id, an action and a target, never message text or names."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[Optional[int]] = mapped_column(Integer, index=True)  # kept when the account is gone
    action: Mapped[str] = mapped_column(String(64))
    target_kind: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[Optional[int]] = mapped_column(Integer)  # cleared when the target's trainee is erased
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)  # counts and field names only
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
