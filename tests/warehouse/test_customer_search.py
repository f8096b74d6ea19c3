"""Finding golden customers by what a steward types (`warehouse.find_customers`): every
character matches only itself, LIKE's wildcards and escapes included, on SQLite and
PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from warehouse import connect, find_customers
from warehouse.schema import golden_customer

FAMILY_NAMES = {
    "GC-OHARA": "OHara",
    "GC-OXHARA": "OXHara",
    "GC-UNDERSCORE": "O_Hara",
    "GC-PERCENT": "O%Hara",
    "GC-SLASH": "O/Hara",
    "GC-BACKSLASH": "O\\Hara",
}


@pytest.fixture
def warehouse(warehouse_url: str) -> Iterator[sa.Engine]:
    """A warehouse holding one Ann per family name of `FAMILY_NAMES`."""
    engine = connect(warehouse_url)
    with engine.begin() as connection:
        connection.execute(
            sa.insert(golden_customer),
            [
                {
                    "golden_id": golden_id,
                    "given_name": "Ann",
                    "family_name": family_name,
                    "record_count": 1,
                    "sources": "crm",
                    "created_at": dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
                    "run_id": "run-1",
                }
                for golden_id, family_name in FAMILY_NAMES.items()
            ],
        )
    yield engine
    engine.dispose()


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("o_hara", {"GC-UNDERSCORE"}),
        ("o%hara", {"GC-PERCENT"}),
        ("o/hara", {"GC-SLASH"}),
        ("o\\hara", {"GC-BACKSLASH"}),
        ("%", {"GC-PERCENT"}),
        ("_", {"GC-UNDERSCORE"}),
        ("Ann ohara", {"GC-OHARA"}),
        ("ann", set(FAMILY_NAMES)),
    ],
    ids=[
        "underscore",
        "percent",
        "slash",
        "backslash",
        "percent-alone",
        "underscore-alone",
        "plain",
        "every-ann",
    ],
)
def test_a_search_matches_wildcards_and_escapes_only_literally(
    warehouse: sa.Engine, query: str, found: set[str]
) -> None:
    assert set(find_customers(warehouse, query)["golden_id"]) == found
