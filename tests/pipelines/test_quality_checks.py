"""Each source's expectation suite as a Dagster asset check; a blocking failure stops publishing."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa

from pipelines.cli import main
from pipelines.config import HubConfig, load_config
from pipelines.definitions import build_definitions
from pipelines.runner import RunFailed, run_hub

CONFIG = """
sources:
  shop:
    connector: {kind: csv, path: shop.csv}
    primary_key: id
    trust_rank: 1
    fields: {given_name: first, family_name: last, email: email, country: {value: DE}}
  crm:
    connector: {kind: csv, path: crm.csv}
    primary_key: id
    trust_rank: 2
    fields: {given_name: first, family_name: last, email: email, country: {value: DE}}
"""
CLEAN = "id,first,last,email\n1,Anna,Berg,anna@example.de\n2,Bo,Ek,bo@example.de\n"
# Two of three addresses are broken: far over the default 5% of the `invalid_email` rule.
BROKEN = CLEAN + "3,Eva,Holm,eva.example.de\n4,Ida,Lund,ida@@example.de\n"


def _config(tmp_path: Path, shop_quality: str = "") -> HubConfig:
    (tmp_path / "hub.yaml").write_text(CONFIG.replace("  crm:", shop_quality + "  crm:"))
    (tmp_path / "shop.csv").write_text(BROKEN)
    (tmp_path / "crm.csv").write_text(CLEAN)
    return load_config(tmp_path / "hub.yaml")


def _published_runs(config: HubConfig) -> int:
    with sa.create_engine(config.warehouse.url).connect() as connection:
        return int(connection.execute(sa.text("SELECT count(*) FROM hub_run")).scalar_one())


def test_every_source_has_a_blocking_quality_check(tmp_path: Path) -> None:
    defs = build_definitions(_config(tmp_path))

    specs = {spec.name: spec for spec in defs.resolve_assets_def("customer_records").check_specs}

    assert set(specs) == {"shop_quality", "crm_quality"}
    assert all(spec.blocking for spec in specs.values())


def test_a_broken_blocking_expectation_stops_the_publish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HUB_WAREHOUSE_URL", raising=False)
    config = _config(tmp_path)
    job = build_definitions(config).resolve_implicit_global_asset_job_def()

    result = job.execute_in_process(raise_on_error=False)

    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert checks["crm_quality"].passed
    shop = checks["shop_quality"]
    assert not shop.passed and shop.severity == dg.AssetCheckSeverity.ERROR
    failed = shop.metadata["failed"].value
    assert failed == "invalid_email failed for 2 of 4 values (50.0%; at most 5% allowed)"
    assert Path(str(shop.metadata["data_docs"].value)).is_file()
    materialized = {
        event.asset_key.to_user_string() for event in result.get_asset_materialization_events()
    }
    assert "customer_records" in materialized
    assert not materialized & {"customer_links", "golden_customers", "customer_warehouse"}
    assert _published_runs(config) == 0

    with pytest.raises(RunFailed, match="quality check `shop_quality` failed"):
        run_hub(config)


def test_a_non_blocking_expectation_warns_and_the_run_publishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("HUB_WAREHOUSE_URL", raising=False)
    config = _config(tmp_path, "    quality: {rules: {invalid_email: {blocking: false}}}\n")

    assert main(["run", "--config", str(tmp_path / "hub.yaml")]) == 0

    report = capsys.readouterr().out
    assert "shop: invalid_email failed for 2 of 4 values (50.0%; at most 5% allowed)" in report
    assert "blocks publishing" not in report
    assert _published_runs(config) == 1


DATED = """
sources:
  crm:
    connector: {kind: csv, path: crm.csv}
    primary_key: id
    trust_rank: 1
    fields:
      given_name: first
      family_name: last
      birth_date: {column: born, format: FORMAT}
      country: {value: DE}
"""


def test_a_wrong_date_format_fails_the_run_and_publishes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("HUB_WAREHOUSE_URL", raising=False)
    people = [("Anna", "Berg", "1980-02-01"), ("Bo", "Ek", "1975-07-15"), ("Eva", "Holm", "")]
    rows = [f"{n},{first},{last},{born}" for n, (first, last, born) in enumerate(people, 1)]
    (tmp_path / "crm.csv").write_text("id,first,last,born\n" + "\n".join(rows) + "\n")
    path = tmp_path / "hub.yaml"

    def run(date_format: str) -> int:
        path.write_text(DATED.replace("FORMAT", date_format))
        return main(["run", "--config", str(path)])

    def golden_ids() -> dict[str, str]:
        with sa.create_engine(load_config(path).warehouse.url).connect() as connection:
            rows = connection.execute(sa.text("SELECT source_key, golden_id FROM customer_xref"))
            return {str(key): str(golden_id) for key, golden_id in rows}

    assert run("YYYY-MM-DD") == 0
    before = golden_ids()
    capsys.readouterr()

    assert run("DD.MM.YYYY") == 1
    out = capsys.readouterr()
    report = out.out + out.err
    assert "invalid_date failed for 2 of 2 values (100.0%; at most 5% allowed)" in report
    assert "every expectation held" not in report
    assert _published_runs(load_config(path)) == 1
    assert golden_ids() == before

    assert run("YYYY-MM-DD") == 0
    assert golden_ids() == before
