"""Reading sources: every value arrives as text, in source order, with clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from connectors import (
    CsvConnector,
    JsonLinesConnector,
    SourceSchemaError,
    SourceUnavailable,
    SqlConnector,
    landing_rows,
    read_source,
)

CUSTOMERS = [
    {"CUST_NO": 7, "NAME": "MÜLLER, HANS", "BIRTH_DT": "01021961", "SCORE": 1.5, "EMAIL": None},
    {
        "CUST_NO": 12,
        "NAME": "ØDEGÅRD, KARI",
        "BIRTH_DT": "31121990",
        "SCORE": 2.0,
        "EMAIL": "k@x.no",
    },
]


def _create_customers(url: str) -> None:
    engine = sa.create_engine(url)
    table = sa.Table(
        "CUSTOMER",
        sa.MetaData(),
        sa.Column("CUST_NO", sa.Integer, primary_key=True),
        sa.Column("NAME", sa.String(100)),
        sa.Column("BIRTH_DT", sa.String(8)),
        sa.Column("SCORE", sa.Float),
        sa.Column("EMAIL", sa.String(100)),
    )
    with engine.begin() as connection:
        table.create(connection)
        connection.execute(table.insert(), CUSTOMERS)
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def customer_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'crm.sqlite'}"
    else:
        url = request.getfixturevalue(f"{request.param}_url")
    _create_customers(url)
    return url


def test_sql_table_rows_arrive_as_text(customer_db_url: str) -> None:
    rows = read_source(SqlConnector(kind="sql", url=customer_db_url, table="CUSTOMER"), "crm")
    assert list(rows.columns) == ["CUST_NO", "NAME", "BIRTH_DT", "SCORE", "EMAIL"]
    assert rows.to_dict("records") == [
        {
            "CUST_NO": "7",
            "NAME": "MÜLLER, HANS",
            "BIRTH_DT": "01021961",
            "SCORE": "1.5",
            "EMAIL": None,
        },
        {
            "CUST_NO": "12",
            "NAME": "ØDEGÅRD, KARI",
            "BIRTH_DT": "31121990",
            "SCORE": "2",
            "EMAIL": "k@x.no",
        },
    ]


def test_sql_query_reads_what_it_selects(customer_db_url: str) -> None:
    spec = SqlConnector(
        kind="sql", url=customer_db_url, query='SELECT "NAME" FROM "CUSTOMER" WHERE "CUST_NO" > 10'
    )
    if customer_db_url.startswith("mysql"):
        spec = spec.model_copy(update={"query": "SELECT NAME FROM CUSTOMER WHERE CUST_NO > 10"})
    assert read_source(spec, "crm")["NAME"].tolist() == ["ØDEGÅRD, KARI"]


def test_missing_table_names_source_and_table(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    sa.create_engine(url).connect().close()
    with pytest.raises(SourceSchemaError, match="source `crm`: table `KUNDE` does not exist"):
        read_source(SqlConnector(kind="sql", url=url, table="KUNDE"), "crm")


def test_csv_keeps_leading_zeros_and_blank_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "shop.csv"
    path.write_text(
        'customer_id,zip,first_name\nWS-1,01067,"Anna, Maria"\nWS-2,,Bill\n', encoding="utf-8"
    )
    rows = read_source(CsvConnector(kind="csv", path=str(path)), "webshop")
    assert rows.to_dict("records") == [
        {"customer_id": "WS-1", "zip": "01067", "first_name": "Anna, Maria"},
        {"customer_id": "WS-2", "zip": None, "first_name": "Bill"},
    ]


def test_missing_file_is_reported_with_source_and_path(tmp_path: Path) -> None:
    spec = CsvConnector(kind="csv", path=str(tmp_path / "nope.csv"))
    with pytest.raises(
        SourceUnavailable, match=r"source `webshop`: file .*nope.csv does not exist"
    ):
        read_source(spec, "webshop")


def test_json_lines_scalars_become_text(tmp_path: Path) -> None:
    path = tmp_path / "desk.jsonl"
    lines = [
        {"contact_id": "SD-1", "name": "Anna Müller", "vip": True, "visits": 3},
        {"contact_id": "SD-2", "name": "José Núñez", "phone": None},
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n\n", encoding="utf-8")
    rows = read_source(JsonLinesConnector(kind="jsonl", path=str(path)), "support_desk")
    assert rows.to_dict("records") == [
        {"contact_id": "SD-1", "name": "Anna Müller", "vip": "true", "visits": "3", "phone": None},
        {"contact_id": "SD-2", "name": "José Núñez", "vip": None, "visits": None, "phone": None},
    ]


def test_json_line_that_is_not_an_object_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "desk.jsonl"
    path.write_text('{"contact_id": "SD-1"}\n[1, 2]\n', encoding="utf-8")
    with pytest.raises(SourceSchemaError, match="line 2 is not a JSON object"):
        read_source(JsonLinesConnector(kind="jsonl", path=str(path)), "support_desk")


def test_landing_hashes_rows_and_keeps_first_of_repeated_keys(tmp_path: Path) -> None:
    path = tmp_path / "shop.csv"
    path.write_text("id,name\n1,Anna\n2,Bob\n1,Anne\n,Nobody\n", encoding="utf-8")
    raw = read_source(CsvConnector(kind="csv", path=str(path)), "webshop")
    landed = landing_rows(raw, source="webshop", primary_key="id")
    assert landed["source_key"].tolist() == ["1", "2"]
    assert landed["payload"].tolist() == [{"id": "1", "name": "Anna"}, {"id": "2", "name": "Bob"}]
    again = landing_rows(raw.copy(), source="webshop", primary_key="id")
    assert landed["row_hash"].tolist() == again["row_hash"].tolist()
    assert landed["row_hash"].nunique() == 2
