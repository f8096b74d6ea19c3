"""Publishing one hub run into the warehouse, in a single transaction.

Readers see the previous warehouse or the new one, never a half-written one: every
table of the run is written inside one transaction that commits at the end.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any, Final, cast

import numpy as np
import pandas as pd
import sqlalchemy as sa

from matching import implausibilities
from quality import PERSON_FIELDS
from warehouse import schema
from warehouse.decisions import note_applied
from warehouse.marts import department_marts
from warehouse.match_models import TrainedModel, save_model
from warehouse.publication import Publication
from warehouse.rows import insert_frame


def publish(engine: sa.Engine, publication: Publication) -> int:
    """Write the run's records, quarantine, field issues, golden customers, model and
    summary atomically.

    Returns:
        The version of the model that scored the pairs.
    """
    run_id = publication.run_id
    published_at = dt.datetime.now(dt.UTC)
    with engine.begin() as connection:
        if isinstance(publication.model, TrainedModel):
            version, trained = save_model(connection, publication.model, run_id), True
        else:
            version, trained = publication.model.version, False
        record, quarantine = schema.customer_record, schema.quarantine
        connection.execute(sa.delete(record).where(record.c.source.in_(publication.sources)))
        connection.execute(
            sa.delete(quarantine).where(
                quarantine.c.source.in_(publication.sources), quarantine.c.stage == "quality"
            )
        )
        insert_frame(connection, schema.customer_record, publication.records, run_id=run_id)
        insert_frame(
            connection, schema.quarantine, publication.quarantine, stage="quality", run_id=run_id
        )
        issues = schema.field_issue
        connection.execute(sa.delete(issues).where(issues.c.source.in_(publication.sources)))
        insert_frame(connection, issues, publication.field_issues, run_id=run_id)
        # Customers new in this run are first published now.
        golden = publication.golden.assign(
            created_at=pd.to_datetime(publication.golden["created_at"], utc=True).fillna(
                published_at
            )
        )
        xref = _record_placements(connection, publication.xref, run_id, published_at)
        for table, frame in (
            (schema.golden_customer, golden),
            (schema.customer_xref, xref),
            (schema.golden_lineage, publication.lineage),
            (schema.match_pair, publication.pairs),
            (schema.customer_interaction, publication.interactions),
            (schema.review_item, publication.review),
        ):
            _replace(connection, table, frame, run_id=run_id, model_version=version)
        marts = department_marts(golden, publication.interactions, as_of=pd.Timestamp(published_at))
        for table, frame in (
            (schema.mart_sales_customer, marts.sales),
            (schema.mart_marketing_contact, marts.marketing),
            (schema.mart_service_customer, marts.service),
            (schema.mart_finance_customer, marts.finance_customers),
            (schema.mart_finance_segment, marts.finance_segments),
        ):
            _replace(connection, table, frame, run_id=run_id)
        _add_redirects(connection, publication.redirects, run_id, published_at)
        _record_history(connection, publication, published_at)
        decisions_applied = note_applied(connection, run_id, publication.decisions_obeyed_through)
        connection.execute(
            sa.insert(schema.hub_run).values(
                run_id=run_id,
                started_at=publication.started_at,
                finished_at=dt.datetime.now(dt.UTC),
                summary={
                    **publication.summary,
                    "model": {
                        "version": version,
                        "trained": trained,
                        "implausible": implausibilities(
                            publication.model.model, publication.model.records
                        )
                        if isinstance(publication.model, TrainedModel)
                        else [],
                    },
                    "steward_decisions_applied": decisions_applied,
                },
            )
        )
    return version


def _replace(
    connection: sa.Connection, table: sa.Table, frame: pd.DataFrame, **constants: Any
) -> None:
    """Replace a table's rows with the frame's (constants the table lacks are ignored)."""
    connection.execute(sa.delete(table))
    insert_frame(connection, table, frame, **constants)


def _add_redirects(
    connection: sa.Connection, redirects: pd.DataFrame, run_id: str, at: dt.datetime
) -> None:
    """Record the retired ids; redirects to a now retired id move on to its successor."""
    if redirects.empty:
        return
    table = schema.golden_redirect
    connection.execute(
        sa.update(table)
        .where(table.c.golden_id == sa.bindparam("retired"))
        .values(golden_id=sa.bindparam("successor")),
        [
            {"retired": retired, "successor": successor}
            for retired, successor in zip(
                redirects["retired_id"], redirects["golden_id"], strict=True
            )
        ],
    )
    insert_frame(connection, table, redirects, retired_at=at, run_id=run_id)


def _record_placements(
    connection: sa.Connection, xref: pd.DataFrame, run_id: str, at: dt.datetime
) -> pd.DataFrame:
    """The crosswalk with each record's ``valid_from``: kept where the record stays with its
    golden customer, ``at`` where it joins one; `customer_xref_history` follows."""
    table, history = schema.customer_xref, schema.customer_xref_history
    keys = ["source", "source_key"]
    before = pd.read_sql(
        sa.select(table.c.source, table.c.source_key, table.c.golden_id, table.c.valid_from),
        connection,
    )
    placed = xref.merge(before, on=keys, how="left", suffixes=("", "_before"))
    stays = (placed["golden_id"] == placed["golden_id_before"]).to_numpy()
    xref = xref.assign(
        valid_from=pd.to_datetime(placed["valid_from"], utc=True).where(stays, at).to_numpy()
    )
    moved = before.merge(xref[keys][stays], on=keys, how="left", indicator=True)
    moved = moved[moved["_merge"] == "left_only"]
    if len(moved):
        connection.execute(
            sa.update(history)
            .where(
                history.c.source == sa.bindparam("moved_source"),
                history.c.source_key == sa.bindparam("moved_key"),
                history.c.valid_to.is_(None),
            )
            .values(valid_to=at),
            [
                {"moved_source": source, "moved_key": key}
                for source, key in zip(moved["source"], moved["source_key"], strict=True)
            ],
        )
    joined = xref.loc[~stays, [*keys, "golden_id"]]
    insert_frame(connection, history, joined, valid_from=at, run_id=run_id)
    return xref


#: Golden customer columns whose change makes a new version in the history.
_VERSIONED: Final = ("golden_id", *PERSON_FIELDS, "record_count", "sources")


def _record_history(connection: sa.Connection, publication: Publication, at: dt.datetime) -> None:
    """Close the versions of changed and vanished customers, add the new versions, and
    note each change in the change feed."""
    history, run_id = schema.golden_customer_history, publication.run_id
    golden = publication.golden
    current = pd.read_sql(
        sa.select(history.c.golden_id, history.c.row_hash).where(history.c.is_current),
        connection,
    ).set_index("golden_id")["row_hash"]
    hashes = row_hashes(golden)
    before = current.reindex(golden["golden_id"]).to_numpy()
    created = pd.isna(before)
    updated = ~created & (before != hashes)
    gone = current.index.difference(pd.Index(golden["golden_id"]))
    closed = [*golden["golden_id"][updated], *gone]
    if closed:
        connection.execute(
            sa.update(history)
            .where(history.c.golden_id == sa.bindparam("closed_id"), history.c.is_current)
            .values(valid_to=at, is_current=False),
            [{"closed_id": golden_id} for golden_id in closed],
        )
    versions = golden[created | updated].assign(row_hash=hashes[created | updated])
    insert_frame(connection, history, versions, valid_from=at, is_current=True, run_id=run_id)

    merged_into = publication.redirects.set_index("retired_id")["golden_id"]
    new_ids = golden["golden_id"][created]
    changes = pd.concat(
        [
            pd.DataFrame(
                {
                    "golden_id": new_ids,
                    "change": np.where(
                        new_ids.isin(publication.split_from.index), "split", "created"
                    ),
                    "other_id": new_ids.map(publication.split_from),
                }
            ),
            pd.DataFrame({"golden_id": golden["golden_id"][updated], "change": "updated"}),
            pd.DataFrame(
                {
                    "golden_id": gone,
                    "change": np.where(gone.isin(merged_into.index), "merged", "removed"),
                    # pandas maps an Index by a Series too (documented), but pandas-stubs
                    # allow only a mapping or a callable, hence the cast.
                    "other_id": gone.map(cast(Any, merged_into)),
                }
            ),
        ],
        ignore_index=True,
    )
    insert_frame(connection, schema.golden_change, changes, changed_at=at, run_id=run_id)


def row_hashes(golden: pd.DataFrame) -> np.ndarray:
    """SHA-256 of each golden row's versioned values, written out as the warehouse holds
    them, so that a row read back from it hashes as it did when it was written."""
    table = schema.golden_customer_history
    text = pd.Series("", index=golden.index)
    for name in _VERSIONED:
        column = golden[name] if name in golden else pd.Series(None, index=golden.index)
        if isinstance(table.c[name].type, sa.Date):
            column = pd.to_datetime(column).dt.strftime("%Y-%m-%d")
        written = column.astype(object).where(column.notna(), "\x00").astype(str)
        text = text + written + "\x1f"
    return np.array([hashlib.sha256(row.encode()).hexdigest() for row in text], dtype=object)
