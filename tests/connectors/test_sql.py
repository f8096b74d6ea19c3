"""Reading sources: every value arrives as text, in source order, with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from connectors import SourceNotFound
from connectors.read import read_source
from connectors.spec import SqlConnector

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


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.services),
        pytest.param("mariadb", marks=pytest.mark.services),
    ]
)
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
    with pytest.raises(SourceNotFound, match="source `crm`: table `KUNDE` does not exist"):
        read_source(SqlConnector(kind="sql", url=url, table="KUNDE"), "crm")
