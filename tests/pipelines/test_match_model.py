"""Runs save the match model they train; `matching.model: auto` reuses a saved one until
the data drifts from what it was trained on, and `latest` reuses it however far."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from pipelines.cli import main

CRM = (
    "id,first,last,born,mail,zip,customer_no\n"
    "1,Anna,Berg,1980-02-01,anna.berg@example.de,10115,C1\n"
    "2,Anna,Berg,1980-02-01,anna.berg@example.de,10115,C1\n"
    "3,Lars,Olsen,1975-06-12,lars.olsen@example.de,10117,C2\n"
    "4,Lars,Olsen,1975-06-12,,10117,C2\n"
    "5,Nora,Hansen,1990-09-09,nora@example.de,10119,C3\n"
)
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
      email: mail
      postcode: zip
      country: {value: DE}
      attributes: {customer_no: customer_no}
data_docs: null
"""
LATEST = "matching: {model: latest}\n"
RETRAIN = "matching: {model: retrain}\n"
# Undeclared, the customer number (three values) is compared exactly, as a category.
LATEST_WITH_CUSTOMER_NO = (
    "matching: {model: latest, attributes: {customer_no: {comparison: jaro_winkler}}}\n"
)


@pytest.fixture
def config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("HUB_WAREHOUSE_URL", raising=False)
    (tmp_path / "crm.csv").write_text(CRM, encoding="utf-8")
    path = tmp_path / "hub.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def _run(config_path: Path, matching: str = "", *flags: str) -> None:
    config_path.write_text(CONFIG + matching, encoding="utf-8")
    assert main(["run", "--config", str(config_path), *flags]) == 0


def _read(url: str, table: str) -> pd.DataFrame:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        frame = pd.read_sql_table(table, connection)
    engine.dispose()
    return frame


def _sqlite_url(config_path: Path) -> str:
    return f"sqlite:///{config_path.parent / 'warehouse.sqlite'}"


def test_each_run_saves_the_model_it_trained(
    config_path: Path, warehouse_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUB_WAREHOUSE_URL", warehouse_url)

    _run(config_path, RETRAIN)
    _run(config_path, RETRAIN, "--full")

    saved = _read(warehouse_url, "match_model").sort_values("version")
    runs = _read(warehouse_url, "hub_run").sort_values("started_at")
    assert saved["version"].tolist() == [1, 2]
    assert saved["run_id"].tolist() == runs["run_id"].tolist()
    assert saved["records"].tolist() == [5, 5]
    assert saved["model"].iloc[0]["comparisons"][0]["name"] == "given_name"
    pairs = _read(warehouse_url, "match_pair")
    assert len(pairs) > 0 and set(pairs["model_version"]) == {2}


def test_latest_scores_with_the_saved_version_alike(
    config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _sqlite_url(config_path)
    _run(config_path, LATEST)
    first = _read(url, "match_pair")
    capsys.readouterr()

    _run(config_path, LATEST, "--full")

    assert "version 1  (saved earlier, reused)" in capsys.readouterr().out
    assert _read(url, "match_model")["version"].tolist() == [1]
    again = _read(url, "match_pair")
    assert set(again["model_version"]) == {1}
    pd.testing.assert_frame_equal(again.drop(columns="run_id"), first.drop(columns="run_id"))


def test_latest_never_uses_a_version_saved_for_other_comparisons(
    config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _sqlite_url(config_path)
    _run(config_path, LATEST)

    _run(config_path, LATEST_WITH_CUSTOMER_NO)
    assert "version 2  (trained by this run)" in capsys.readouterr().out
    evidence = _read(url, "match_pair")["evidence"].iloc[0]
    assert "customer_no" in evidence

    _run(config_path, LATEST)
    assert "version 1  (saved earlier, reused)" in capsys.readouterr().out

    assert main(["model", "list", "--config", str(config_path)]) == 0
    header, *rows, _, last = capsys.readouterr().out.splitlines()
    fits_at = header.index("fits the config")
    fits = {row.split()[0]: row[fits_at:].split()[0] for row in rows}
    assert fits == {"2": "no", "1": "yes"}
    assert last == "With `matching.model: latest` runs score with version 1."


def test_auto_keeps_the_saved_model_until_the_data_drifts(
    config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _sqlite_url(config_path)
    _run(config_path)
    assert "version 1  (trained by this run)" in capsys.readouterr().out

    _run(config_path, "", "--full")
    out = capsys.readouterr().out
    assert "version 1  (saved earlier, reused)" in out
    assert "the data stayed within its drift limits: records +0.0% (limit ±25%)" in out

    # Twice the records: the prior the model learnt no longer holds.
    more = "".join(
        f"{n},Person{n},Family{n},1970-01-{n % 28 + 1:02},p{n}@example.de,1{n:04},C{n}\n"
        for n in range(6, 11)
    )
    (config_path.parent / "crm.csv").write_text(CRM + more, encoding="utf-8")
    _run(config_path)
    out = capsys.readouterr().out
    assert "version 2  (trained by this run)" in out
    assert "the data drifted from version 1: records +100.0% (limit ±25%)" in out
    saved = _read(url, "match_model").sort_values("version")
    assert saved["records"].tolist() == [5, 10]


def test_auto_trains_when_the_saved_model_has_no_profile_of_its_data(
    config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _sqlite_url(config_path)
    _run(config_path)
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE match_model SET trained_on = NULL"))
    engine.dispose()

    _run(config_path, "", "--full")

    out = capsys.readouterr().out
    assert "version 2  (trained by this run)" in out
    assert "version 1 was saved without a profile of its training data" in out
