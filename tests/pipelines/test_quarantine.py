"""Quarantine a data engineer can act on: `hub quarantine list|show`, and fixed rows leave it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from pipelines.cli import main

CONFIG = """
data_docs: docs
sources:
  shop:
    connector: {kind: csv, path: shop.csv}
    primary_key: id
    trust_rank: 1
    fields:
      given_name: first
      family_name: last
      email: email
      birth_date: born
      country: {value: DE}
    quality:
      rules:
        # marked record-level: a row that breaks them is held back whole
        invalid_email: {mostly: 0.5, level: record}
        implausible_birth_date: {mostly: 0.5, level: record}
"""

HEADER = "id,first,last,email,born\n"
GOOD = "1,Anna,Berg,anna@example.de,1980-01-02\n4,Otto,Lund,otto@example.de,1975-03-04\n"
BAD = "2,Bo,Ek,bo@@example.de,1990-05-06\n3,Eva,Holm,eva@example.de,2090-01-01\n"
FIXED = "2,Bo,Ek,bo@example.de,1990-05-06\n3,Eva,Holm,eva@example.de,1990-01-01\n"


def _hub(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(list(args)) == 0
    return capsys.readouterr().out


@pytest.fixture
def config(tmp_path: Path) -> Path:
    (tmp_path / "hub.yaml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "shop.csv").write_text(HEADER + GOOD + BAD, encoding="utf-8")
    return tmp_path / "hub.yaml"


def _published_keys(config: Path) -> list[str]:
    engine = sa.create_engine(f"sqlite:///{config.parent / 'warehouse.sqlite'}")
    with engine.connect() as connection:
        keys = connection.execute(sa.text("SELECT source_key FROM customer_record")).scalars()
        return sorted(keys)


def test_list_and_show_what_was_held_back_then_a_fix_clears_it(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = _hub(capsys, "run", "--config", str(config))
    assert "quality checks: every expectation held" in report
    assert f"Data Docs: {(config.parent / 'docs' / 'index.html').as_uri()}" in report
    run_id = re.search(r"Run (\S+) published", report)[1]  # type: ignore[index]

    listed = _hub(capsys, "quarantine", "list", "--config", str(config))
    assert "2 quarantined row(s) match." in listed
    assert re.search(r"shop +2 +quality +invalid_email +shop\.csv line 4", listed)
    assert re.search(r"shop +3 +quality +implausible_birth_date +shop\.csv line 5", listed)
    assert '"2090-01-01" is not between 1900-01-01 and today' in listed

    by_rule = _hub(capsys, "quarantine", "list", "--config", str(config), "--rule", "invalid_email")
    assert "1 quarantined row(s) match." in by_rule
    by_run = _hub(capsys, "quarantine", "list", "--config", str(config), "--run", run_id[:8])
    assert "2 quarantined row(s) match." in by_run
    other_run = _hub(capsys, "quarantine", "list", "--config", str(config), "--run", "0000")
    assert other_run.strip() == "Nothing in quarantine matches."
    by_source = _hub(capsys, "quarantine", "list", "--config", str(config), "--source", "crm")
    assert by_source.strip() == "Nothing in quarantine matches."

    quarantine_id = re.search(r"^(\d+) +shop +2 ", by_rule, re.MULTILINE)[1]  # type: ignore[index]
    shown = _hub(capsys, "quarantine", "show", quarantine_id, "--config", str(config))
    assert "rule:       invalid_email" in shown
    assert "read at:    shop.csv line 4" in shown
    assert re.search(r'email +"bo@@example\.de"', shown)
    assert _published_keys(config) == ["1", "4"]

    (config.parent / "shop.csv").write_text(HEADER + GOOD + FIXED, encoding="utf-8")
    _hub(capsys, "run", "--config", str(config))

    after = _hub(capsys, "quarantine", "list", "--config", str(config))
    assert after.strip() == "Nothing in quarantine matches."
    assert _published_keys(config) == ["1", "2", "3", "4"]
    assert main(["quarantine", "show", quarantine_id, "--config", str(config)]) == 1
    assert "it was fixed" in capsys.readouterr().err
    index = (config.parent / "docs" / "index.html").read_text(encoding="utf-8")
    assert run_id in index


def test_a_row_fixed_in_a_later_file_leaves_the_sync_quarantine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An incremental file source: repeated keys are held at the sync; a later export that
    states those customers again supersedes them, changed or not."""
    config = tmp_path / "hub.yaml"
    config.write_text(
        CONFIG.replace(
            "path: shop.csv}", "path: exports/shop_*.csv}\n    sync: {mode: incremental}"
        )
    )
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "shop_1.csv").write_text(HEADER + GOOD + GOOD.replace("Anna", "Anne"))
    _hub(capsys, "sync", "--config", str(config))
    listed = _hub(capsys, "quarantine", "list", "--config", str(config), "--stage", "sync")
    assert "duplicate_source_key" in listed

    restated = (
        "1,Anna,Berg,anna@example.de,1980-01-02\n4,Otto,Lund,otto.lund@example.de,1975-03-04\n"
    )
    (exports / "shop_2.csv").write_text(HEADER + restated)
    _hub(capsys, "sync", "--config", str(config))

    after = _hub(capsys, "quarantine", "list", "--config", str(config), "--stage", "sync")
    assert after.strip() == "Nothing in quarantine matches."
