"""Publishing one run into the warehouse, in a single transaction.

Readers see the previous warehouse or the new one, never a half-written one: every
table of the run is written inside one transaction that commits at the end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import sqlalchemy as sa

from warehouse import schema


@dataclass(frozen=True)
class Publication:
    """Everything one run publishes. Frames use the warehouse column names."""

    run_id: str
    started_at: dt.datetime
    sources: tuple[str, ...]
    """Sources read in this run; their landing and standardized records are replaced."""
    landed: pd.DataFrame
    records: pd.DataFrame
    quarantine: pd.DataFrame
    golden: pd.DataFrame
    xref: pd.DataFrame
    lineage: pd.DataFrame
    pairs: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LandingCounts:
    """How the run's raw rows compare with what was landed before."""

    new: int
    changed: int
    unchanged: int


def publish(engine: sa.Engine, publication: Publication) -> LandingCounts:
    """Write the run's landing, records, quarantine and golden customers atomically."""
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as connection:
        counts = _land(connection, publication, now)
        for source in publication.sources:
            connection.execute(
                sa.delete(schema.customer_record).where(schema.customer_record.c.source == source)
            )
        _insert(connection, schema.customer_record, publication.records, run_id=publication.run_id)
        _insert(connection, schema.quarantine, publication.quarantine, run_id=publication.run_id)
        for table, frame in (
            (schema.golden_customer, publication.golden),
            (schema.customer_xref, publication.xref),
            (schema.golden_lineage, publication.lineage),
            (schema.match_pair, publication.pairs),
        ):
            connection.execute(sa.delete(table))
            _insert(connection, table, frame, run_id=publication.run_id)
        summary = {**publication.summary, "landing": counts.__dict__}
        connection.execute(
            sa.insert(schema.hub_run).values(
                run_id=publication.run_id,
                started_at=publication.started_at,
                finished_at=now,
                summary=summary,
            )
        )
    return counts


def _land(connection: sa.Connection, publication: Publication, now: dt.datetime) -> LandingCounts:
    """Upsert the raw rows by source key; a row whose hash is unchanged keeps its load id."""
    table = schema.source_record
    landed = publication.landed
    before = pd.DataFrame(
        connection.execute(
            sa.select(table.c.source, table.c.source_key, table.c.row_hash).where(
                table.c.source.in_(publication.sources)
            )
        ).all(),
        columns=["source", "source_key", "previous_hash"],
    )
    compared = landed.merge(before, on=["source", "source_key"], how="left")
    is_new = compared["previous_hash"].isna()
    is_changed = ~is_new & (compared["previous_hash"] != compared["row_hash"])
    is_unchanged = ~is_new & ~is_changed

    new_rows = compared[is_new].drop(columns="previous_hash")
    _insert(
        connection,
        table,
        new_rows,
        load_id=publication.run_id,
        first_seen=now,
        last_seen=now,
    )
    changed = compared[is_changed]
    if len(changed):
        connection.execute(
            sa.update(table)
            .where(table.c.source == sa.bindparam("b_source"))
            .where(table.c.source_key == sa.bindparam("b_key"))
            .values(
                payload=sa.bindparam("b_payload", type_=sa.JSON),
                row_hash=sa.bindparam("b_hash"),
                load_id=publication.run_id,
                last_seen=now,
            ),
            [
                {"b_source": s, "b_key": k, "b_payload": p, "b_hash": h}
                for s, k, p, h in changed[
                    ["source", "source_key", "payload", "row_hash"]
                ].itertuples(index=False)
            ],
        )
    unchanged = compared[is_unchanged]
    if len(unchanged):
        connection.execute(
            sa.update(table)
            .where(table.c.source == sa.bindparam("b_source"))
            .where(table.c.source_key == sa.bindparam("b_key"))
            .values(last_seen=now),
            [
                {"b_source": s, "b_key": k}
                for s, k in unchanged[["source", "source_key"]].itertuples(index=False)
            ],
        )
    return LandingCounts(new=int(is_new.sum()), changed=len(changed), unchanged=len(unchanged))


def _insert(
    connection: sa.Connection, table: sa.Table, frame: pd.DataFrame, **constants: Any
) -> None:
    """Insert a frame's rows (only the table's columns), with constant values added."""
    if frame.empty:
        return
    columns = [c.name for c in table.columns if c.name in frame.columns]
    connection.execute(sa.insert(table), [{**row, **constants} for row in _rows(frame[columns])])


def _rows(frame: pd.DataFrame) -> Iterable[dict[str, Any]]:
    """Frame rows as plain Python values: missing → None, timestamps → datetime/date."""
    converted = frame.copy()
    for name, column in converted.items():
        if pd.api.types.is_datetime64_any_dtype(column):
            values = column.dt.date if name == "birth_date" else column.astype(object)
            converted[name] = pd.Series(values, index=column.index, dtype=object)
    converted = converted.astype(object).where(converted.notna(), None)
    return converted.to_dict("records")
