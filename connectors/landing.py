"""The raw landing shape: every row as read, keyed by its source key, with a content hash."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pandas as pd

LANDING_COLUMNS = ("source", "source_key", "payload", "row_hash")


def landing_rows(raw: pd.DataFrame, *, source: str, primary_key: str) -> pd.DataFrame:
    """The rows of one read in landing shape, one per source key.

    ``payload`` is the row as a dict (missing values left out) and ``row_hash`` the
    SHA-256 of its canonical JSON, so a re-read of unchanged data is recognised. Rows
    without a key cannot be landed by key; when a key repeats, the first row read is
    landed. The quality stage quarantines both kinds, with their payload.
    """
    keys = raw[primary_key] if primary_key in raw.columns else pd.Series(None, index=raw.index)
    landed = pd.DataFrame(
        {"source": source, "source_key": keys, "payload": row_payloads(raw)},
        index=raw.index,
    )
    landed = landed[landed["source_key"].notna()].drop_duplicates("source_key", keep="first")
    landed["row_hash"] = [row_hash(payload) for payload in landed["payload"]]
    return landed.reset_index(drop=True)


def row_payloads(raw: pd.DataFrame) -> pd.Series:
    """Each row as a dict of its present values, in the frame's index."""
    columns = list(raw.columns)
    return pd.Series(
        [
            {c: v for c, v in zip(columns, row, strict=True) if v is not None and v == v}
            for row in raw.itertuples(index=False, name=None)
        ],
        index=raw.index,
        dtype=object,
    )


def row_hash(payload: dict[str, Any]) -> str:
    """SHA-256 of a payload's canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
