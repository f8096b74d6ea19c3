"""What a run's stages read from the warehouse, digested, and the digest each run kept.

A run's result follows from the rows landed and the stewards' decisions, besides what
the caller adds (the config, the code, the day). :func:`warehouse_inputs` reads the
first two, and the schema's revision, in a form that changes whenever they do: per
source and per sync that last wrote a row, how many rows it wrote and how many of them
are marked deleted, and when the last was; the number of decisions and the latest one.
A run that published keeps the digest of what it read (:func:`keep_run_inputs`), so the
next one can tell whether anything changed since (:func:`last_run_inputs`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from warehouse import schema
from warehouse.migrate import schema_revision
from warehouse.reads import last_run_id, run_summary

_INPUTS = "inputs"
"""Key of the digest in a run's summary."""


@dataclass(frozen=True)
class RunInputs:
    """The digest of what the run that published the warehouse read."""

    run_id: str
    digest: str


def warehouse_inputs(engine: sa.Engine) -> list[Any]:
    """The landed rows and steward decisions, as plain data that changes when they do."""
    landed = schema.source_record
    decisions = schema.steward_decision
    with engine.connect() as connection:
        writes = connection.execute(
            sa.select(
                landed.c.source,
                landed.c.load_id,
                sa.func.count(),
                sa.func.count(landed.c.deleted_at),
                sa.func.max(landed.c.deleted_at),
            )
            .group_by(landed.c.source, landed.c.load_id)
            .order_by(landed.c.source, landed.c.load_id)
        ).all()
        decided = connection.execute(
            sa.select(sa.func.count(), sa.func.max(decisions.c.decision_id))
        ).one()
        revision = schema_revision(connection)
    return [
        revision,
        [[source, load, rows, deleted, str(last)] for source, load, rows, deleted, last in writes],
        list(decided),
    ]


def keep_run_inputs(engine: sa.Engine, run_id: str, digest: str) -> None:
    """Note in run `run_id`'s summary the digest of what it read."""
    table = schema.hub_run
    with engine.begin() as connection:
        summary = connection.execute(
            sa.select(table.c.summary).where(table.c.run_id == run_id)
        ).scalar_one()
        connection.execute(
            sa.update(table)
            .where(table.c.run_id == run_id)
            .values(summary={**summary, _INPUTS: digest})
        )


def last_run_inputs(engine: sa.Engine) -> RunInputs | None:
    """The run that published the warehouse as it stands and the digest it kept; ``None``
    before the first run, or when that run kept none (a run of the Dagster UI)."""
    run_id = last_run_id(engine)
    summary = run_summary(engine, run_id) if run_id is not None else {}
    if run_id is None or _INPUTS not in summary:
        return None
    return RunInputs(run_id, summary[_INPUTS])
