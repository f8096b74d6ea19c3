"""Control characters in source values never reach the warehouse (issue 18, item 3).

One NUL byte in a given name made every PostgreSQL publish fail, and SQLite published it
inside the golden name. The quality stage removes control characters from every value,
customer and interaction alike, and counts the rows it cleaned; the landing keeps the
rows exactly as read.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

from pipelines.cli import main
from warehouse import connect, landed_rows

CONFIG = """
sources:
  billing:
    connector: {kind: csv, path: billing.csv}
    primary_key: KDNR
    trust_rank: 1
    fields:
      family_name: NACHNAME
      given_name: VORNAME
      email: MAIL
      city: ORT
      country: {value: DE}
      attributes: {note: NOTIZ}
    quality: {rules: {invalid_email: {mostly: 0.5}}}
  app_users:
    connector: {kind: jsonl, path: users.jsonl}
    primary_key: uid
    trust_rank: 2
    fields:
      full_name: {column: display_name, order: given_family}
      email: login
      country: {value: DE}
      attributes: {note: note}
  billing_orders:
    content: interactions
    connector: {kind: csv, path: orders.csv}
    primary_key: order_no
    customer_source: billing
    fields:
      customer_key: KDNR
      kind: {value: order}
      occurred_at: ordered_at
      amount: total
      currency: {value: EUR}
      status: state
      topic: category
"""

# NUL in a given name; bell, escape and vertical tab elsewhere; a tab inside a note; an
# e-mail address set aside, NUL and all; a NUL and a bell in a key; and a row held back for
# its repeated key, NUL and all.
BILLING = (
    "KDNR,NACHNAME,VORNAME,MAIL,ORT,NOTIZ\n"
    "1001,M\x07üller,Ann\x00a,ann@example.de,M\x1bunich\x0b,calls\x07 in the\tevening\n"
    "1002,Vogel,Lena,lena@example.de,Berlin,\n"
    "1003,Weiß,Otto,otto\x00@,Köln,\n"
    "\x001004\x07,Kranz,Eva,eva@example.de,Bonn,\n"
    "1002,Vogel,Le\x00na,lena@example.de,Berlin,\n"
)
# In JSON text, \u0000 decodes to a NUL.
USERS = (
    '{"uid": "u-1", "display_name": "Ann\\u0000a M\\u0007üller", "login": "ann@example.de",'
    ' "note": "first line\\nsecond\\u001b line"}\n'
    '{"uid": "u-2", "display_name": "Lena Vogel", "login": "lena@example.de"}\n'
)
ORDERS = (
    "order_no,KDNR,ordered_at,total,state,category\n"
    "A-1,1001\x00,2026-10-01T10:00:00Z,12.50,shipped\x1b,bo\x07oks\n"
)

#: Control characters: C0, DEL and C1 (Unicode category Cc), whitespace controls included.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")

#: Columns that keep a source row exactly as read.
RAW_ROWS = {("source_record", "payload"), ("quarantine", "payload")}


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    (tmp_path / "billing.csv").write_text(BILLING, encoding="utf-8")
    (tmp_path / "users.jsonl").write_text(USERS, encoding="utf-8")
    (tmp_path / "orders.csv").write_text(ORDERS, encoding="utf-8")
    path = tmp_path / "hub.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def _controls(value: Any) -> list[str]:
    """The control characters in a value, JSON documents (as text or decoded) included."""
    if isinstance(value, dict):
        return [c for k, v in value.items() for c in _controls(k) + _controls(v)]
    if isinstance(value, list):
        return [c for item in value for c in _controls(item)]
    if not isinstance(value, str):
        return []
    if value[:1] in ("{", "["):
        try:
            return _controls(json.loads(value))
        except ValueError:
            pass
    return CONTROL.findall(value)


def _tables(engine: sa.Engine) -> dict[str, pd.DataFrame]:
    names = sa.inspect(engine).get_table_names()
    with engine.connect() as connection:
        return {name: pd.read_sql_table(name, connection) for name in names}


def test_control_characters_are_removed_and_the_rows_flagged(
    config_path: Path,
    warehouse_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HUB_WAREHOUSE_URL", warehouse_url)

    assert main(["run", "--config", str(config_path)]) == 0, capsys.readouterr().err

    engine = sa.create_engine(warehouse_url)
    tables = _tables(engine)
    found = {
        (table, column): sorted(set(chars))
        for table, frame in tables.items()
        for column in frame.columns
        if (table, column) not in RAW_ROWS
        and (chars := [c for value in frame[column] for c in _controls(value)])
    }
    assert found == {}, "control characters reached the warehouse"

    xref = tables["customer_xref"]
    golden_of = dict(zip(xref["source"] + ":" + xref["source_key"], xref["golden_id"], strict=True))
    assert golden_of["billing:1001"] == golden_of["app_users:u-1"]
    anna = tables["golden_customer"].set_index("golden_id").loc[golden_of["billing:1001"]]
    assert (anna["given_name"], anna["family_name"], anna["city"]) == ("Anna", "Müller", "Munich")
    records = tables["customer_record"].set_index("source_key")
    notes = records["attributes"].map(lambda a: json.loads(a) if isinstance(a, str) else a)
    # Tabs and line breaks are whitespace: one space, as in every text field.
    assert notes["1001"] == {"note": "calls in the evening"}
    assert notes["u-1"] == {"note": "first line second line"}
    order = tables["customer_interaction"].iloc[0]
    assert (order["customer_key"], order["status"], order["topic"]) == ("1001", "shipped", "books")
    assert order["golden_id"] == golden_of["billing:1001"]

    (held,) = tables["quarantine"].itertuples()
    assert (held.source_key, held.rule) == ("1002", "duplicate_source_key")
    payload = json.loads(held.payload) if isinstance(held.payload, str) else held.payload
    assert payload["VORNAME"] == "Le\x00na"

    # Each cleaned value is flagged, with its row, field and value as read.
    issues = {
        (row.source_key, row.field, row.rule): (row.value, row.location)
        for row in tables["field_issue"].itertuples()
    }
    assert issues[("1001", "given_name", "control_characters_removed")] == (
        "Ann\\x00a",
        "billing.csv line 2",
    )
    assert issues[("1003", "email", "control_characters_removed")][0] == "otto\\x00@"
    assert issues[("1003", "email", "invalid_email")][0] == "otto\\x00@"

    summary = tables["hub_run"]["summary"].iloc[0]
    summary = json.loads(summary) if isinstance(summary, str) else summary
    assert summary["cleaned"] == {"billing": 3, "app_users": 1}
    assert summary["set_aside"] == {"billing": 1, "app_users": 0}
    assert "billing:1004" in golden_of

    # The landing keeps each row exactly as the file had it.
    warehouse = connect(warehouse_url)
    billing = landed_rows(warehouse, "billing").set_index("KDNR")
    assert billing.loc["1001", ["VORNAME", "ORT"]].tolist() == ["Ann\x00a", "M\x1bunich\x0b"]
    # A key is landed without its control characters; its payload keeps them.
    assert billing.loc["\x001004\x07", "NACHNAME"] == "Kranz"
    users = landed_rows(warehouse, "app_users").set_index("uid")
    assert users.loc["u-1", "display_name"] == "Ann\x00a M\x07üller"
    warehouse.dispose()
    engine.dispose()
