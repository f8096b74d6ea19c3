"""The published golden customers as stewards and apps look them up: by golden id (a
retired id leads to the live one), by source record, or by what someone has at hand."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final

import pandas as pd
import sqlalchemy as sa

from quality import PERSON_FIELDS
from warehouse import schema
from warehouse.exceptions import NotInWarehouse

_FOUND_AT_MOST: Final = 50


def record_id(source: str, source_key: str) -> str:
    """The hub-wide id of a source record (see `quality.canonical.RECORD_ID`)."""
    return f"{source}:{source_key}"


def _split(record_ids: Iterable[str]) -> list[tuple[str, str]]:
    """Source and source key of each record id (a record without a key gets ``""``)."""
    return [(source, key) for source, _, key in (r.partition(":") for r in record_ids)]


def live_golden_id(engine: sa.Engine, golden_id: str) -> str | None:
    """The live id of a customer: itself, the one a merge redirected it to, or ``None``
    when it is gone."""
    with engine.connect() as connection:
        return _live_id(connection, golden_id)


def golden_id_of(engine: sa.Engine, record: str) -> str | None:
    """The golden id the published crosswalk gives a record (``SOURCE:KEY``), if any."""
    with engine.connect() as connection:
        return _golden_id_of(connection, record)


def customer_record_ids(engine: sa.Engine, golden_id: str) -> list[str]:
    """The ids of the records a live golden customer holds, in order; none if it is gone."""
    with engine.connect() as connection:
        snapshot = _snapshot(connection, [golden_id])
    return list(snapshot[golden_id]["records"]) if golden_id in snapshot else []


def _live_id(connection: sa.Connection, golden_id: str) -> str | None:
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


def _golden_id_of(connection: sa.Connection, record: str) -> str | None:
    ((source, source_key),) = _split([record])
    xref = schema.customer_xref
    found = connection.execute(
        sa.select(xref.c.golden_id).where(xref.c.source == source, xref.c.source_key == source_key)
    ).scalar_one_or_none()
    return None if found is None else str(found)


def _snapshot(connection: sa.Connection, golden_ids: Iterable[str]) -> dict[str, Any]:
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
        live = _live_id(connection, golden_id)
        if live is None:
            raise NotInWarehouse(f"no golden customer has or had the id {golden_id}")
        row = connection.execute(sa.select(golden).where(golden.c.golden_id == live)).mappings()
        customer = dict(row.one())
        chosen = pd.read_sql(sa.select(lineage).where(lineage.c.golden_id == live), connection)
        placed = _snapshot(connection, [live])[live]["records"]
    return {
        "golden_id": live,
        "asked_for": golden_id,
        "customer": customer,
        "lineage": chosen.set_index("field"),
        "records": source_records(engine, placed),
    }


def find_customers(engine: sa.Engine, query: str) -> pd.DataFrame:
    """Golden customers whose golden id, source key, e-mail or phone is ``query``, or
    whose names hold every word of it (case does not matter), at most 50."""
    golden, xref, redirect = schema.golden_customer, schema.customer_xref, schema.golden_redirect
    text = query.strip()
    words = [w.lower() for w in text.split()]
    digits = "".join(ch for ch in text if ch.isdigit())
    names = sa.func.lower(
        sa.func.coalesce(golden.c.given_name, "") + " " + sa.func.coalesce(golden.c.family_name, "")
    )
    # Escaped, so that `%`, `_` and the escape character match only themselves.
    in_names = [names.contains(word, autoescape=True) for word in words]
    by_key = sa.select(xref.c.golden_id).where(
        sa.or_(xref.c.source_key == text, (xref.c.source + ":" + xref.c.source_key) == text)
    )
    by_redirect = sa.select(redirect.c.golden_id).where(redirect.c.retired_id == text)
    matches = [
        golden.c.golden_id == text,
        golden.c.golden_id.in_(by_key),
        golden.c.golden_id.in_(by_redirect),
        sa.func.lower(golden.c.email) == text.lower(),
        sa.and_(*in_names) if in_names else sa.false(),
    ]
    if len(digits) >= 6:
        matches.append(golden.c.phone.like(f"%{digits}"))
    columns = [
        golden.c.golden_id,
        golden.c.given_name,
        golden.c.family_name,
        golden.c.email,
        golden.c.phone,
        golden.c.city,
        golden.c.record_count,
    ]
    with engine.connect() as connection:
        return pd.read_sql(
            sa.select(*columns)
            .where(sa.or_(*matches))
            .order_by(golden.c.family_name, golden.c.given_name, golden.c.golden_id)
            .limit(_FOUND_AT_MOST),
            connection,
        )
