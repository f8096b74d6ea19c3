"""Read queries on the published warehouse."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from warehouse import schema
from warehouse.exceptions import WarehouseError


def run_summary(engine: sa.Engine, run_id: str) -> dict[str, Any]:
    """The summary a run published (rows read, quarantined, links, golden customers…)."""
    with engine.connect() as connection:
        summary = connection.execute(
            sa.select(schema.hub_run.c.summary).where(schema.hub_run.c.run_id == run_id)
        ).scalar_one_or_none()
    if summary is None:
        raise WarehouseError(f"run {run_id} has not published to this warehouse")
    return dict(summary)
