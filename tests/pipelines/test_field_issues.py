"""A bad value in a non-key field is set aside, and its record goes on (issue 18, item 7).

An unreadable phone used to vanish without a trace, and an unreadable birth date held
back the whole customer. Now each such value is kept with its rule, raw text and
location, counted in the run's summary and listed by `hub quarantine values`, and the
record is matched and published without it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from pipelines.cli import main

CONFIG = """
sources:
  crm:
    connector: {kind: csv, path: crm.csv}
    primary_key: id
    trust_rank: 1
    fields:
      given_name: first
      family_name: last
      birth_date: born
      email: email
      phone: phone
      country: {value: DE}
    quality:
      rules:
        # a small file: a bad value or two is over the default 5%
        invalid_date: {mostly: 0.5}
        invalid_email: {mostly: 0.5}
        invalid_phone: {mostly: 0.3}
        # a family archive: births before 1900 are expected
        implausible_birth_date: {quarantine: false, blocking: false}
"""
CRM = """id,first,last,born,email,phone
1,Anna,Berg,1980-02-01,anna@example.de,030 1234567
2,Bo,Ek,1835-81-01,bo@example.de,123
3,Eva,Holm,1600-01-01,eva.example.de,call me maybe
4,Ida,Lund,1975-07-15,ida@example.de,
"""


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    (tmp_path / "crm.csv").write_text(CRM, encoding="utf-8")
    path = tmp_path / "hub.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def test_bad_values_are_set_aside_and_their_records_go_on(
    config_path: Path,
    warehouse_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HUB_WAREHOUSE_URL", warehouse_url)

    assert main(["run", "--config", str(config_path)]) == 0
    report = capsys.readouterr().out

    engine = sa.create_engine(warehouse_url)
    with engine.connect() as connection:
        issues = pd.read_sql_table("field_issue", connection)
        table = sa.Table("golden_customer", sa.MetaData(), autoload_with=connection)
        # As the database gives them: pandas' timestamps end before 1678.
        golden = pd.DataFrame(connection.execute(sa.select(table)).mappings().all())
        quarantine = pd.read_sql_table("quarantine", connection)
    engine.dispose()
    assert quarantine.empty
    found = issues.sort_values(["source_key", "rule"])
    assert found[["source_key", "field", "rule", "value", "location"]].values.tolist() == [
        ["2", "birth_date", "invalid_date", "1835-81-01", "crm.csv line 3"],
        ["2", "phone", "invalid_phone", "123", "crm.csv line 3"],
        ["3", "email", "invalid_email", "eva.example.de", "crm.csv line 4"],
        ["3", "phone", "invalid_phone", "call me maybe", "crm.csv line 4"],
    ]
    # Every customer is published; each without the values set aside.
    people = golden.set_index("given_name")
    assert sorted(people.index) == ["Anna", "Bo", "Eva", "Ida"]
    assert people.loc["Anna", "phone"] == "+49301234567"
    assert pd.isna(people.loc["Bo", "birth_date"]) and pd.isna(people.loc["Bo", "phone"])
    assert pd.isna(people.loc["Eva", "email"]) and pd.isna(people.loc["Eva", "phone"])
    # A date of any year from 1000 on is a date.
    assert people.loc["Eva", "birth_date"] == dt.date(1600, 1, 1)

    assert "values set aside (their records went on without them), by rule:" in report
    assert " invalid_phone " in report and report.count("crm ") >= 3

    assert (
        main(["quarantine", "values", "--config", str(config_path), "--rule", "invalid_phone"]) == 0
    )
    listing = capsys.readouterr().out
    assert "call me maybe" in listing and "123" in listing
    assert "2 value(s) match." in listing
