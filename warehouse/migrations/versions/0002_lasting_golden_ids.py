"""Golden ids that last: redirects, history, a change feed, and placements with dates.

Revision ID: 0002
Revises: 0001

Customers and placements published before have no issue or placement date; they take
the finish time of the run that published them. Their history and the change feed
start with them as they are.
"""

from __future__ import annotations

import hashlib
from typing import Any, cast

import pandas as pd
import sqlalchemy as sa
from alembic import op

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


#: The columns of a golden customer whose change made a new version, at this revision.
_VERSIONED = (
    "golden_id",
    "given_name",
    "family_name",
    "birth_date",
    "email",
    "phone",
    "street",
    "postcode",
    "city",
    "country",
    "record_count",
    "sources",
)


def _start_history(connection: sa.Connection) -> None:
    """The customers and placements as they are: the first versions and changes."""
    tables = sa.MetaData()
    golden_customer, history, change, xref, xref_history = (
        sa.Table(name, tables, autoload_with=connection)
        for name in (
            "golden_customer",
            "golden_customer_history",
            "golden_change",
            "customer_xref",
            "customer_xref_history",
        )
    )
    golden = pd.read_sql(sa.select(golden_customer), connection)
    created_at = pd.to_datetime(golden["created_at"], utc=True)
    versions = golden[[*_VERSIONED, "run_id"]].assign(
        valid_from=created_at, is_current=True, row_hash=_row_hashes(golden)
    )
    _insert(connection, history, versions)
    changes = golden[["golden_id", "run_id"]].assign(changed_at=created_at, change="created")
    _insert(connection, change, changes.sort_values(["changed_at", "golden_id"]))
    placed = pd.read_sql(sa.select(xref), connection)
    placements = placed[["source", "source_key", "golden_id", "run_id"]].assign(
        valid_from=pd.to_datetime(placed["valid_from"], utc=True)
    )
    _insert(connection, xref_history, placements)


def _row_hashes(golden: pd.DataFrame) -> list[str]:
    """`warehouse.publishing.row_hashes` as it was at this revision."""
    text = pd.Series("", index=golden.index)
    for name in _VERSIONED:
        column = golden[name]
        if name == "birth_date":
            column = pd.to_datetime(column).dt.strftime("%Y-%m-%d")
        text = text + column.astype(object).where(column.notna(), "\x00").astype(str) + "\x1f"
    return [hashlib.sha256(row.encode()).hexdigest() for row in text]


def _insert(connection: sa.Connection, table: sa.Table, frame: pd.DataFrame) -> None:
    # pandas takes None as `other`; pandas-stubs leave it out, hence the cast.
    rows = frame.astype(object).where(frame.notna(), cast(Any, None)).to_dict("records")
    if rows:
        # The frame's column names are text, which the stubs cannot tell from `to_dict`.
        connection.execute(table.insert(), cast("list[dict[str, Any]]", rows))
