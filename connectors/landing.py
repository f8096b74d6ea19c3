"""The raw landing shape: every row as read, keyed by its source key, with a content hash."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from typing import Any, Final

import pandas as pd

from connectors.batch import RowBatch

#: Columns of the rows a sync lands, and of the rows it holds back.
LANDING_COLUMNS = ("source_key", "payload_json", "row_hash", "location")
HELD_BACK_COLUMNS = ("source_key", "location", "rule", "detail", "payload")


def keyed_rows(
    batch: RowBatch, primary_key: str, seen_keys: set[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a batch into rows to land by source key and rows to hold back.

    ``payload_json`` is the row's present values as a JSON object, in the source's column
    order, and ``row_hash`` the SHA-256 of its canonical JSON, so a re-read of unchanged
    data is recognised; a key is read as the quality stage reads it (see ``source_key``).
    Held back, with their payload (a dict) and location: rows without a key
    (``missing_source_key``), rows whose key was already read in this sync
    (``duplicate_source_key``; the first one read is landed), rows whose key is longer
    than the warehouse keeps (``source_key_too_long``) and rows the connector could not
    read (``unreadable_row``, with the key where it could still be read, so that a full
    refresh knows the row is still in the source).

    Args:
        batch: Rows as read.
        primary_key: The column holding the source's key.
        seen_keys: Keys landed earlier in the same sync; updated in place.
    """
    texts = _payload_texts(batch.rows)
    payloads: list[dict[str, Any]] | None = None
    if texts is None:
        payloads = row_payloads(batch.rows)
        texts = _payload_texts_of(payloads)
        raw_keys = [payload.get(primary_key) for payload in payloads]
    elif primary_key in batch.rows.columns:
        raw_keys = batch.rows[primary_key].tolist()
    else:
        raw_keys = [None] * len(batch.rows)
    stored, canonical = texts

    def payload(at: int) -> dict[str, Any]:
        # Only held-back rows need their payload as a dict; the JSON text has it all.
        return payloads[at] if payloads is not None else dict(json.loads(stored[at]))

    land_keys: list[str] = []
    land_texts: list[str] = []
    land_hashes: list[str] = []
    land_locations: list[str] = []
    held: list[tuple[str | None, str, str, str, dict[str, Any]]] = []
    for at, (raw_key, location) in enumerate(zip(raw_keys, batch.locations.tolist(), strict=True)):
        key = source_key(raw_key)
        if key is None:
            detail = f"column `{primary_key}` is empty"
            held.append((None, location, "missing_source_key", detail, payload(at)))
        elif len(key) > KEY_CHARS:
            detail = (
                f'column `{primary_key}`: "{key[:40]}…" has {len(key):,} characters; '
                f"a key may have {KEY_CHARS}"
            )
            held.append((None, location, "source_key_too_long", detail, payload(at)))
        elif key in seen_keys:
            detail = f'column `{primary_key}`: "{key}" was already read in this sync'
            held.append((key, location, "duplicate_source_key", detail, payload(at)))
        else:
            seen_keys.add(key)
            land_keys.append(key)
            land_texts.append(stored[at])
            land_hashes.append(hashlib.sha256(canonical[at].encode()).hexdigest())
            land_locations.append(location)
    for row in batch.rejected:
        key = _kept_key(row.values.get(primary_key))
        held.append((key, row.location, "unreadable_row", row.reason, {"raw": row.raw}))
    landed = pd.DataFrame(
        dict(
            zip(
                LANDING_COLUMNS,
                (land_keys, land_texts, land_hashes, land_locations),
                strict=True,
            )
        ),
        columns=list(LANDING_COLUMNS),
        dtype=object,
    )
    return landed, pd.DataFrame(held, columns=list(HELD_BACK_COLUMNS), dtype=object)


#: The most characters of a source key: the warehouse's ``source_key`` columns hold 200.
KEY_CHARS: Final = 200

#: Control characters other than whitespace, as standardizing removes them from every
#: value (``quality.text``): a key lands without them, its payload keeps them as read.
_CONTROL_CHARACTERS: Final = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")


def source_key(value: Any) -> str | None:
    """A row's key as the hub knows it: the text the quality stage makes of it
    (``quality.text.clean_value``): without control characters, NFKC-normalized, inner
    whitespace one space, trimmed; ``None`` when nothing is left.

    Keys that the quality stage would read as one are one key from the landing on, so a
    second row of such a key is held back as a duplicate here, not landed beside the first.
    """
    if not isinstance(value, str):
        return None
    if value.isascii() and value.isprintable():  # most keys: a space is their only blank
        key = value.strip()
        return (" ".join(key.split()) if "  " in key else key) or None
    value = _CONTROL_CHARACTERS.sub("", value)
    if not value.isascii():
        value = unicodedata.normalize("NFKC", value)
    return " ".join(value.split()) or None


def _kept_key(value: Any) -> str | None:
    """The key a held-back row is kept with: none where the warehouse cannot hold it."""
    key = source_key(value)
    return key if key is not None and len(key) <= KEY_CHARS else None


def row_payloads(rows: pd.DataFrame) -> list[dict[str, Any]]:
    """Each row as a dict of its present values."""
    columns = list(rows.columns)
    # ``v == v`` is false for NaN only, which is missing like None.
    return [
        {c: v for c, v in zip(columns, row, strict=True) if v is not None and v == v}
        for row in rows.to_numpy(dtype=object).tolist()
    ]


def row_hash(payload: dict[str, Any]) -> str:
    """SHA-256 of a payload's canonical JSON (sorted keys, no spaces)."""
    return hashlib.sha256(_canonical_json(payload).encode()).hexdigest()


_canonical_json = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode
_stored_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
#: The string encoder the JSON encoders above use, so texts built from it are the same.
_json_string = json.encoder.encode_basestring


def _payload_texts(rows: pd.DataFrame) -> tuple[list[str], list[str]] | None:
    """Each row's payload as stored JSON and as canonical JSON, built column by column.

    Encoding each value once and joining the pieces is several times faster than encoding
    a dict per row. Only for rows of text (the connectors' promise) under distinct column
    names; otherwise ``None``, and the payloads are encoded one by one.
    """
    columns = [str(name) for name in rows.columns]
    if len(set(columns)) != len(columns) or columns != list(rows.columns):
        return None
    pieces: dict[str, list[str]] = {}
    for name in columns:
        values = rows[name].tolist()
        kinds = {type(value) for value in values}
        kinds.discard(type(None))
        if not kinds <= {str}:
            return None
        label = _json_string(name) + ":"
        pieces[name] = [label + _json_string(v) if v is not None else "" for v in values]
    if not columns:
        return ["{}"] * len(rows), ["{}"] * len(rows)

    def joined(order: list[str]) -> list[str]:
        return [
            "{" + ",".join(filter(None, row)) + "}"
            for row in zip(*(pieces[name] for name in order), strict=True)
        ]

    return joined(columns), joined(sorted(columns))


def _payload_texts_of(payloads: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    return [_stored_json(p) for p in payloads], [_canonical_json(p) for p in payloads]
