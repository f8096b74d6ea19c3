"""What a steward sees of queue items, records and pairs, as plain rows that the CLI
prints as text and the console renders as HTML."""

from __future__ import annotations

import datetime as dt
from typing import Any, Final, cast

import pandas as pd
import sqlalchemy as sa

from quality import PERSON_FIELDS
from warehouse import decision_log, level_labels, source_records

#: How the queue's reasons read.
REASONS: Final = {
    "uncertain_match": "uncertain pair",
    "kept_apart": "pair kept apart by clustering",
    "customers_kept": "pair linking customers kept as they were",
    "conflicting_birth_dates": "customer with conflicting birth dates",
    "large_customer": "customer with many records",
}


def shown(value: object) -> str:
    """A field's value as text; ``""`` when it is unknown."""
    # pd.isna answers for any object (False for what it cannot tell missing), but
    # pandas-stubs list only the types it inspects, hence the cast.
    if value is None or (not isinstance(value, (list, dict)) and pd.isna(cast(Any, value))):
        return ""
    if isinstance(value, (pd.Timestamp, dt.date)):
        return value.strftime("%Y-%m-%d")
    return str(value)


def side_by_side(engine: sa.Engine, record_ids: list[str]) -> list[dict[str, Any]]:
    """Per person field: each record's value, and whether the values known on two or
    more records ``agree`` or ``differ`` (``unknown`` when fewer hold one)."""
    records = source_records(engine, record_ids)
    rows = []
    for field in PERSON_FIELDS:
        values = [shown(records.at[record_id, field]) for record_id in record_ids]
        known = {value for value in values if value}
        count = sum(1 for value in values if value)
        rows.append(
            {
                "field": field,
                "values": values,
                "agreement": "unknown" if count < 2 else "agree" if len(known) == 1 else "differ",
            }
        )
    return rows


def evidence(engine: sa.Engine, item: dict[str, Any]) -> list[dict[str, Any]]:
    """A pair's comparisons, strongest first, each with its level's label and weight
    (bits), then the prior: together they add up to the pair's match weight."""
    labels = level_labels(engine, item["model_version"])
    rows = []
    for name, given in (item["evidence"] or {}).items():
        level, known = int(given["level"]), labels.get(name, ())
        rows.append(
            {
                "comparison": name,
                "level": known[level] if 0 <= level < len(known) else f"level {level}",
                "weight": float(given["weight"]),
            }
        )
    rows.sort(key=lambda row: -abs(row["weight"]))
    summed = sum(row["weight"] for row in rows)
    rows.append({"comparison": "prior", "level": "", "weight": item["match_weight"] - summed})
    return rows


def audit_log(engine: sa.Engine, *, limit: int) -> list[dict[str, Any]]:
    """The latest decisions, newest first, as plain rows (unknowns ``None``), each with
    ``what`` it decided in words, and ``undone_by`` the undo that took it back."""
    log = decision_log(engine, limit=limit)
    # pandas takes None as `other`; pandas-stubs leave it out, hence the cast.
    rows = log.astype(object).where(log.notna(), cast(Any, None)).to_dict("records")
    decisions = []
    for row in rows:
        decision = {str(key): value for key, value in row.items()}
        for number in ("undoes", "undone_by"):
            if decision[number] is not None:
                decision[number] = int(decision[number])
        decision["what"] = _what(decision)
        decisions.append(decision)
    return decisions


def _what(decision: dict[str, Any]) -> str:
    """What a decision decided, in words."""
    records = list(decision["record_ids"] or [])
    action = decision["action"]
    if action == "same_customer":
        return f"{records[0]} and {records[1]} are one customer"
    if action == "not_same_customer":
        return f"{records[0]} and {records[1]} are different customers"
    if action == "take_out":
        return f"took {records[0]} out of {decision['golden_id']}"
    if action == "confirm":
        return f"confirmed {len(records)} records as one customer"
    if action == "override":
        return f"set {decision['field']} of {decision['golden_id']} to {decision['value']!r}"
    return f"undid decision {decision['undoes']}"
