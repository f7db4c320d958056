"""Trainees, attempts and turns.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trainee",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("pseudonym", sa.String(128), nullable=False, unique=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "attempt",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("trainee_id", sa.Integer(), sa.ForeignKey("trainee.id", ondelete="CASCADE"), nullable=False),
        sa.Column("scenario_id", sa.String(64), nullable=False),
        sa.Column("scenario_hash", sa.String(64), nullable=False),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ending", sa.String(64), nullable=True),
        sa.Column("ending_type", sa.String(32), nullable=True),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("raw_points", sa.JSON(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=True),
        sa.Column("total", sa.Integer(), nullable=True),
    )
    op.create_index("ix_attempt_trainee_id", "attempt", ["trainee_id"])
    op.create_index("ix_attempt_scenario_id", "attempt", ["scenario_id"])
    op.create_table(
        "turn",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("attempt_id", sa.Integer(), sa.ForeignKey("attempt.id", ondelete="CASCADE"), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(64), nullable=True),
        sa.Column("employee_text", sa.Text(), nullable=False),
        sa.Column("text_length", sa.Integer(), nullable=False),
        sa.Column("text_capped_at", sa.Integer(), nullable=True),
        sa.Column("move", sa.String(64), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("points", sa.JSON(), nullable=False),
        sa.Column("step", sa.String(64), nullable=False),
        sa.Column("next_step", sa.String(64), nullable=False),
        sa.Column("trust", sa.Integer(), nullable=False),
        sa.Column("client_reply", sa.Text(), nullable=False),
        sa.Column("feedback", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("attempt_id", "index", name="uq_turn_attempt_index"),
        sa.UniqueConstraint("attempt_id", "message_id", name="uq_turn_attempt_message"),
    )
    op.create_index("ix_turn_attempt_id", "turn", ["attempt_id"])


def downgrade() -> None:
    op.drop_table("turn")
    op.drop_table("attempt")
    op.drop_table("trainee")
