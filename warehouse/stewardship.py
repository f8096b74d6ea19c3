"""Steward decisions and the review queue, as the warehouse keeps them.

Decisions are only ever added: an undo is a decision of its own. The one thing written
to a decision later is the run that first applied it, with the golden customers it
touched as that run published them (``golden_after``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pandas as pd
import sqlalchemy as sa

from matching.steward import StewardDecision
from quality.canonical import PERSON_FIELDS
from warehouse import schema
from warehouse.exceptions import NotInWarehouse


def record_id(source: str, source_key: str) -> str:
    """The hub-wide id of a source record (see `quality.canonical.RECORD_ID`)."""
    return f"{source}:{source_key}"


def _split(record_ids: Iterable[str]) -> list[tuple[str, str]]:
    """Source and source key of each record id (a record without a key gets ``""``)."""
    return [(source, key) for source, _, key in (r.partition(":") for r in record_ids)]


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
            undone = decision(connection, undoes)
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
                golden_before=golden_snapshot(connection, involved),
            )
        )
        return int(inserted.inserted_primary_key[0])  # type: ignore[index]


def decision(connection: sa.Connection, decision_id: int) -> dict[str, Any]:
    """One decision as stored.

    Raises:
        NotInWarehouse: there is no such decision.
    """
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


def current_golden_id(connection: sa.Connection, golden_id: str) -> str | None:
    """The live id of a customer: itself, the one a merge redirected it to, or ``None``
    when it is gone."""
    redirect = schema.golden_redirect
    target = connection.execute(
        sa.select(redirect.c.golden_id).where(redirect.c.retired_id == golden_id)
    ).scalar_one_or_none()
    live = target or golden_id
    golden = schema.golden_customer
    found = connection.execute(
        sa.select(golden.c.golden_id).where(golden.c.golden_id == live)
    ).scalar_one_or_none()
    return found


def golden_id_of(connection: sa.Connection, record: str) -> str | None:
    """The golden id the published crosswalk gives a record (``SOURCE:KEY``), if any."""
    ((source, source_key),) = _split([record])
    xref = schema.customer_xref
    found = connection.execute(
        sa.select(xref.c.golden_id).where(xref.c.source == source, xref.c.source_key == source_key)
    ).scalar_one_or_none()
    return None if found is None else str(found)


def _golden_ids(
    connection: sa.Connection, record_ids: Iterable[str], golden_id: str | None
) -> set[str]:
    involved = {golden_id} if golden_id else set()
    involved |= {found for record in record_ids if (found := golden_id_of(connection, record))}
    return {current for g in involved if (current := current_golden_id(connection, g))}


def golden_snapshot(connection: sa.Connection, golden_ids: Iterable[str]) -> dict[str, Any]:
    """Golden id → its fields and its records' ids, as the warehouse holds them now."""
    ids = sorted(set(golden_ids))
    if not ids:
        return {}
    golden, xref = schema.golden_customer, schema.customer_xref
    rows = connection.execute(
        sa.select(golden.c.golden_id, *(golden.c[f] for f in PERSON_FIELDS)).where(
            golden.c.golden_id.in_(ids)
        )
    ).mappings()
    snapshot: dict[str, Any] = {
        row["golden_id"]: {
            "fields": {f: None if row[f] is None else str(row[f]) for f in PERSON_FIELDS},
            "records": [],
        }
        for row in rows
    }
    placed = connection.execute(
        sa.select(xref.c.golden_id, xref.c.source, xref.c.source_key)
        .where(xref.c.golden_id.in_(ids))
        .order_by(xref.c.source, xref.c.source_key)
    )
    for golden_id, source, source_key in placed:
        snapshot[golden_id]["records"].append(record_id(source, source_key))
    return snapshot


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
            undone = decision(connection, undoes)
            involved |= _golden_ids(connection, undone["record_ids"] or (), undone["golden_id"])
        connection.execute(
            sa.update(table)
            .where(table.c.decision_id == decision_id)
            .values(applied_run_id=run_id, golden_after=golden_snapshot(connection, involved))
        )
    return len(pending)


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


def source_records(engine: sa.Engine, record_ids: Sequence[str]) -> pd.DataFrame:
    """The standardized records with these ids, in that order, indexed by record id."""
    table = schema.customer_record
    keys = _split(record_ids)
    with engine.connect() as connection:
        found = pd.read_sql(
            sa.select(table).where(sa.tuple_(table.c.source, table.c.source_key).in_(keys)),
            connection,
        )
    found.index = pd.Index(found["source"] + ":" + found["source_key"], name="record_id")
    return found.reindex(list(record_ids))


def golden_profile(engine: sa.Engine, golden_id: str) -> dict[str, Any]:
    """A golden customer (followed through redirects): its fields, the lineage of each,
    and its records.

    Raises:
        NotInWarehouse: no live customer has, or had, this id.
    """
    golden, lineage = schema.golden_customer, schema.golden_lineage
    with engine.connect() as connection:
        live = current_golden_id(connection, golden_id)
        if live is None:
            raise NotInWarehouse(f"no golden customer has or had the id {golden_id}")
        row = connection.execute(sa.select(golden).where(golden.c.golden_id == live)).mappings()
        customer = dict(row.one())
        chosen = pd.read_sql(sa.select(lineage).where(lineage.c.golden_id == live), connection)
        placed = golden_snapshot(connection, [live])[live]["records"]
    return {
        "golden_id": live,
        "asked_for": golden_id,
        "customer": customer,
        "lineage": chosen.set_index("field"),
        "records": source_records(engine, placed),
    }


def level_labels(engine: sa.Engine, model_version: int) -> dict[str, tuple[str, ...]]:
    """Each comparison's level labels in the saved model version, by comparison name."""
    table = schema.match_model
    with engine.connect() as connection:
        model = connection.execute(
            sa.select(table.c.model).where(table.c.version == model_version)
        ).scalar_one_or_none()
    comparisons = (model or {}).get("comparisons", [])
    return {c["name"]: tuple(c["level_labels"]) for c in comparisons}
