"""The steward review queue and the steward decisions.

Revision ID: 0005
Revises: 0004

The queue is rebuilt by every publish; after this upgrade it is empty until the next run.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_item",
        sa.Column("review_id", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("priority", sa.Float(), nullable=False),
        sa.Column("record_id_l", sa.String(length=300), nullable=True),
        sa.Column("record_id_r", sa.String(length=300), nullable=True),
        sa.Column("golden_id", sa.String(length=32), nullable=True),
        sa.Column("golden_id_r", sa.String(length=32), nullable=True),
        sa.Column("match_probability", sa.Float(), nullable=True),
        sa.Column("match_weight", sa.Float(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=True),
        sa.Column("model_version", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("review_id"),
    )
    op.create_index("ix_review_item_golden_id", "review_item", ["golden_id"])
    op.create_table(
        "steward_decision",
        sa.Column("decision_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("steward", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("review_id", sa.String(length=16), nullable=True),
        sa.Column("record_ids", sa.JSON(), nullable=False),
        sa.Column("golden_id", sa.String(length=32), nullable=True),
        sa.Column("field", sa.String(length=64), nullable=True),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("undoes", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("golden_before", sa.JSON(), nullable=False),
        sa.Column("golden_after", sa.JSON(), nullable=True),
        sa.Column("applied_run_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("decision_id"),
    )
