"""What each saved match model was trained on, so a run can tell when the data drifted.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("match_model") as table:
        table.add_column(sa.Column("trained_on", sa.JSON))
