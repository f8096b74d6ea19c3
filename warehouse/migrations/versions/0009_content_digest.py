"""The digest of the files a full refresh of a file source read, to know them again.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("source_state") as table:
        table.add_column(sa.Column("content_digest", sa.String(64)))
