"""What a data engineer tries first with the `hub` command: its version, a run where there
is no config, and `hub check` on a config before anything runs."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

from pipelines.cli import main
from pipelines.config import CONFIG_ENV, WAREHOUSE_URL_ENV

CUSTOMERS = "id,surname,first,mail\n1,Berg,Ola,ola@example.no\n2,Dahl,Kari,kari@example.no\n"
NO_MAIL = "id,surname,first\n1,Berg,Ola\n"

CONFIG = """
sources:
  billing:
    connector: {{kind: csv, path: billing.csv}}
    primary_key: id
    trust_rank: 1
    fields: {{family_name: surname, given_name: first, email: mail}}
  app:
    connector: {{kind: jsonl, path: app.jsonl}}
    primary_key: uid
    trust_rank: 2
    fields: {{full_name: name, email: login}}
{extra}
"""

BROKEN = """
  shop:
    connector: {{kind: csv, path: shop.csv}}
    primary_key: id
    trust_rank: 3
    fields: {{family_name: surname, given_name: first, email: mail}}
  archive:
    connector: {{kind: csv, path: archive/customers.csv}}
    primary_key: id
    trust_rank: 4
    fields: {{family_name: surname}}
  partner_api:
    connector:
      kind: rest
      url: {url}
      records_path: data
      auth: {{kind: bearer, token_env: PARTNER_TOKEN}}
    primary_key: id
    trust_rank: 5
    fields: {{family_name: surname}}
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with two readable sources; the warehouse is the config's default file."""
    (tmp_path / "billing.csv").write_text(CUSTOMERS, encoding="utf-8")
    users = [{"uid": "u1", "name": "Ola Berg", "login": "ola@example.no"}]
    (tmp_path / "app.jsonl").write_text("\n".join(json.dumps(u) for u in users), encoding="utf-8")
    monkeypatch.delenv(WAREHOUSE_URL_ENV, raising=False)
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    return tmp_path


@pytest.fixture
def refusing_api() -> Iterator[str]:
    """A real HTTP server that refuses every request as unauthorised."""

    class Refuse(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(401)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"error": "bad token"}')

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Refuse)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/customers"
    server.shutdown()
    server.server_close()


def _lines(out: str, status: str) -> dict[str, str]:
    """The lines of `hub check` with this status, by what they are about."""
    found = {}
    for line in out.splitlines():
        if line.startswith(f"  {status} "):
            about = line.split()[1].rstrip(":")
            found[about] = line
    return found


def test_version_names_the_installed_release(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"hub {version('customer-hub')}"


def test_run_outside_a_project_says_which_config_it_looked_for_and_how_to_make_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(CONFIG_ENV, raising=False)

    assert main(["run"]) == 2

    err = capsys.readouterr().err
    assert f"no config file at {tmp_path / 'hub.yaml'}" in err
    assert "--config FILE" in err and CONFIG_ENV in err
    assert "hub demo --generate-only" in err
    assert not list(tmp_path.iterdir()), "nothing is written where there is no config"


def test_the_config_file_can_come_from_the_environment(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = project / "elsewhere.yaml"
    config.write_text(CONFIG.format(extra=""), encoding="utf-8")
    monkeypatch.chdir(project.parent)
    monkeypatch.setenv(CONFIG_ENV, str(config))

    assert main(["check"]) == 0
    assert f"Config {config}: valid" in capsys.readouterr().out


def test_check_reaches_every_source_and_the_warehouse_and_writes_nothing(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = project / "hub.yaml"
    config.write_text(CONFIG.format(extra=""), encoding="utf-8")

    assert main(["check", "--config", str(config)]) == 0

    out = capsys.readouterr().out
    ok = _lines(out, "ok")
    assert "read its first 2 row(s); the 4 mapped columns are there" in ok["billing"]
    assert "read its first 1 row(s)" in ok["app"]
    assert "no schema yet; the first run creates it" in ok["warehouse"]
    assert "All 2 source(s) and the warehouse can be reached; nothing was run." in out
    assert not (project / "warehouse.sqlite").exists()


def test_check_names_each_source_that_cannot_be_used_and_still_tries_the_rest(
    project: Path,
    refusing_api: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (project / "shop.csv").write_text(NO_MAIL, encoding="utf-8")
    config = project / "hub.yaml"
    config.write_text(CONFIG.format(extra=BROKEN.format(url=refusing_api)), encoding="utf-8")
    monkeypatch.setenv("PARTNER_TOKEN", "s3cret-token")
    # Nothing listens on port 9: the warehouse cannot be reached.
    monkeypatch.setenv(WAREHOUSE_URL_ENV, "postgresql+psycopg://hub:pw@127.0.0.1:9/hub")

    assert main(["check", "--config", str(config)]) == 1

    out = capsys.readouterr().out
    failed = _lines(out, "FAIL")
    assert set(failed) == {"shop", "archive", "partner_api", "warehouse"}
    assert "mapped column `mail` is not in the source" in failed["shop"]
    assert "archive/customers.csv does not exist" in failed["archive"]
    assert "401" in failed["partner_api"]
    assert "cannot reach the warehouse at postgresql+psycopg://hub:***@127.0.0.1:9" in out
    assert "s3cret-token" not in out and ":pw@" not in out
    assert set(_lines(out, "ok")) == {"billing", "app"}
    assert "4 of 6 cannot be used as declared; nothing was run." in out


def test_check_on_a_published_warehouse_reads_its_schema_and_changes_nothing(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = project / "hub.yaml"
    config.write_text(CONFIG.format(extra=""), encoding="utf-8")
    assert main(["db", "upgrade", "--config", str(config)]) == 0
    warehouse = project / "warehouse.sqlite"
    before = hashlib.sha256(warehouse.read_bytes()).hexdigest()
    capsys.readouterr()

    assert main(["check", "--config", str(config)]) == 0

    assert "schema revision" in _lines(capsys.readouterr().out, "ok")["warehouse"]
    assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == before


def test_a_json_source_whose_first_rows_lack_a_mapped_column_is_a_warning(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = project / "hub.yaml"
    config.write_text(CONFIG.format(extra="").replace("login}", "e_mail}"), encoding="utf-8")

    assert main(["check", "--config", str(config)]) == 0

    warned = _lines(capsys.readouterr().out, "warn")
    assert "none of them has the mapped `e_mail`" in warned["app"]
