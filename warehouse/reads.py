"""Read queries on the published warehouse."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa

from warehouse import schema
from warehouse.exceptions import NotInWarehouse
from warehouse.identity import IssuedIds


def run_summary(engine: sa.Engine, run_id: str) -> dict[str, Any]:
    """The summary a run published (rows landed, quarantined, links, golden customers…)."""
    with engine.connect() as connection:
        summary = connection.execute(
            sa.select(schema.hub_run.c.summary).where(schema.hub_run.c.run_id == run_id)
        ).scalar_one_or_none()
    if summary is None:
        raise NotInWarehouse(f"run {run_id} has not published to this warehouse")
    return dict(summary)


def last_run_id(engine: sa.Engine) -> str | None:
    """The run that published the warehouse as it stands; ``None`` before the first."""
    table = schema.hub_run
    with engine.connect() as connection:
        return connection.execute(
            sa.select(table.c.run_id)
            .where(table.c.finished_at.is_not(None))
            .order_by(table.c.finished_at.desc())
            .limit(1)
        ).scalar_one_or_none()


def placed_records(engine: sa.Engine) -> pd.Series:
    """The golden id of each record as last published, indexed by record id."""
    xref = schema.customer_xref
    with engine.connect() as connection:
        placed = pd.read_sql(
            sa.select(xref.c.source, xref.c.source_key, xref.c.golden_id), connection
        )
    return pd.Series(
        placed["golden_id"].to_numpy(dtype=object),
        index=(placed["source"] + ":" + placed["source_key"]).to_numpy(dtype=object),
        name="golden_id",
    )


def issued_ids(engine: sa.Engine) -> IssuedIds:
    """The golden ids the warehouse holds: each record's, when each was first published,
    and those no longer live (merged into another, or removed).

    A record that is not in the crosswalk now but was before (absent for a run: a source
    that lost it for a while, a row held in quarantine) has the id it had last, or the
    live id that one redirects to, so that it comes back to the customer it left.
    """
    xref, golden = schema.customer_xref, schema.golden_customer
    history = schema.customer_xref_history
    with engine.connect() as connection:
        placed = pd.read_sql(
            sa.select(xref.c.source, xref.c.source_key, xref.c.golden_id), connection
        )
        absent = pd.read_sql(
            sa.select(history.c.source, history.c.source_key, history.c.golden_id)
            .where(
                ~sa.exists().where(
                    xref.c.source == history.c.source, xref.c.source_key == history.c.source_key
                )
            )
            .order_by(history.c.valid_from),
            connection,
        )
        issued = pd.read_sql(sa.select(golden.c.golden_id, golden.c.created_at), connection)
        first_published = pd.read_sql(
            sa.select(
                schema.golden_customer_history.c.golden_id,
                sa.func.min(schema.golden_customer_history.c.valid_from).label("created_at"),
            )
            .where(schema.golden_customer_history.c.golden_id.in_(absent["golden_id"].unique()))
            .group_by(schema.golden_customer_history.c.golden_id),
            connection,
        )
        merged = connection.execute(sa.select(schema.golden_redirect.c.retired_id)).scalars()
        versioned = connection.execute(
            sa.select(schema.golden_customer_history.c.golden_id).distinct()
        ).scalars()
        retired_ids = (frozenset(merged) | frozenset(versioned)) - set(issued["golden_id"])
    last = absent.drop_duplicates(["source", "source_key"], keep="last")
    redirects = redirected_ids(engine)
    last_ids = last["golden_id"].map(lambda g: redirects.get(g, g))
    record_ids = pd.concat(
        [placed["source"] + ":" + placed["source_key"], last["source"] + ":" + last["source_key"]]
    )
    golden_ids = pd.concat([placed["golden_id"], last_ids])
    revived = first_published[~first_published["golden_id"].isin(issued["golden_id"])]
    created = pd.concat([issued, revived]) if len(revived) else issued
    return IssuedIds(
        of_record=pd.Series(golden_ids.to_numpy(dtype=object), index=record_ids.to_numpy()),
        created_at=pd.Series(
            pd.to_datetime(created["created_at"], utc=True).array,
            index=created["golden_id"].to_numpy(),
        ),
        retired=retired_ids,
    )


def redirected_ids(engine: sa.Engine) -> pd.Series:
    """The live golden id each retired id redirects to, indexed by the retired id."""
    table = schema.golden_redirect
    with engine.connect() as connection:
        redirects = pd.read_sql(sa.select(table.c.retired_id, table.c.golden_id), connection)
    return pd.Series(
        redirects["golden_id"].to_numpy(dtype=object),
        index=redirects["retired_id"].to_numpy(dtype=object),
        dtype=object,
    )


def syncs_since(engine: sa.Engine, started_at: dt.datetime) -> pd.DataFrame:
    """Every sync that started at or after ``started_at``, oldest first, with its figures."""
    table = schema.source_sync
    with engine.connect() as connection:
        return pd.read_sql(
            sa.select(table).where(table.c.started_at >= started_at).order_by(table.c.started_at),
            connection,
        )


@dataclass(frozen=True)
class QuarantineFilter:
    """Which quarantined rows to read; every criterion given must hold.

    Attributes:
        sources: Only these sources.
        rules: Only these rules.
        stage: Only rows held at this stage (``sync`` or ``quality``).
        run: Only rows held by this run or sync; a prefix of its id is enough.
    """

    sources: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    stage: str | None = None
    run: str | None = None

    def where(self, table: sa.Table) -> list[sa.ColumnElement[bool]]:
        conditions: list[sa.ColumnElement[bool]] = []
        if self.sources:
            conditions.append(table.c.source.in_(self.sources))
        if self.rules:
            conditions.append(table.c.rule.in_(self.rules))
        if self.stage:
            conditions.append(table.c.stage == self.stage)
        if self.run:
            conditions.append(table.c.run_id.startswith(self.run, autoescape=True))
        return conditions


def quarantined_rows(
    engine: sa.Engine, which: QuarantineFilter, *, limit: int | None = None
) -> tuple[pd.DataFrame, int]:
    """Quarantined rows matching ``which``, by source, stage and position, without payloads.

    Returns:
        Up to ``limit`` rows (``quarantine_id``, ``source``, ``source_key``, ``stage``,
        ``rule``, ``location``, ``detail``, ``run_id``) and how many match in all.
    """
    table = schema.quarantine
    conditions = which.where(table)
    columns = [c for c in table.c if c.name != "payload"]
    query = (
        sa.select(*columns)
        .where(*conditions)
        .order_by(table.c.source, table.c.stage, table.c.quarantine_id)
        .limit(limit)
    )
    with engine.connect() as connection:
        rows = pd.read_sql(query, connection)
        total = connection.execute(
            sa.select(sa.func.count()).select_from(table).where(*conditions)
        ).scalar_one()
    return rows, int(total)


def quarantined_row(engine: sa.Engine, quarantine_id: int) -> dict[str, Any]:
    """One quarantined row with its payload (the row as read from the source).

    Raises:
        NotInWarehouse: No quarantined row has this id (any more).
    """
    table = schema.quarantine
    with engine.connect() as connection:
        row = (
            connection.execute(sa.select(table).where(table.c.quarantine_id == quarantine_id))
            .mappings()
            .one_or_none()
        )
    if row is None:
        raise NotInWarehouse(
            f"no quarantined row {quarantine_id}: it was fixed or the id is wrong "
            "(`hub quarantine list` shows the current ones)"
        )
    return dict(row)


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
