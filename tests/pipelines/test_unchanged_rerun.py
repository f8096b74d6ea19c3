"""A rerun that finds nothing changed runs no stage, says so, and leaves the warehouse alone."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from demo import generate_demo
from pipelines import runner
from pipelines.cli import main

PUBLISHED = ("golden_customer", "customer_xref", "match_pair", "golden_change", "hub_run")


@pytest.fixture
def config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("HUB_WAREHOUSE_URL", raising=False)
    demo = generate_demo(tmp_path / "demo", people=300, seed=3)
    config = demo.config.read_text(encoding="utf-8")
    demo.config.write_text(config + "data_docs: null\n", encoding="utf-8")
    return demo.config


def _run(config_path: Path, capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[str, str]:
    assert main(["run", "--config", str(config_path), *flags]) == 0
    printed = capsys.readouterr()
    return printed.out, printed.err


def _published(config_path: Path) -> dict[str, pd.DataFrame]:
    default = f"sqlite:///{config_path.parent / 'warehouse.sqlite'}"
    engine = sa.create_engine(os.environ.get("HUB_WAREHOUSE_URL", default))
    with engine.connect() as connection:
        tables = {name: pd.read_sql_table(name, connection) for name in PUBLISHED}
    engine.dispose()
    return tables


def _assert_same(before: dict[str, pd.DataFrame], after: dict[str, pd.DataFrame]) -> None:
    for name in PUBLISHED:
        pd.testing.assert_frame_equal(after[name], before[name], obj=name)


def test_a_rerun_that_finds_nothing_changed_runs_no_stage(
    config_path: Path,
    warehouse_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HUB_WAREHOUSE_URL", warehouse_url)
    _run(config_path, capsys)
    first = _published(config_path)
    (run_id,) = first["hub_run"]["run_id"]

    out, err = _run(config_path, capsys)

    assert f"Nothing changed since run {run_id} published: no stage ran" in out
    assert "sync crm_legacy" in err and "customer_records" not in err
    _assert_same(first, _published(config_path))

    # Asked for, every stage runs all the same, and finds what the first run found.
    out, err = _run(config_path, capsys, "--full")
    assert "customer_links" in err and "published in" in out
    again = _published(config_path)
    assert len(again["hub_run"]) == 2
    xref = ["source", "source_key", "golden_id"]
    pd.testing.assert_frame_equal(again["customer_xref"][xref], first["customer_xref"][xref])


def test_a_steward_decision_a_new_setting_or_new_code_is_a_change(
    config_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(config_path, capsys)
    xref = _published(config_path)["customer_xref"]
    shared = xref[xref.duplicated("golden_id", keep=False)].sort_values("golden_id")
    left, right = (f"{row.source}:{row.source_key}" for row in shared.head(2).itertuples())
    review = ["review", "pair", left, right, "different", "--config", str(config_path)]
    assert main([*review, "--steward", "ann"]) == 0
    capsys.readouterr()

    out, _ = _run(config_path, capsys)

    assert "published in" in out
    after = _published(config_path)["customer_xref"].set_index(["source", "source_key"])
    golden = [after.loc[tuple(key.split(":", 1)), "golden_id"] for key in (left, right)]
    assert golden[0] != golden[1]

    settings = config_path.read_text(encoding="utf-8")
    config_path.write_text(settings + "matching: {review_customer_size: 7}\n", encoding="utf-8")
    out, _ = _run(config_path, capsys)
    assert "published in" in out
    assert len(_published(config_path)["hub_run"]) == 3

    # Another build of the hub (a fixed standardizer, a new phonenumbers) publishes anew.
    monkeypatch.setattr(runner, "code_fingerprint", lambda: "another build")
    out, _ = _run(config_path, capsys)
    assert "published in" in out
    assert len(_published(config_path)["hub_run"]) == 4
