"""`hub run --config FILE` on sources a user declares, into SQLite or PostgreSQL."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from pipelines.cli import main

CONFIG = """
sources:
  billing:
    connector: {kind: csv, path: billing.csv, delimiter: ";", encoding: cp1252}
    primary_key: KDNR
    trust_rank: 1
    # One date in three is unreadable: over the default 5%, within this file's allowance.
    quality: {rules: {invalid_date: {mostly: 0.5}}}
    fields:
      family_name: NACHNAME
      given_name: VORNAME
      birth_date: {column: GEBDAT, format: DD.MM.YYYY}
      email: MAIL
      postcode: PLZ
      city: ORT
      country: {value: DE}
  app_users:
    connector: {kind: jsonl, path: users.jsonl}
    primary_key: uid
    trust_rank: 2
    fields:
      full_name: {column: display_name, order: given_family}
      email: login
      phone: mobile
      country: {value: DE}
      source_updated_at: last_login
"""

BILLING = (
    "KDNR;NACHNAME;VORNAME;GEBDAT;MAIL;PLZ;ORT\n"
    "1001;Müller;Jürgen;03.04.1971;j.mueller@example.de;80331;München\n"
    "1002;Schäfer;Anna;17.11.1985;anna.schaefer@example.de;20095;Hamburg\n"
    "1003;Weiß;Otto;31.02.1990;otto@example.de;10115;Berlin\n"
)
USERS = [
    {
        "uid": "u-1",
        "display_name": "Jürgen Müller",
        "login": "J.Mueller@Example.de",
        "mobile": "0151 23456789",
        "last_login": "2026-10-01T08:00:00+02:00",
    },
    {
        "uid": "u-2",
        "display_name": "Anna Schaefer",
        "login": "anna.schaefer@example.de",
        "mobile": None,
        "last_login": "2026-09-12T19:30:00+02:00",
    },
    {
        "uid": "u-3",
        "display_name": "Lena Vogel",
        "login": "lena.vogel@example.de",
        "mobile": "0171 9876543",
        "last_login": "2026-09-30T07:00:00+02:00",
    },
]


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    (tmp_path / "billing.csv").write_bytes(BILLING.encode("cp1252"))
    lines = "\n".join(json.dumps(user, ensure_ascii=False) for user in USERS)
    (tmp_path / "users.jsonl").write_text(lines + "\n", encoding="utf-8")
    path = tmp_path / "hub.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def test_hub_runs_any_declared_sources(
    config_path: Path,
    warehouse_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HUB_WAREHOUSE_URL", warehouse_url)

    assert main(["run", "--config", str(config_path)]) == 0

    printed = capsys.readouterr()
    out = printed.out
    assert "billing" in out and "app_users" in out
    # Each step says when it starts, and the report gives each one's seconds.
    steps = ["sync billing", "sync app_users", "customer_records", "customer_links"]
    steps += ["golden_customers", "customer_warehouse"]
    started = re.findall(r"^\[ *[\d.]+ s\] (.+) …$", printed.err, re.MULTILINE)
    assert sorted(started) == sorted([*steps, "customer_interactions"])
    timed = dict(re.findall(r"^  (\S+(?: \S+)?) +([\d.]+) s +\d+%$", out, re.MULTILINE))
    assert set(timed) >= set(steps)
    engine = sa.create_engine(warehouse_url)
    with engine.connect() as connection:
        xref = pd.read_sql_table("customer_xref", connection)
        golden = pd.read_sql_table("golden_customer", connection)
        quarantine = pd.read_sql_table("quarantine", connection)
        issues = pd.read_sql_table("field_issue", connection)
    golden_of = dict(zip(xref["source"] + ":" + xref["source_key"], xref["golden_id"], strict=True))
    assert golden_of["billing:1001"] == golden_of["app_users:u-1"]
    assert golden_of["billing:1002"] == golden_of["app_users:u-2"]
    assert golden_of["app_users:u-3"] not in {golden_of["billing:1001"], golden_of["billing:1002"]}
    assert len(golden) == 4  # billing:1003 is a customer of its own
    juergen = golden.set_index("golden_id").loc[golden_of["billing:1001"]]
    # billing is the more trusted source; the phone only the app knows, in E.164
    assert (juergen["given_name"], juergen["family_name"]) == ("Jürgen", "Müller")
    assert juergen["phone"] == "+4915123456789"
    # The unreadable date is set aside; its record goes on without it.
    assert quarantine.empty
    assert issues[
        ["source", "source_key", "field", "rule", "value", "location"]
    ].values.tolist() == [
        ["billing", "1003", "birth_date", "invalid_date", "31.02.1990", "billing.csv line 4"]
    ]
    assert "billing:1003" in golden_of
    engine.dispose()


def test_a_mapped_attribute_is_kept_and_matched_on(
    config_path: Path,
    warehouse_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The app stores the billing customer number of the users it knows.
    users = [
        {**user, "billing_no": no} for user, no in zip(USERS, ["1001", "1002", None], strict=True)
    ]
    lines = "\n".join(json.dumps(user, ensure_ascii=False) for user in users)
    (config_path.parent / "users.jsonl").write_text(lines + "\n", encoding="utf-8")
    config = CONFIG.replace(
        "      country: {value: DE}\n  app_users:",
        "      country: {value: DE}\n      attributes: {customer_number: KDNR}\n  app_users:",
    ).replace(
        "      source_updated_at: last_login\n",
        "      source_updated_at: last_login\n      attributes: {customer_number: billing_no}\n",
    )
    config += (
        "matching:\n"
        "  attributes:\n"
        "    customer_number: {comparison: exact, identifies_person: true}\n"
    )
    config_path.write_text(config, encoding="utf-8")
    monkeypatch.setenv("HUB_WAREHOUSE_URL", warehouse_url)

    assert main(["run", "--config", str(config_path)]) == 0

    engine = sa.create_engine(warehouse_url)
    with engine.connect() as connection:
        records = pd.read_sql_table("customer_record", connection)
        pairs = pd.read_sql_table("match_pair", connection)
    engine.dispose()
    attributes = dict(zip(records["source_key"], records["attributes"], strict=True))
    assert attributes["1001"] == {"customer_number": "1001"}
    assert attributes["u-2"] == {"customer_number": "1002"}
    assert attributes["u-3"] is None
    juergen = pairs[
        (pairs["record_id_l"] == "app_users:u-1") & (pairs["record_id_r"] == "billing:1001")
    ]
    evidence = juergen["evidence"].iloc[0]
    evidence = json.loads(evidence) if isinstance(evidence, str) else evidence
    assert evidence["customer_number"]["level"] == 2
    assert evidence["customer_number"]["weight"] > 0
