"""Typed SQLAlchemy models of the application database.

Trainees are identified only by the pseudonymous sender id their channel gives
(the Telegram bridge sends a keyed hash, never the Telegram id or handle).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


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
