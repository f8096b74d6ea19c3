"""The landing keeps each row exactly as read, NUL included, on SQLite and PostgreSQL.

PostgreSQL cannot hold a NUL in text, nor ``\\u0000`` in jsonb (nor read it out of json
as text): a payload holding one is stored escaped, and read back as it was (issue 18).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re

import pandas as pd
import pytest
import sqlalchemy as sa

from warehouse import Landing, connect, landed_rows

_stored_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
#: A NUL in JSON text: a "u0000" escape whose backslash is not itself escaped.
_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")

PAYLOADS = {
    "1": {"name": "Ann\x00a", "city": "M\x1bunich\x0b"},
    # What the escape is made of, as a source may well hold it, must come back as it was.
    "2": {"name": "\x100 and \x10\x10 and \x10", "city": "a\\u0000b"},
    "3": {"name": "Lena", "city": "Berlin"},
    "4": {"na\x00me": "\x00", "city": ""},
}


@pytest.fixture
def warehouse(warehouse_url: str) -> sa.Engine:
    return connect(warehouse_url)


def _land(engine: sa.Engine, payloads: dict[str, dict[str, str]], sync_id: str) -> None:
    texts = [_stored_json(payload) for payload in payloads.values()]
    rows = pd.DataFrame(
        {
            "source_key": list(payloads),
            "payload_json": texts,
            "row_hash": [hashlib.sha256(text.encode()).hexdigest() for text in texts],
            "location": [f"shop.csv line {n}" for n in range(2, len(payloads) + 2)],
        }
    )
    with engine.begin() as connection:
        landing = Landing(connection, "shop", sync_id, full_refresh=True)
        landing.land(rows)
        landing.finish(started_at=dt.datetime.now(dt.UTC), cursor=None, columns=["name", "city"])


def _read_back(engine: sa.Engine) -> dict[str, dict[str, str]]:
    rows = landed_rows(engine, "shop").set_index("_landed_source_key")
    columns = [c for c in rows.columns if not c.startswith("_landed_")]
    return {
        key: {c: v for c, v in zip(columns, values, strict=True) if v is not None}
        for key, values in zip(rows.index, rows[columns].itertuples(index=False), strict=True)
    }


def _stored(engine: sa.Engine) -> dict[str, str]:
    with engine.connect() as connection:
        return dict(
            connection.execute(
                sa.text("SELECT source_key, CAST(payload AS TEXT) FROM source_record")
            ).all()
        )


def test_payloads_come_back_as_read_and_are_stored_without_nul(warehouse: sa.Engine) -> None:
    _land(warehouse, PAYLOADS, "sync-1")

    assert _read_back(warehouse) == PAYLOADS
    stored = _stored(warehouse)
    assert not [key for key, text in stored.items() if _NUL.search(text)]
    assert stored["3"] == _stored_json(PAYLOADS["3"]), "a payload without NUL is stored as read"
    if warehouse.dialect.name == "postgresql":
        # What downstream readers do with the landing: every value as text.
        with warehouse.connect() as connection:
            names = connection.execute(
                sa.text("SELECT payload::jsonb ->> 'name' FROM source_record")
            ).scalars()
            assert "Lena" in set(names)


def test_a_changed_payload_with_nul_comes_back_as_read(warehouse: sa.Engine) -> None:
    _land(warehouse, PAYLOADS, "sync-1")
    changed = {**PAYLOADS, "3": {"name": "Le\x00na", "city": "Berlin"}}

    _land(warehouse, changed, "sync-2")

    assert _read_back(warehouse) == changed
    assert not _NUL.search(_stored(warehouse)["3"])
