"""Read queries on the published warehouse."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import sqlalchemy as sa

from warehouse import schema
from warehouse.exceptions import WarehouseError


def run_summary(engine: sa.Engine, run_id: str) -> dict[str, Any]:
    """The summary a run published (rows landed, quarantined, links, golden customers…)."""
    with engine.connect() as connection:
        summary = connection.execute(
            sa.select(schema.hub_run.c.summary).where(schema.hub_run.c.run_id == run_id)
        ).scalar_one_or_none()
    if summary is None:
        raise WarehouseError(f"run {run_id} has not published to this warehouse")
    return dict(summary)


def syncs_since(engine: sa.Engine, started_at: dt.datetime) -> pd.DataFrame:
    """Every sync that started at or after ``started_at``, oldest first, with its figures."""
    table = schema.source_sync
    with engine.connect() as connection:
        return pd.read_sql(
            sa.select(table).where(table.c.started_at >= started_at).order_by(table.c.started_at),
            connection,
        )


def quarantine_counts(engine: sa.Engine) -> pd.DataFrame:
    """Rows now in quarantine per source, stage and rule."""
    table = schema.quarantine
    with engine.connect() as connection:
        return pd.read_sql(
            sa.select(table.c.source, table.c.stage, table.c.rule, sa.func.count().label("rows"))
            .group_by(table.c.source, table.c.stage, table.c.rule)
            .order_by(table.c.source, sa.desc("rows"), table.c.rule),
            connection,
        )


def live_row_count(engine: sa.Engine, source: str) -> int:
    """Rows of ``source`` in the landing that are not marked deleted."""
    table = schema.source_record
    with engine.connect() as connection:
        return int(
            connection.execute(
                sa.select(sa.func.count()).where(
                    table.c.source == source, table.c.deleted_at.is_(None)
                )
            ).scalar_one()
        )
