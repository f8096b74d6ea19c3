"""Deletions a full refresh held back, counted with each sync.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "source_sync",
        sa.Column("deletions_held", sa.Integer(), nullable=False, server_default="0"),
    )
