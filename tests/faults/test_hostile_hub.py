"""Hostile files through the command line: `hub sync`, and `hub run` up to the golden
records (issue 18, item 14).

Rows in the file add up to what the sync landed and held back; the rows landed add up to
the records standardized and the rows the quality stage held back; and every customer
whose key is still in the file keeps a record, and with it a golden customer.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.cli import main
from pipelines.config import WAREHOUSE_URL_ENV
from tests.faults.conservation import assert_conserved, source_landing
from tests.faults.hostile_files import (
    DEEP_NESTING,
    HUGE_NUMBER,
    FileVersions,
    HostileFile,
    Kind,
    RecordLine,
    file_versions,
)

# The hostile values are what is tested here, not the e-mail rule: it must not stop a run.
CONFIG = """
sources:
  shop:
    connector: {connector}
    primary_key: id
    trust_rank: 1
    fields: {{given_name: first, family_name: last, email: mail}}
    quality: {{rules: {{invalid_email: {{blocking: false}}}}}}
"""


def _write_config(folder: Path, file: HostileFile) -> Path:
    config = folder / "hub.yaml"
    connector = json.dumps(file.connector(file.name))  # JSON is YAML
    config.write_text(CONFIG.format(connector=connector), encoding="utf-8")
    return config


def _hub(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        status = main(list(args))
    return status, out.getvalue()


def _live_keys(url: str) -> set[str]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        keys = connection.execute(
            sa.text("SELECT source_key FROM source_record WHERE deleted_at IS NULL")
        ).scalars()
        live = set(keys)
    engine.dispose()
    return live


def _sync_twice(folder: Path, versions: FileVersions, url: str) -> set[str] | None:
    """`hub sync` of the clean file, then of the hostile one; the keys live in between, or
    ``None`` where the hostile file is refused as empty."""
    config = _write_config(folder, versions.clean)
    versions.clean.write(folder)
    status, out = _hub("sync", "--config", str(config))
    assert status == 0, out
    landed_before = _live_keys(url)
    versions.hostile.write(folder)
    _write_config(folder, versions.hostile)
    status, out = _hub("sync", "--config", str(config))
    if not versions.hostile.lines and landed_before:
        # An export that came out empty: refused, so that nothing is marked deleted.
        assert status == 1, out
        assert "a full refresh read no rows" in out
        assert _live_keys(url) == landed_before
        return None
    held = "rows gone from the source are not marked deleted" in out
    assert status == (1 if held else 0), out
    return landed_before


@contextlib.contextmanager
def _sqlite_warehouse() -> Iterator[tuple[Path, str]]:
    """A scratch folder with a SQLite warehouse in it, which `hub` commands use meanwhile."""
    with tempfile.TemporaryDirectory() as name, pytest.MonkeyPatch.context() as env:
        folder = Path(name)
        url = f"sqlite:///{folder / 'warehouse.sqlite'}"
        env.setenv(WAREHOUSE_URL_ENV, url)
        yield folder, url


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_hub_sync_of_a_hostile_file_keeps_every_line_and_each_customer_still_there(
    kind: Kind, data: st.DataObject
) -> None:
    versions: FileVersions = data.draw(file_versions(kind), label="versions")
    with _sqlite_warehouse() as (folder, url):
        landed_before = _sync_twice(folder, versions, url)
        if landed_before is not None:
            engine = sa.create_engine(url)
            assert_conserved(source_landing(engine, "shop"), versions.hostile, landed_before)
            engine.dispose()


def _tables(url: str, *names: str) -> dict[str, pd.DataFrame]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        tables = {name: pd.read_sql_table(name, connection) for name in names}
    engine.dispose()
    return tables


def _run_twice(folder: Path, versions: FileVersions, url: str) -> set[str]:
    """`hub run` on the clean file, then on the hostile one, deletions allowed; the keys
    live in between."""
    config = _write_config(folder, versions.clean)
    versions.clean.write(folder)
    status, out = _hub("run", "--config", str(config))
    assert status == 0, out
    landed_before = _live_keys(url)
    versions.hostile.write(folder)
    _write_config(folder, versions.hostile)
    status, out = _hub("run", "--allow-deletes", "--config", str(config))
    assert status == 0, out
    return landed_before


def assert_run_conserved(url: str, versions: FileVersions, landed_before: set[str]) -> None:
    """The landing adds up, and so do the records made of it, up to the golden records."""
    engine = sa.create_engine(url)
    landing = source_landing(engine, "shop")
    engine.dispose()
    assert_conserved(landing, versions.hostile, landed_before)
    tables = _tables(url, "customer_record", "quarantine", "customer_xref")
    records = set(tables["customer_record"]["source_key"])
    held = tables["quarantine"]
    held_by_quality = held[(held["stage"] == "quality") & (held["source_key"].notna())]
    quality_keys = set(held_by_quality["source_key"])
    assert not records & quality_keys, "a record both standardized and held back"
    assert records | quality_keys == landing.live_keys, "landed rows lost by the quality stage"
    assert set(tables["customer_xref"]["source_key"]) == records, "a record without a customer"
    still_there = versions.hostile.readable_keys & landed_before
    assert still_there <= records | quality_keys


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["csv", "jsonl"])
@settings(max_examples=3, deadline=None)
@given(data=st.data())
def test_hub_run_on_a_hostile_file_keeps_every_customer_still_in_it(
    kind: Kind, data: st.DataObject
) -> None:
    versions: FileVersions = data.draw(file_versions(kind), label="versions")
    with _sqlite_warehouse() as (folder, url):
        landed_before = _run_twice(folder, versions, url)
        assert_run_conserved(url, versions, landed_before)


# --- every kind of damage at once, on SQLite and PostgreSQL ---------------------------

_PEOPLE = [
    ("Anna", "Berg"),
    ("Bo", "Ek"),
    ("Cy", "Dahl"),
    ("Di", "Falk"),
    ("Eva", "Holm"),
    ("Fred", "Lund"),
    ("Gus", "Nord"),
    ("Hel", "Ros"),
]


def _clean_csv() -> bytes:
    rows = [
        f"K{n},{first},{last},{first.lower()}@example.com,ok"
        for n, (first, last) in enumerate(_PEOPLE, 1)
    ]
    return ("id,first,last,mail,note\n" + "\n".join(rows) + "\n").encode()


# Line by line: a stray quote, a delimiter too many, a Latin-1 byte, a NUL and a bell, a
# key written in full-width letters, a blank line, junk, a line cut short in a quote.
_HOSTILE_CSV = (
    b"\xef\xbb\xbfid,first,last,mail,note\r\n"
    b'K1,Anna,Berg,anna@example.com,"said hi\r\n'
    b"K2,Bo,Ek, Jr.,bo@example.com,ok\r\n"
    b"K3,Cy,Dahl,cy@example.com,caf\xe9\r\n"
    b"K4,D\x00i,Fa\x07lk,di@example.com,ok\r\n"
    b"\r\n" + "\uff2b5,Eva,Holm,eva@example.com,ok\r\n".encode() + b"garbage\r\n"
    b"K6,Fred,Lund,fred@example.com,ok\r\n"
    b'K7,Gus,Nord,gus@example.com,"cut sho'
)


def _clean_jsonl() -> bytes:
    return "".join(
        json.dumps({"id": f"K{n}", "first": first, "last": last, "mail": f"{first}@example.com"})
        + "\n"
        for n, (first, last) in enumerate(_PEOPLE, 1)
    ).encode()


_HOSTILE_JSONL = (
    b'{"id": "K1", "first": "Anna", "last": "Berg", "n": ' + HUGE_NUMBER.encode() + b"}\n"
    b'{"id": "K2", "first": "Bo", "last": "Ek", "d": ' + DEEP_NESTING.encode() + b"}\n"
    b'{"id": "K3", "first": "Cy", "last": "Dahl\\ud800"}\n'
    b'{"id": "K4", "first": "Di\x00", "last": "Falk"}\n'
    b'{"id": "K5", "first": "Eva", "last": "Holm\xe9"}\n'
    b"\n"
    b'["not", "an", "object"]\n'
    b'{"id": "K6", "first": "Fred", "last": "Lund", "mail": "fred@example.com"}\n'
    b'{"id": "K7", "first": "Gus", "last": "No'
)


def _versions(
    kind: Kind, clean: bytes, hostile: bytes, lines: list[tuple[int, str | None]]
) -> FileVersions:
    keys = frozenset(f"K{n}" for n in range(1, len(_PEOPLE) + 1))
    clean_lines = tuple(
        RecordLine(n + (kind == "csv"), f"K{n}", None) for n in range(1, len(_PEOPLE) + 1)
    )
    hostile_lines = tuple(RecordLine(number, key, None) for number, key in lines)
    return FileVersions(
        HostileFile(kind, "utf-8", clean, clean_lines, keys),
        HostileFile(kind, "utf-8", hostile, hostile_lines, keys - {"K8"}),
    )


WORST_FILES = {
    "csv": _versions(
        "csv",
        _clean_csv(),
        _HOSTILE_CSV,
        [(2, "K1"), (3, "K2"), (4, "K3"), (5, "K4"), (7, "K5"), (8, None), (9, "K6"), (10, "K7")],
    ),
    "jsonl": _versions(
        "jsonl",
        _clean_jsonl(),
        _HOSTILE_JSONL,
        [(1, "K1"), (2, "K2"), (3, "K3"), (4, "K4"), (5, "K5"), (7, None), (8, "K6"), (9, "K7")],
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_hub_run_on_the_worst_of_files_keeps_every_customer_still_in_it(
    tmp_path: Path, warehouse_url: str, monkeypatch: pytest.MonkeyPatch, kind: Kind
) -> None:
    """K8 is gone from the file: the only customer to leave."""
    monkeypatch.setenv(WAREHOUSE_URL_ENV, warehouse_url)
    versions = WORST_FILES[kind]
    landed_before = _run_twice(tmp_path, versions, warehouse_url)
    assert landed_before == {f"K{n}" for n in range(1, 9)}

    assert_run_conserved(warehouse_url, versions, landed_before)
    assert _live_keys(warehouse_url) == landed_before - {"K8"}
    golden = _tables(warehouse_url, "golden_customer")["golden_customer"]
    assert len(golden) == 7
