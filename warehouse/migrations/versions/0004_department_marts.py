"""Marketing, service and finance marts; ticket closing times and order costs.

Revision ID: 0004
Revises: 0003

The marts are rebuilt by every publish; after this upgrade they are empty until the next
run, and the new interaction columns stay empty until their sources map them.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _contact_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("golden_id", sa.String(length=32), nullable=False),
        *(
            sa.Column(name, sa.Text(), nullable=True)
            for name in (
                "given_name",
                "family_name",
                "email",
                "phone",
                "street",
                "postcode",
                "city",
            )
        ),
        sa.Column("country", sa.String(length=2), nullable=True),
    ]


def _money_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("order_count", sa.Integer(), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("cost", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("margin", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("margin_rate", sa.Float(), nullable=True),
        sa.Column("orders_without_cost", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
    ]


def upgrade() -> None:
    with op.batch_alter_table("customer_interaction") as table:
        table.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        table.add_column(sa.Column("cost", sa.Numeric(precision=14, scale=2), nullable=True))
    op.create_table(
        "mart_marketing_contact",
        *_contact_columns(),
        *(
            sa.Column(f"by_{channel}", sa.Boolean(), nullable=False)
            for channel in ("email", "phone", "sms", "post")
        ),
        sa.Column("preferred_channel", sa.String(length=8), nullable=False),
        sa.Column("recency_days", sa.Integer(), nullable=True),
        sa.Column("frequency", sa.Integer(), nullable=False),
        sa.Column("monetary", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("r_score", sa.SmallInteger(), nullable=True),
        sa.Column("f_score", sa.SmallInteger(), nullable=True),
        sa.Column("m_score", sa.SmallInteger(), nullable=True),
        sa.Column("rfm_segment", sa.String(length=32), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("golden_id"),
    )
    op.create_table(
        "mart_service_customer",
        *_contact_columns(),
        sa.Column("open_tickets", sa.Integer(), nullable=False),
        sa.Column("closed_tickets", sa.Integer(), nullable=False),
        sa.Column("open_complaints", sa.Integer(), nullable=False),
        sa.Column("closed_complaints", sa.Integer(), nullable=False),
        sa.Column("oldest_open_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_contact_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mean_hours_to_close", sa.Float(), nullable=True),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("golden_id"),
    )
    op.create_table(
        "mart_finance_customer",
        sa.Column("golden_id", sa.String(length=32), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("rfm_segment", sa.String(length=32), nullable=False),
        *_money_columns(),
        sa.PrimaryKeyConstraint("golden_id", "currency"),
    )
    op.create_table(
        "mart_finance_segment",
        sa.Column("rfm_segment", sa.String(length=32), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        *_money_columns(),
        sa.PrimaryKeyConstraint("rfm_segment", "currency"),
    )
