"""The raw landing shape: every row as read, keyed by its source key, with a content hash."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pandas as pd

from connectors.batch import RowBatch

#: Columns of the rows a sync lands, and of the rows it holds back.
LANDING_COLUMNS = ("source_key", "payload", "row_hash", "location")
HELD_BACK_COLUMNS = ("source_key", "location", "rule", "detail", "payload")


def keyed_rows(
    batch: RowBatch, primary_key: str, seen_keys: set[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a batch into rows to land by source key and rows to hold back.

    ``payload`` is the row as a dict of its present values and ``row_hash`` the SHA-256
    of its canonical JSON, so a re-read of unchanged data is recognised. Held back, with
    their payload and location: rows without a key (``missing_source_key``), rows whose
    key was already read in this sync (``duplicate_source_key``; the first one read is
    landed) and rows the connector could not read (``unreadable_row``).

    Args:
        batch: Rows as read.
        primary_key: The column holding the source's key.
        seen_keys: Keys landed earlier in the same sync; updated in place.
    """
    payloads = row_payloads(batch.rows)
    keys = [_key(payload.get(primary_key)) for payload in payloads]
    land: list[tuple[str, dict[str, Any], str, str]] = []
    held: list[tuple[str | None, str, str, str, dict[str, Any]]] = []
    for key, payload, location in zip(keys, payloads, batch.locations, strict=True):
        if key is None:
            held.append(
                (None, location, "missing_source_key", f"column `{primary_key}` is empty", payload)
            )
        elif key in seen_keys:
            detail = f'column `{primary_key}`: "{key}" was already read in this sync'
            held.append((key, location, "duplicate_source_key", detail, payload))
        else:
            seen_keys.add(key)
            land.append((key, payload, row_hash(payload), location))
    held += [
        (None, row.location, "unreadable_row", row.reason, {"raw": row.raw})
        for row in batch.rejected
    ]
    return (
        pd.DataFrame(land, columns=list(LANDING_COLUMNS), dtype=object),
        pd.DataFrame(held, columns=list(HELD_BACK_COLUMNS), dtype=object),
    )


def _key(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    key = value.strip()
    return key or None


def row_payloads(rows: pd.DataFrame) -> list[dict[str, Any]]:
    """Each row as a dict of its present values."""
    columns = list(rows.columns)
    return [
        {c: v for c, v in zip(columns, row, strict=True) if v is not None and v == v}
        for row in rows.itertuples(index=False, name=None)
    ]


def row_hash(payload: dict[str, Any]) -> str:
    """SHA-256 of a payload's canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
