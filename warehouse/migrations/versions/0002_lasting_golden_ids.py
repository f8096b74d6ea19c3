"""Golden ids that last: redirects, history, a change feed, and placements with dates.

Revision ID: 0002
Revises: 0001

Customers and placements published before have no issue or placement date; they take
the finish time of the run that published them. Their history and the change feed
start with them as they are.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from alembic import op

from warehouse import schema
from warehouse.publish import row_hashes
from warehouse.rows import insert_frame

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_PUBLISHED = "(SELECT hub_run.finished_at FROM hub_run WHERE hub_run.run_id = {table}.run_id)"


def upgrade() -> None:
    op.create_table(
        "customer_xref_history",
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("source_key", sa.String(length=200), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("golden_id", sa.String(length=32), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("source", "source_key", "valid_from"),
    )
    op.create_index(
        op.f("ix_customer_xref_history_golden_id"),
        "customer_xref_history",
        ["golden_id"],
        unique=False,
    )
    op.create_table(
        "golden_change",
        sa.Column("change_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("golden_id", sa.String(length=32), nullable=False),
        sa.Column("change", sa.String(length=16), nullable=False),
        sa.Column("other_id", sa.String(length=32), nullable=True),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("change_id"),
    )
    op.create_index(
        op.f("ix_golden_change_changed_at"), "golden_change", ["changed_at"], unique=False
    )
    op.create_index(
        op.f("ix_golden_change_golden_id"), "golden_change", ["golden_id"], unique=False
    )
    op.create_table(
        "golden_customer_history",
        sa.Column("golden_id", sa.String(length=32), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("given_name", sa.Text(), nullable=True),
        sa.Column("family_name", sa.Text(), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("street", sa.Text(), nullable=True),
        sa.Column("postcode", sa.Text(), nullable=True),
        sa.Column("city", sa.Text(), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("sources", sa.Text(), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("golden_id", "valid_from"),
    )
    op.create_index(
        "ix_golden_customer_history_current",
        "golden_customer_history",
        ["is_current", "golden_id"],
        unique=False,
    )
    op.create_table(
        "golden_redirect",
        sa.Column("retired_id", sa.String(length=32), nullable=False),
        sa.Column("golden_id", sa.String(length=32), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("retired_id"),
    )
    op.create_index(
        op.f("ix_golden_redirect_golden_id"), "golden_redirect", ["golden_id"], unique=False
    )
    op.add_column("golden_customer", sa.Column("created_at", sa.DateTime(timezone=True)))
    op.add_column("customer_xref", sa.Column("placed_by", sa.String(length=16)))
    op.add_column("customer_xref", sa.Column("valid_from", sa.DateTime(timezone=True)))
    for table, column in (("golden_customer", "created_at"), ("customer_xref", "valid_from")):
        published = _PUBLISHED.format(table=table)
        op.execute(f"UPDATE {table} SET {column} = COALESCE({published}, CURRENT_TIMESTAMP)")
    op.execute(
        "UPDATE customer_xref SET placed_by = "
        "CASE WHEN match_probability IS NULL THEN 'single' ELSE 'score' END"
    )
    with op.batch_alter_table("golden_customer") as batch:
        batch.alter_column("created_at", nullable=False)
    with op.batch_alter_table("customer_xref") as batch:
        batch.alter_column("placed_by", nullable=False)
        batch.alter_column("valid_from", nullable=False)
    _start_history(op.get_bind())


def _start_history(connection: sa.Connection) -> None:
    golden = pd.read_sql(sa.select(schema.golden_customer), connection)
    created_at = pd.to_datetime(golden["created_at"], utc=True)
    versions = golden.assign(valid_from=created_at, is_current=True, row_hash=row_hashes(golden))
    insert_frame(connection, schema.golden_customer_history, versions)
    changes = golden[["golden_id", "run_id"]].assign(changed_at=created_at, change="created")
    insert_frame(connection, schema.golden_change, changes.sort_values(["changed_at", "golden_id"]))
    xref = pd.read_sql(sa.select(schema.customer_xref), connection)
    xref = xref.assign(valid_from=pd.to_datetime(xref["valid_from"], utc=True))
    insert_frame(connection, schema.customer_xref_history, xref)
