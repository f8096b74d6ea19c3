"""Steward decisions, as the warehouse keeps them.

Decisions are only ever added: an undo is a decision of its own. The one thing written
to a decision later is the run that first applied it, with the golden customers it
touched as that run published them (``golden_after``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa

from warehouse import schema
from warehouse.customers import _golden_id_of, _live_id, _snapshot
from warehouse.exceptions import NotInWarehouse


@dataclass(frozen=True)
class StewardDecision:
    """One decision, as the steward made it."""

    decision_id: int
    action: str
    record_ids: tuple[str, ...] = ()
    """``same_customer``: the two records, then the others their customers held (merged
    as they stood); ``not_same_customer``: the two records; ``take_out``: the record, then
    the others its customer held; ``confirm``: every record of the customer."""
    golden_id: str | None = None
    """``override``: the customer whose field it sets."""
    field: str | None = None
    value: str | None = None
    undoes: int | None = None
    """``undo``: the decision it takes back."""


def steward_decisions(engine: sa.Engine) -> list[StewardDecision]:
    """Every decision stewards made, oldest first."""
    with engine.connect() as connection:
        return _decisions(connection)


def _decisions(connection: sa.Connection) -> list[StewardDecision]:
    table = schema.steward_decision
    rows = connection.execute(sa.select(table).order_by(table.c.decision_id)).mappings()
    return [
        StewardDecision(
            decision_id=row["decision_id"],
            action=row["action"],
            record_ids=tuple(row["record_ids"] or ()),
            golden_id=row["golden_id"],
            field=row["field"],
            value=row["value"],
            undoes=row["undoes"],
        )
        for row in rows
    ]


def _lock_decisions(connection: sa.Connection) -> None:
    """Hold off other stewards' decisions until this transaction ends."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("LOCK TABLE steward_decision IN SHARE ROW EXCLUSIVE MODE"))
    else:  # SQLite: a write, even of no row, takes the database's write lock
        table = schema.steward_decision
        connection.execute(
            sa.update(table).where(table.c.decision_id < 0).values(comment=table.c.comment)
        )


def record_decision(
    engine: sa.Engine,
    *,
    steward: str,
    action: str,
    record_ids: Sequence[str] = (),
    review_id: str | None = None,
    golden_id: str | None = None,
    field: str | None = None,
    value: str | None = None,
    undoes: int | None = None,
    comment: str | None = None,
    check: Callable[[list[StewardDecision]], None] | None = None,
) -> int:
    """Add a decision, with the golden customers it touches as they stand; its id.

    Args:
        check: Called with every decision so far and this one (numbered next), while no
            other steward can decide; it raises to refuse the decision.
    """
    with engine.begin() as connection:
        _lock_decisions(connection)
        if check is not None:
            made = _decisions(connection)
            number = max((d.decision_id for d in made), default=0) + 1
            proposed = StewardDecision(
                decision_id=number,
                action=action,
                record_ids=tuple(record_ids),
                golden_id=golden_id,
                field=field,
                value=value,
                undoes=undoes,
            )
            check([*made, proposed])
        involved = _golden_ids(connection, record_ids, golden_id)
        if undoes is not None:
            undone = _decision(connection, undoes)
            involved |= _golden_ids(connection, undone["record_ids"], undone["golden_id"])
        inserted = connection.execute(
            sa.insert(schema.steward_decision).values(
                decided_at=dt.datetime.now(dt.UTC),
                steward=steward,
                action=action,
                review_id=review_id,
                record_ids=list(record_ids),
                golden_id=golden_id,
                field=field,
                value=value,
                undoes=undoes,
                comment=comment,
                golden_before=_snapshot(connection, involved),
            )
        )
        return int(inserted.inserted_primary_key[0])  # type: ignore[index]


def steward_decision(engine: sa.Engine, decision_id: int) -> dict[str, Any]:
    """One decision as stored.

    Raises:
        NotInWarehouse: there is no such decision.
    """
    with engine.connect() as connection:
        return _decision(connection, decision_id)


def _decision(connection: sa.Connection, decision_id: int) -> dict[str, Any]:
    table = schema.steward_decision
    row = (
        connection.execute(sa.select(table).where(table.c.decision_id == decision_id))
        .mappings()
        .one_or_none()
    )
    if row is None:
        raise NotInWarehouse(
            f"there is no steward decision {decision_id}; `hub review log` lists them"
        )
    return dict(row)


def decision_log(engine: sa.Engine, *, limit: int = 50) -> pd.DataFrame:
    """The latest decisions, newest first, with the ones undone marked by ``undone_by``."""
    table = schema.steward_decision
    with engine.connect() as connection:
        log = pd.read_sql(
            sa.select(table).order_by(table.c.decision_id.desc()).limit(limit), connection
        )
        undos = pd.read_sql(
            sa.select(table.c.decision_id, table.c.undoes).where(table.c.action == "undo"),
            connection,
        )
    undone_by = undos.set_index("undoes")["decision_id"]
    return log.assign(undone_by=log["decision_id"].map(undone_by).astype("Int64"))


def _golden_ids(
    connection: sa.Connection, record_ids: Iterable[str], golden_id: str | None
) -> set[str]:
    involved = {golden_id} if golden_id else set()
    involved |= {found for record in record_ids if (found := _golden_id_of(connection, record))}
    return {current for g in involved if (current := _live_id(connection, g))}


def note_applied(connection: sa.Connection, run_id: str, through: int) -> int:
    """Give each decision up to ``through`` that no run applied yet this run, and the
    customers it touched as the run published them; how many there were."""
    table = schema.steward_decision
    pending = connection.execute(
        sa.select(table.c.decision_id, table.c.record_ids, table.c.golden_id, table.c.undoes).where(
            table.c.applied_run_id.is_(None), table.c.decision_id <= through
        )
    ).all()
    for decision_id, record_ids, golden_id, undoes in pending:
        involved = _golden_ids(connection, record_ids or (), golden_id)
        if undoes is not None:
            undone = _decision(connection, undoes)
            involved |= _golden_ids(connection, undone["record_ids"] or (), undone["golden_id"])
        connection.execute(
            sa.update(table)
            .where(table.c.decision_id == decision_id)
            .values(applied_run_id=run_id, golden_after=_snapshot(connection, involved))
        )
    return len(pending)
