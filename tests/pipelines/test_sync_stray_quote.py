"""A stray quote in a CSV source costs its own line, never the rows after it (issue 18)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from pipelines.config import SourceSettings
from pipelines.stages import sync_source
from warehouse import connect, landed_rows

HEADER = "id,first,mail,note\n"
CUSTOMERS = [f"{n},Given{n},c{n}@example.com,ok" for n in range(1, 42)]


@pytest.fixture
def warehouse(warehouse_url: str) -> sa.Engine:
    return connect(warehouse_url)


def _customers(path: Path, **connector: object) -> SourceSettings:
    # `note` is not mapped: nothing downstream would notice it swallowing the rows after it.
    return SourceSettings.model_validate(
        {
            "connector": {"kind": "csv", "path": str(path), **connector},
            "primary_key": "id",
            "trust_rank": 1,
            "fields": {"given_name": "first", "email": "mail"},
        }
    )


def _quarantine(engine: sa.Engine) -> pd.DataFrame:
    with engine.connect() as connection:
        return pd.read_sql_table("quarantine", connection)


def test_an_unclosed_quote_quarantines_its_line_and_the_rows_after_it_stay(
    tmp_path: Path, warehouse: sa.Engine
) -> None:
    path = tmp_path / "customers.csv"
    source = _customers(path)
    path.write_text(HEADER + "\n".join(CUSTOMERS) + "\n")
    assert sync_source(warehouse, "shop", source).new == 41

    stray = [*CUSTOMERS[:20], '21,Given21,c21@example.com,"customer said hi', *CUSTOMERS[21:]]
    path.write_text(HEADER + "\n".join(stray) + "\n")
    figures = sync_source(warehouse, "shop", source)

    assert (figures.rows_read, figures.unchanged, figures.quarantined) == (41, 40, 1)
    live = set(landed_rows(warehouse, "shop")["id"])
    assert live >= {str(n) for n in range(22, 42)}, "the rows after the stray quote are read"
    held = _quarantine(warehouse)
    assert held[["location", "rule"]].values.tolist() == [
        ["customers.csv line 22", "unreadable_row"]
    ]
    assert "multiline: true" in held["detail"][0]
    assert held["payload"][0] == {"raw": '21,Given21,c21@example.com,"customer said hi'}


def test_a_source_declared_multiline_reads_a_quoted_line_break_as_one_value(
    tmp_path: Path, warehouse: sa.Engine
) -> None:
    path = tmp_path / "customers.csv"
    path.write_text(
        HEADER + '1,Anna,a@example.com,"called twice:\nonce in May"\n2,Bob,b@example.com,ok\n'
    )
    figures = sync_source(warehouse, "shop", _customers(path, multiline=True))

    assert (figures.rows_read, figures.new, figures.quarantined) == (2, 2, 0)
    rows = landed_rows(warehouse, "shop").set_index("id")
    assert rows.loc["1", "note"] == "called twice:\nonce in May"
    assert rows["_landed_location"].tolist() == ["customers.csv line 2", "customers.csv line 4"]
