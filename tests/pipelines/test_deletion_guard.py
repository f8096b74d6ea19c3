"""A full refresh that would mark many rows deleted holds them back until confirmed."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from pipelines.cli import main
from pipelines.config import WAREHOUSE_URL_ENV

CONFIG = """
sources:
  shop:
    connector: {kind: csv, path: shop.csv}
    primary_key: id
    trust_rank: 1
    fields: {given_name: first, family_name: last, email: mail}
"""


def _rows(ids: range) -> str:
    return "id,first,last,mail\n" + "".join(
        f"{n},Person{n},Family{n},p{n}@example.org\n" for n in ids
    )


@pytest.fixture
def project(tmp_path: Path, warehouse_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "shop.csv").write_text(_rows(range(1, 42)), encoding="utf-8")
    config = tmp_path / "hub.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv(WAREHOUSE_URL_ENV, warehouse_url)
    return config


def _table(url: str, name: str) -> pd.DataFrame:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        table = pd.read_sql_table(name, connection)
    engine.dispose()
    return table


def test_hub_sync_holds_back_deletions_says_so_and_exits_1_until_allowed(
    project: Path, warehouse_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sync", "--config", str(project)]) == 0
    (project.parent / "shop.csv").write_text(_rows(range(1, 22)), encoding="utf-8")
    capsys.readouterr()

    assert main(["sync", "--config", str(project)]) == 1

    out = capsys.readouterr().out
    assert "shop: 20 rows gone from the source are not marked deleted" in out
    assert "--allow-deletes" in out
    assert _table(warehouse_url, "source_record")["deleted_at"].isna().all()

    assert main(["sync", "--allow-deletes", "--config", str(project)]) == 0
    assert "not marked deleted" not in capsys.readouterr().out
    assert _table(warehouse_url, "source_record")["deleted_at"].notna().sum() == 20


@pytest.mark.slow
def test_hub_run_publishes_without_the_held_deletions_and_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "shop.csv").write_text(_rows(range(1, 42)), encoding="utf-8")
    config = tmp_path / "hub.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    monkeypatch.setenv(WAREHOUSE_URL_ENV, url)
    assert main(["run", "--config", str(config)]) == 0
    (tmp_path / "shop.csv").write_text(_rows(range(1, 22)), encoding="utf-8")
    capsys.readouterr()

    assert main(["run", "--config", str(config)]) == 1

    assert "shop: 20 rows gone from the source are not marked deleted" in capsys.readouterr().out
    assert len(_table(url, "golden_customer")) == 41
    assert "removed" not in set(_table(url, "golden_change")["change"])

    assert main(["run", "--allow-deletes", "--config", str(config)]) == 0
    assert len(_table(url, "golden_customer")) == 21
    assert (_table(url, "golden_change")["change"] == "removed").sum() == 20
