"""Hostile CSV and JSON-lines files, read and keyed for the landing (issue 18, item 14).

Every record line of a file lands or is held back, exactly once, at its own location; a
line written whole lands with exactly the values written; and a line whose damage left its
key whole carries that key, landed or held back, so that a full refresh knows it is still
there. The plain tests below each keep an example that broke the reader.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from connectors import ConnectorSpec, keyed_rows, read_batches
from tests.faults.hostile_files import (
    DEEP_NESTING,
    HUGE_NUMBER,
    KEY,
    FileVersions,
    HostileFile,
    Kind,
    RecordLine,
    file_versions,
)

_connector = TypeAdapter(ConnectorSpec)


def read_and_key(file: HostileFile, folder: Path, batch_rows: int) -> tuple[pd.DataFrame, ...]:
    """The rows ``keyed_rows`` lands and holds back, over every batch of the file."""
    spec = _connector.validate_python(file.connector(file.write(folder)))
    landed, held, seen = [], [], set[str]()
    for batch in read_batches(spec, "shop", batch_rows=batch_rows):
        to_land, to_hold = keyed_rows(batch, KEY, seen)
        landed.append(to_land)
        held.append(to_hold)
    return pd.concat(landed, ignore_index=True), pd.concat(held, ignore_index=True)


def assert_accounted(file: HostileFile, landed: pd.DataFrame, held: pd.DataFrame) -> None:
    """Each record line landed or held back once, with the key and values it carries."""
    found = sorted([*landed["location"], *held["location"]])
    assert found == sorted(file.location(line) for line in file.lines), "lines lost or doubled"
    assert landed["source_key"].is_unique
    landed_at = {row["location"]: row for row in landed.to_dict("records")}
    held_at = {row["location"]: row for row in held.to_dict("records")}
    for line in file.lines:
        location = file.location(line)
        if location in landed_at:
            _assert_landed(line, landed_at[location])
        else:
            _assert_held(line, held_at[location], set(landed["source_key"]))


def _assert_landed(line: RecordLine, row: Mapping[Hashable, Any]) -> None:
    if line.key is not None:
        assert row["source_key"] == line.key
    if line.values is not None:
        assert json.loads(row["payload_json"]) == line.values, "a whole line lands as written"


def _assert_held(line: RecordLine, row: Mapping[Hashable, Any], landed_keys: set[str]) -> None:
    reason = f"{row['rule']}: {row['detail']}"
    if line.key is not None:
        assert row["source_key"] == line.key, f"line {line.number} lost its key ({reason})"
    if line.values is None:
        return
    if line.key is None:
        assert row["rule"] == "missing_source_key", reason
    else:
        assert row["rule"] == "duplicate_source_key", f"a whole line held back: {reason}"
        assert line.key in landed_keys


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
@settings(max_examples=120, deadline=None)
@given(data=st.data())
def test_every_record_line_lands_or_is_held_back_once_with_the_key_it_still_has(
    kind: Kind, data: st.DataObject
) -> None:
    versions: FileVersions = data.draw(file_versions(kind), label="versions")
    batch_rows = data.draw(st.sampled_from([2, 50_000]), label="batch_rows")
    for file in (versions.clean, versions.hostile):
        with tempfile.TemporaryDirectory() as folder:
            landed, held = read_and_key(file, Path(folder), batch_rows)
        assert_accounted(file, landed, held)
        if file is versions.clean:
            assert "unreadable_row" not in set(held["rule"]), "a clean file reads clean"


# --- the examples that broke reading, kept --------------------------------------------


def _file(
    kind: Kind, content: bytes, lines: list[RecordLine], encoding: str = "utf-8"
) -> HostileFile:
    keys = frozenset(line.key for line in lines if line.key is not None)
    return HostileFile(kind, encoding, content, tuple(lines), keys)


def _line(number: int, key: str | None) -> RecordLine:
    return RecordLine(number, key, None)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (f'{{"id": "K2", "n": {HUGE_NUMBER}}}', "not JSON the hub can read: Exceeds the limit"),
        (f'{{"id": "K2", "d": {DEEP_NESTING}}}', "not JSON the hub can read: values nested"),
        ('{"id": "K2", "note": "\\ud800"}', "column `note` holds half of a UTF-16 surrogate"),
        ('{"id": "K2", "note": "a\x00b"}', "not JSON: Invalid control character at column 24"),
    ],
    ids=["integer-over-4300-digits", "nested-too-deep", "lone-surrogate", "raw-nul"],
)
def test_json_python_cannot_take_costs_its_line_not_the_sync(
    tmp_path: Path, content: str, reason: str
) -> None:
    # The first two stopped the sync with ValueError and RecursionError; the third landed,
    # then stopped it with UnicodeEncodeError on writing to the warehouse.
    text = '{"id": "K1"}\n' + content + '\n{"id": "K3"}\n'
    file = _file("jsonl", text.encode(), [_line(1, "K1"), _line(2, "K2"), _line(3, "K3")])
    landed, held = read_and_key(file, tmp_path, batch_rows=10)
    assert landed["source_key"].tolist() == ["K1", "K3"]
    assert held[["source_key", "rule"]].values.tolist() == [["K2", "unreadable_row"]]
    assert held["detail"][0].startswith(reason)


def test_a_json_array_python_cannot_take_is_rejected_not_raised(tmp_path: Path) -> None:
    path = tmp_path / "shop.json"
    for document in (f'[{{"id": {HUGE_NUMBER}}}]', f'[{{"id": "K1", "d": {DEEP_NESTING}}}]'):
        path.write_text(document, encoding="utf-8")
        spec = _connector.validate_python({"kind": "json", "path": str(path)})
        (batch,) = read_batches(spec, "shop")
        assert batch.rows.empty
        assert batch.rejected[0].reason.startswith("not JSON the hub can read")
    path.write_text('[{"id": "K1", "note": "\\udfff"}, {"id": "K2"}]', encoding="utf-8")
    (batch,) = read_batches(_connector.validate_python({"kind": "json", "path": str(path)}), "x")
    assert batch.rows["id"].tolist() == ["K2"]
    assert batch.rejected[0].values == {"id": "K1"}


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ('K21,Ann,Lee,ann@example.com,"said hi', "K21"),
        ("K21,Ann,Lee, Jr.,ann@example.com,note", "K21"),
        ("K21,Ann,ann@example.com,note", "K21"),
        ("K21,Ann,Lee,ann@example.com,caf\xe9", "K21"),
        ('"K21,Ann,Lee,ann@example.com,note', None),
        ("K2\xe91,Ann,Lee,ann@example.com,note", None),
    ],
    ids=[
        "stray-quote",
        "a-delimiter-too-many",
        "a-field-left-out",
        "latin-1-byte",
        "quote-before-the-key",
        "latin-1-byte-in-the-key",
    ],
)
def test_a_rejected_csv_line_keeps_the_key_in_front_of_its_damage(
    tmp_path: Path, line: str, key: str | None
) -> None:
    content = ("id,first,last,mail,note\n" + line + "\nK22,Bo,Ek,bo@example.com,\n").encode(
        "latin-1"
    )
    file = _file("csv", content, [_line(2, key), _line(3, "K22")])
    landed, held = read_and_key(file, tmp_path, batch_rows=10)
    assert landed["source_key"].tolist() == ["K22"]
    assert held[["source_key", "location", "rule"]].values.tolist() == [
        [key, "customers.csv line 2", "unreadable_row"]
    ]


@pytest.mark.parametrize(
    ("cut", "key"),
    [("K21,Ann,Le", "K21"), ("K21,", "K21"), ("K21", None), ('K21,"Ann', "K21")],
    ids=["in-a-field", "after-the-key", "in-the-key", "in-a-quote"],
)
def test_a_last_line_cut_short_keeps_only_a_key_it_holds_whole(
    tmp_path: Path, cut: str, key: str | None
) -> None:
    content = ("id,first,last,mail\nK20,Bo,Ek,bo@example.com\n" + cut).encode()
    file = _file("csv", content, [_line(2, "K20"), _line(3, key)])
    _, held = read_and_key(file, tmp_path, batch_rows=10)
    assert held["source_key"].tolist() == [key]


def test_rows_under_a_header_that_gained_a_column_keep_their_keys(tmp_path: Path) -> None:
    # Hypothesis's first find: every row one field short, every key lost, so a full
    # refresh would have marked the whole source deleted but for the deletion guard.
    content = b"id,first,last,mail,note,added\n\nK1,,,,\nK2,Bo,Ek,bo@example.com,ok"
    file = _file("csv", content, [_line(3, "K1"), _line(4, "K2")])
    landed, held = read_and_key(file, tmp_path, batch_rows=10)
    assert landed.empty
    assert held["source_key"].tolist() == ["K1", "K2"]
    assert held["detail"].tolist() == ["expected 6 fields, found 5"] * 2


@pytest.mark.parametrize(
    ("cut", "key"),
    [
        ('{"id": 4}"', "4"),
        ('{"id": "K21", "first": "An', "K21"),
        ('{"id": "K21"', "K21"),
        ('{"id": 21, "first"', "21"),
        ('{"id": 21', None),
        ('{"first": "Ann", "id": "K2', None),
    ],
    ids=[
        "junk-after-the-object",
        "in-a-value",
        "after-a-string-key",
        "after-a-number-key",
        "in-a-number-key",
        "in-the-key",
    ],
)
def test_a_broken_json_line_keeps_only_a_key_it_holds_whole(
    tmp_path: Path, cut: str, key: str | None
) -> None:
    content = ('{"id": "K20"}\n' + cut).encode()
    file = _file("jsonl", content, [_line(1, "K20"), _line(2, key)])
    _, held = read_and_key(file, tmp_path, batch_rows=10)
    assert held["source_key"].tolist() == [key]


def test_keys_the_quality_stage_reads_as_one_are_one_key_at_the_landing(tmp_path: Path) -> None:
    # Landed as two keys before, then both quarantined as duplicates by the quality stage,
    # whose blocking duplicate check stopped the run from publishing.
    content = "id,first\nK17,Ann\n\uff2b17,Ann\nK 18,Bo\nK  18,Bo\n\tK19\x00,Cy\n".encode()
    file = _file("csv", content, [_line(n, k) for n, k in [(2, "K17"), (3, "K17")]])
    landed, held = read_and_key(file, tmp_path, batch_rows=10)
    assert landed["source_key"].tolist() == ["K17", "K 18", "K19"]
    assert held[["source_key", "rule"]].values.tolist() == [
        ["K17", "duplicate_source_key"],
        ["K 18", "duplicate_source_key"],
    ]


def test_a_key_longer_than_the_warehouse_keeps_is_held_back(tmp_path: Path) -> None:
    long_key = "K" + "9" * 250
    content = f"id,first\n{long_key},Ann\nK2,Bo\n{long_key[:-1]},\n".encode()
    file = _file("csv", content, [])
    landed, held = read_and_key(file, tmp_path, batch_rows=10)
    assert landed["source_key"].tolist() == ["K2"]
    assert held["rule"].tolist() == ["source_key_too_long", "source_key_too_long"]
    assert held["source_key"].isna().all()
    assert "has 251 characters; a key may have 200" in held["detail"][0]
