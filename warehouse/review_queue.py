"""The steward review queue as the last run published it."""

from __future__ import annotations

from typing import Any

import pandas as pd
import sqlalchemy as sa

from warehouse import schema
from warehouse.exceptions import NotInWarehouse


def review_items(
    engine: sa.Engine, *, limit: int, reason: str | None = None
) -> tuple[pd.DataFrame, int]:
    """The first ``limit`` items of the review queue, most pressing first, and how many
    there are (of ``reason``, when given). ``pending_decision`` is the decision a steward
    made about an item since the last run, which the next run applies."""
    table, decisions = schema.review_item, schema.steward_decision
    where = [table.c.reason == reason] if reason else []
    pending = (
        sa.select(sa.func.max(decisions.c.decision_id))
        .where(decisions.c.review_id == table.c.review_id, decisions.c.applied_run_id.is_(None))
        .scalar_subquery()
    )
    with engine.connect() as connection:
        items = pd.read_sql(
            sa.select(table, pending.label("pending_decision"))
            .where(*where)
            .order_by(table.c.priority.desc(), table.c.review_id)
            .limit(limit),
            connection,
        )
        total = connection.execute(
            sa.select(sa.func.count()).select_from(table).where(*where)
        ).scalar_one()
    return items, int(total)


def review_item(engine: sa.Engine, review_id: str) -> dict[str, Any]:
    """One item of the review queue.

    Raises:
        NotInWarehouse: the queue has no such item (decided already, or never there).
    """
    table = schema.review_item
    with engine.connect() as connection:
        row = (
            connection.execute(sa.select(table).where(table.c.review_id == review_id))
            .mappings()
            .one_or_none()
        )
    if row is None:
        raise NotInWarehouse(
            f"the review queue has no item {review_id}: it was decided, or the last run "
            "found nothing to ask about it; `hub review list` shows the queue"
        )
    return dict(row)
