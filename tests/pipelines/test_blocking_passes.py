"""Declared blocking passes add to the built-in ones, and `hub blocking` shows the passes
in force with what each found (issue 19: a user adding one pass for a national id lost
all twelve built-in passes without a word)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from matching import DEFAULT_BLOCKING_PASSES
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
      email: email
      country: {value: DE}
      attributes: {ssn: ssn}
  shop:
    connector: {kind: csv, path: shop.csv}
    primary_key: id
    trust_rank: 2
    fields:
      given_name: first
      family_name: last
      email: email
      country: {value: DE}
      attributes: {ssn: ssn}
matching:
  attributes: {ssn: {comparison: exact, identifies_person: true}}
  blocking_passes:
    - [ssn]
"""
CRM = "id,first,last,email,ssn\n1,Anna,Berg,anna@example.de,123-45-6789\n2,Bo,Ek,bo@example.de,\n"
# Anna's e-mail changed: only her number puts her two records side by side.
SHOP = (
    "id,first,last,email,ssn\nA,Ana,Bergh,a.berg@example.com,123-45-6789\nB,Bo,Ek,bo@example.de,\n"
)


def test_a_declared_pass_adds_to_the_built_in_ones_and_hub_blocking_shows_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("HUB_WAREHOUSE_URL", raising=False)
    (tmp_path / "crm.csv").write_text(CRM, encoding="utf-8")
    (tmp_path / "shop.csv").write_text(SHOP, encoding="utf-8")
    config = tmp_path / "hub.yaml"
    config.write_text(CONFIG, encoding="utf-8")

    assert main(["blocking", "--config", str(config)]) == 0
    before = capsys.readouterr().out
    assert f"{len(DEFAULT_BLOCKING_PASSES) + 1} passes in force" in before
    assert re.search(r"^email +built in +- +- +- +- +-$", before, re.MULTILINE)
    assert re.search(r"^ssn +declared +- +- +- +- +-$", before, re.MULTILINE)
    assert "No run has published yet" in before

    assert main(["run", "--config", str(config)]) == 0
    capsys.readouterr()
    assert main(["blocking", "--config", str(config)]) == 0
    after = capsys.readouterr().out
    # Bo's records share an e-mail address (a built-in pass); Anna's only their number.
    # Columns: estimated, pairs found, not found before, links, links alone.
    assert re.search(r"^email +built in +1 +1 +1 +1 +0$", after, re.MULTILINE)  # and full_name
    assert re.search(r"^ssn +declared +1 +1 +1 +1 +1$", after, re.MULTILINE)
    assert "Blocking recall, estimated without labels: 1.000" in after


REGISTER = """
sources:
  register:
    connector: {kind: csv, path: register.csv}
    primary_key: id
    trust_rank: 1
    fields:
      given_name: first
      family_name: last
      birth_date: born
      country: {value: DE}
      attributes: {customer_no: number}
"""


def test_hub_blocking_shows_the_passes_a_run_added_for_its_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("HUB_WAREHOUSE_URL", raising=False)
    # No e-mail or phone at all, and a customer number the matching section never declares.
    rows = [f"{n},Karl{n},Neumann,1980-01-{n % 28 + 1:02d},C{n:05d}" for n in range(30)]
    (tmp_path / "register.csv").write_text(
        "id,first,last,born,number\n" + "\n".join(rows) + "\n", encoding="utf-8"
    )
    config = tmp_path / "hub.yaml"
    config.write_text(REGISTER, encoding="utf-8")

    assert main(["run", "--config", str(config)]) == 0
    assert "blocking recall" in capsys.readouterr().out
    assert main(["blocking", "--config", str(config)]) == 0
    shown = capsys.readouterr().out

    assert re.search(r"^street +few contacts ", shown, re.MULTILINE)
    assert re.search(r"^family_name_soundex\+given_name_soundex +few contacts ", shown, re.M)
    assert re.search(r"^customer_no +mapped identifier ", shown, re.MULTILINE)
    assert "under half of its records had an e-mail address or a phone number" in shown
