"""Dagster wiring of syncs: schedules, the new-file sensor, retries, metadata, `hub sync`."""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import dagster as dg
import pandas as pd
import pytest
import sqlalchemy as sa

from pipelines.assets import source_key
from pipelines.cli import main
from pipelines.config import HubConfig, load_config
from pipelines.definitions import build_definitions
from pipelines.stages import sync_source
from warehouse import connect, landed_rows

CONFIG = """
warehouse: {url: "sqlite:///warehouse.sqlite"}
sources:
  shop:
    connector: {kind: csv, path: "drops/customers_*.csv"}
    primary_key: id
    trust_rank: 1
    fields: {given_name: first, email: mail}
    sync: {schedule: "15 * * * *"}
  crm:
    connector: {kind: sql, url: "postgresql+psycopg://nobody@127.0.0.1:1/none", table: CUSTOMER}
    primary_key: CUST_NO
    trust_rank: 2
    fields: {email: MAIL}
    sync: {max_retries: 1, retry_delay_seconds: 0}
"""


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> HubConfig:
    monkeypatch.delenv("HUB_WAREHOUSE_URL", raising=False)
    (tmp_path / "drops").mkdir()
    (tmp_path / "drops" / "customers_01.csv").write_text(
        'id,first,mail\n1,Anna,a@x.de\n2,"Bob",b@x.de,EXTRA\n3,Cem,c@x.de\n'
    )
    (tmp_path / "hub.yaml").write_text(CONFIG)
    return load_config(tmp_path / "hub.yaml")


def test_each_source_has_a_sync_job_and_its_schedule(config: HubConfig) -> None:
    defs = build_definitions(config)
    assert {job.name for job in defs.jobs or []} == {"sync_shop", "sync_crm"}
    (schedule,) = defs.schedules or []
    assert (schedule.name, schedule.cron_schedule) == ("sync_shop_schedule", "15 * * * *")


def test_new_files_sensor_requests_one_sync_per_new_file(config: HubConfig) -> None:
    defs = build_definitions(config)
    sensor = defs.resolve_sensor_def("shop_new_files")
    first = sensor.evaluate_tick(dg.build_sensor_context(cursor=None))
    assert len(first.run_requests or []) == 1
    quiet = sensor.evaluate_tick(dg.build_sensor_context(cursor=first.cursor))
    assert not quiet.run_requests
    drop = Path(config.sources["shop"].connector.path).parent / "customers_02.csv"  # type: ignore[union-attr]
    drop.write_text("id,first,mail\n4,Dee,d@x.de\n")
    later = dt.datetime.fromisoformat(first.cursor or "").timestamp() + 60
    os.utime(drop, (later, later))
    second = sensor.evaluate_tick(dg.build_sensor_context(cursor=first.cursor))
    (request,) = second.run_requests or []
    assert request.tags["hub/files"] == "customers_02.csv"


def test_sync_asset_reports_its_figures_and_quarantines_unreadable_lines(
    config: HubConfig,
) -> None:
    defs = build_definitions(config)
    job = defs.resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(asset_selection=[source_key("shop")])
    (materialization,) = result.asset_materializations_for_node("source__shop")
    figures = {k: v.value for k, v in materialization.metadata.items()}
    assert (figures["read"], figures["new"], figures["quarantined"]) == (3, 2, 1)
    engine = sa.create_engine(config.warehouse.url)
    with engine.connect() as connection:
        held = pd.read_sql_table("quarantine", connection)
    assert held[["stage", "location", "rule"]].values.tolist() == [
        ["sync", "customers_01.csv line 3", "unreadable_row"]
    ]
    assert "expected 3 fields, found 4" in held["detail"].iloc[0]
    assert held["payload"].iloc[0]["raw"].startswith("2,")


def test_an_unreachable_source_is_retried_then_fails_alone(config: HubConfig) -> None:
    defs = build_definitions(config)
    job = defs.resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(
        asset_selection=[source_key("shop"), source_key("crm")], raise_on_error=False
    )
    retries = [e for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]
    assert [e.step_key for e in retries] == ["source__crm"]
    assert not result.success
    assert result.asset_materializations_for_node("source__shop")


def test_stages_are_retried_while_the_warehouse_is_out_of_reach_and_a_lasting_fault_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("HUB_WAREHOUSE_URL", raising=False)
    (tmp_path / "hub.yaml").write_text(
        """
warehouse:
  url: "postgresql+psycopg://nobody@127.0.0.1:1/none"
  max_retries: 1
  retry_delay_seconds: 0
sources:
  shop:
    connector: {kind: csv, path: "missing/customers.csv"}
    primary_key: id
    trust_rank: 1
    fields: {email: mail}
    sync: {max_retries: 1, retry_delay_seconds: 0}
"""
    )
    defs = build_definitions(load_config(tmp_path / "hub.yaml"))
    job = defs.resolve_implicit_global_asset_job_def()

    stage = job.execute_in_process(
        asset_selection=[dg.AssetKey("customer_records")], raise_on_error=False
    )
    retried = [e.step_key for e in stage.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]
    assert retried == ["customer_records"]
    assert "step customer_records: cannot reach the warehouse at postgresql" in caplog.text
    assert "trying again in 0 s (retry 1 of 1)" in caplog.text
    (failure,) = [e for e in stage.all_events if e.is_step_failure]
    assert "cannot reach the warehouse" in str(failure.step_failure_data.error)

    monkeypatch.setenv("HUB_WAREHOUSE_URL", f"sqlite:///{tmp_path / 'warehouse.sqlite'}")
    defs = build_definitions(load_config(tmp_path / "hub.yaml"))
    job = defs.resolve_implicit_global_asset_job_def()
    sync = job.execute_in_process(asset_selection=[source_key("shop")], raise_on_error=False)
    assert not sync.success
    assert not [e for e in sync.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]


@pytest.mark.services
def test_a_warehouse_that_refuses_the_login_is_not_retried(
    tmp_path: Path, postgresql_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    refused = sa.make_url(postgresql_url).set(username="no_such_role_here")
    monkeypatch.setenv("HUB_WAREHOUSE_URL", refused.render_as_string(hide_password=False))
    (tmp_path / "hub.yaml").write_text(
        """
warehouse: {max_retries: 2, retry_delay_seconds: 0}
sources:
  shop:
    connector: {kind: csv, path: customers.csv}
    primary_key: id
    trust_rank: 1
    fields: {email: mail}
"""
    )
    job = build_definitions(
        load_config(tmp_path / "hub.yaml")
    ).resolve_implicit_global_asset_job_def()

    stage = job.execute_in_process(
        asset_selection=[dg.AssetKey("customer_records")], raise_on_error=False
    )

    assert not [e for e in stage.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]
    (failure,) = [e for e in stage.all_events if e.is_step_failure]
    error = str(failure.step_failure_data.error)
    assert 'role "no_such_role_here" does not exist' in error
    assert "Check `warehouse.url` (or HUB_WAREHOUSE_URL)" in error


def test_hub_sync_command_syncs_the_named_sources(
    config: HubConfig, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sync", "shop", "--config", str(tmp_path / "hub.yaml")]) == 0
    out = capsys.readouterr().out
    assert "shop" in out and "crm" not in out
    assert main(["sync", "shop", "--config", str(tmp_path / "hub.yaml")]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if "shop" in line)
    assert line.split()[1:5] == ["0", "0", "0", "2"]  # read, new, changed, unchanged
    assert "its files as the last sync read them: not read again" in line
    assert main(["sync", "nowhere", "--config", str(tmp_path / "hub.yaml")]) == 2
    assert main(["sync", "--config", str(tmp_path / "hub.yaml")]) == 1
    assert "crm" in capsys.readouterr().out


class _CustomerApi(BaseHTTPRequestHandler):
    """Pages of customers, two at a time, filtered by `updated_since`; needs a bearer token."""

    customers: list[dict[str, object]] = []

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        if self.headers.get("Authorization") != "Bearer s3cret":
            self.send_response(401)
            self.end_headers()
            return
        query = parse_qs(urlsplit(self.path).query)
        since = query.get("updated_since", [""])[0]
        page = int(query.get("page", ["1"])[0])
        rows = [c for c in self.customers if str(c["updated_at"]) > since]
        body = json.dumps({"data": rows[(page - 1) * 2 : page * 2]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def customer_api() -> Iterator[str]:
    _CustomerApi.customers = [
        {"id": n, "email": f"c{n}@x.no", "updated_at": f"2026-11-0{n}T10:00:00Z"} for n in (1, 2, 3)
    ]
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CustomerApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/customers"
    server.shutdown()


def test_a_rest_source_syncs_incrementally(
    customer_api: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("API_TOKEN", "s3cret")
    (tmp_path / "hub.yaml").write_text(
        f"""
sources:
  app:
    connector:
      kind: rest
      url: {customer_api}
      records_path: data
      pagination: {{style: page_number}}
      auth: {{kind: bearer, token_env: API_TOKEN}}
      cursor_field: updated_at
      since_param: updated_since
    primary_key: id
    trust_rank: 1
    fields: {{email: email}}
    sync: {{mode: incremental}}
"""
    )
    config = load_config(tmp_path / "hub.yaml")
    engine = connect(f"sqlite:///{tmp_path / 'warehouse.sqlite'}")
    first = sync_source(engine, "app", config.sources["app"])
    assert (first.rows_read, first.new, first.cursor_after) == (3, 3, "2026-11-03T10:00:00Z")

    _CustomerApi.customers.append(
        {"id": 4, "email": "c4@x.no", "updated_at": "2026-11-05T08:00:00Z"}
    )
    second = sync_source(engine, "app", config.sources["app"])
    assert (second.rows_read, second.new, second.unchanged) == (1, 1, 0)
    assert landed_rows(engine, "app")["email"].tolist() == [f"c{n}@x.no" for n in (1, 2, 3, 4)]
