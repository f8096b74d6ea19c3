"""`hub quarantine list|values|show`: what the hub held back or set aside, why, and the row
as it was read."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import sqlalchemy as sa

from pipelines.cli.text_table import text_table
from warehouse import QuarantineFilter, quarantined_row, quarantined_rows, set_aside_values

_DETAIL_WIDTH = 70


def render_list(engine: sa.Engine, which: QuarantineFilter, *, limit: int) -> str:
    """A table of the matching quarantined rows, then how many there are per rule."""
    rows, total = quarantined_rows(engine, which, limit=limit)
    if total == 0:
        return "Nothing in quarantine matches."
    columns = {
        "quarantine_id": "id",
        "source": "source",
        "key": "key",
        "stage": "stage",
        "rule": "rule",
        "location": "location",
        "run": "run",
        "detail": "detail",
    }
    return _listing(
        rows,
        total,
        columns,
        long="detail",
        counted="quarantined row(s)",
        note="`hub quarantine show ID` shows a row as it was read from its source.",
    )


def render_values(engine: sa.Engine, which: QuarantineFilter, *, limit: int) -> str:
    """A table of the matching values set aside (or cleaned), with their values as read."""
    rows, total = set_aside_values(engine, which, limit=limit)
    if total == 0:
        return "No value set aside or cleaned matches."
    columns = {
        "source": "source",
        "key": "key",
        "field": "field",
        "rule": "rule",
        "value": "value as read",
        "location": "location",
        "run": "run",
    }
    return _listing(
        rows,
        total,
        columns,
        long="value",
        counted="value(s)",
        note=(
            "Their records went on without them (control characters: with them removed). "
            "Fix them at their source; the next sync and run replace this list."
        ),
    )


def _listing(
    rows: pd.DataFrame,
    total: int,
    columns: dict[str, str],
    *,
    long: str,
    counted: str,
    note: str,
) -> str:
    """A table of `rows` (of `total` matching), their `long` column shortened, then a
    count line and a note."""
    shown = rows.assign(
        key=rows["source_key"].fillna("-"),
        location=rows["location"].fillna("-"),
        run=rows["run_id"].str[:8],
        **{long: rows[long].fillna("-").map(_shortened)},
    )
    lines = text_table(shown[list(columns)].rename(columns=columns))
    more = f" (the first {len(rows):,} shown; --limit shows more)" if total > len(rows) else ""
    lines += ["", f"{total:,} {counted} match{more}.", note]
    return "\n".join(lines)


def render_row(engine: sa.Engine, quarantine_id: int) -> str:
    """One quarantined row: where it came from, why it is held, and its values as read."""
    row = quarantined_row(engine, quarantine_id)
    fields: list[tuple[str, Any]] = [
        ("id", row["quarantine_id"]),
        ("source", row["source"]),
        ("source key", row["source_key"] or "-"),
        ("read at", row["location"] or "-"),
        ("stage", row["stage"]),
        ("rule", row["rule"]),
        ("why", row["detail"]),
        ("run", row["run_id"]),
    ]
    lines = [f"{label + ':':<12}{value}" for label, value in fields]
    payload = row["payload"]
    lines += ["", "as read:"]
    if isinstance(payload, dict):
        width = max((len(str(column)) for column in payload), default=0)
        lines += [f"  {column:<{width}}  {json.dumps(value)}" for column, value in payload.items()]
    else:
        lines.append(f"  {json.dumps(payload)}")
    lines += ["", "Fix the row at its source; the next sync and run take it out of quarantine."]
    return "\n".join(lines)


def _shortened(detail: str) -> str:
    return detail if len(detail) <= _DETAIL_WIDTH else detail[: _DETAIL_WIDTH - 1] + "…"
