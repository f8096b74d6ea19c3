"""Reading files in batches: every format, bad input as rejects, globs and the file cursor."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pydantic import ValidationError

from connectors.batch import RejectedRow, RowBatch
from connectors.exceptions import SourceNotFound, SourceSchemaError
from connectors.files import (
    read_delimited_batches,
    read_json_array_batches,
    read_json_lines_batches,
    read_parquet_batches,
)
from connectors.read import read_source
from connectors.spec import CsvConnector, JsonArrayConnector, JsonLinesConnector, ParquetConnector


def _all(batches: Iterator[RowBatch]) -> tuple[list[dict[str, str | None]], list[str], list]:
    """Rows, locations and rejects of every batch, in order."""
    rows: list[dict[str, str | None]] = []
    locations: list[str] = []
    rejected: list[RejectedRow] = []
    for batch in batches:
        rows += batch.rows.to_dict("records")
        locations += batch.locations.tolist()
        rejected += batch.rejected
    return rows, locations, rejected


def _csv(path: Path, **options: object) -> CsvConnector:
    return CsvConnector.model_validate({"kind": "csv", "path": str(path), **options})


def _at(path: Path, moment: str) -> Path:
    since_epoch = dt.datetime.fromisoformat(moment) - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    nanoseconds = since_epoch // dt.timedelta(microseconds=1) * 1000
    os.utime(path, ns=(nanoseconds, nanoseconds))
    return path


@pytest.mark.parametrize(
    ("content", "options", "expected"),
    [
        (
            'id,zip,name\nWS-1,01067,"Anna, Maria"\nWS-2,,Bill\n',
            {},
            [
                {"id": "WS-1", "zip": "01067", "name": "Anna, Maria"},
                {"id": "WS-2", "zip": None, "name": "Bill"},
            ],
        ),
        ("id\tname\n1\tAnna Maria\n", {"delimiter": "tab"}, [{"id": "1", "name": "Anna Maria"}]),
        ("id\tname\n1\tAnna\n", {"delimiter": "\t"}, [{"id": "1", "name": "Anna"}]),
        (
            "id;name\n1;'Lee; Ann'\n",
            {"delimiter": ";", "quotechar": "'"},
            [{"id": "1", "name": "Lee; Ann"}],
        ),
        (
            'id,name\n1,Ann \\"Nan\\" Lee\n',
            {"escapechar": "\\"},
            [{"id": "1", "name": 'Ann "Nan" Lee'}],
        ),
        (
            "1,Anna\n2,Bob\n",
            {"header": False, "columns": ["id", "name"]},
            [{"id": "1", "name": "Anna"}, {"id": "2", "name": "Bob"}],
        ),
        (
            "EXPORT 2026-11-23\nrows: 1\nid,name\n1, Anna \n",
            {"skip_rows": 2},
            [{"id": "1", "name": " Anna "}],
        ),
        ("\ufeffid,name\n1,Anna\n", {}, [{"id": "1", "name": "Anna"}]),
    ],
    ids=[
        "csv-quoted-comma",
        "tsv-by-name",
        "tsv-by-character",
        "semicolon-single-quote",
        "escapechar",
        "no-header",
        "skip-rows",
        "byte-order-mark",
    ],
)
def test_delimited_options(
    tmp_path: Path, content: str, options: dict[str, object], expected: list[dict[str, str | None]]
) -> None:
    path = tmp_path / "shop.csv"
    path.write_text(content, encoding="utf-8")
    rows, _, rejected = _all(read_delimited_batches(_csv(path, **options), "webshop"))
    assert rows == expected
    assert rejected == []


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"], ids=["latin-1", "cp1252"])
def test_single_byte_encodings_round_trip_names(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "crm.csv"
    path.write_bytes("id,name\n1,Müller\n2,Núñez\n3,Ødegård\n".encode(encoding))
    rows, _, _ = _all(read_delimited_batches(_csv(path, encoding=encoding), "crm"))
    assert [row["name"] for row in rows] == ["Müller", "Núñez", "Ødegård"]


def test_bad_lines_become_rejects_and_the_rows_around_them_are_read(tmp_path: Path) -> None:
    path = tmp_path / "shop.csv"
    path.write_bytes(
        b"id,name,city\n1,Anna,Berlin\n2,Bob,Bonn,extra,more\n\n3,J\xe9r\xf4me,Lyon\n"
        b'4,"Multi\nline",Paris\n5,Eve,Rome\n'
    )
    spec = _csv(path, multiline=True)
    rows, locations, rejected = _all(read_delimited_batches(spec, "webshop"))
    assert [row["id"] for row in rows] == ["1", "4", "5"]
    assert rows[1]["name"] == "Multi\nline"
    assert locations == ["shop.csv line 2", "shop.csv line 6", "shop.csv line 8"]
    assert rejected == [
        RejectedRow("shop.csv line 3", "expected 3 fields, found 5", "2,Bob,Bonn,extra,more"),
        RejectedRow(
            "shop.csv line 5",
            "undecodable byte 0xE9 for encoding utf-8 in column `name`",
            "3,J\\xe9r\\xf4me,Lyon",
        ),
    ]


def test_undecodable_byte_past_the_first_buffer_is_found(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    good = "".join(f"{n},name {n}\n" for n in range(20_000)).encode()
    path.write_bytes(b"id,name\n" + good + b"x,M\xfcller\n" + b"y,Ok\n")
    rows, _, rejected = _all(read_delimited_batches(_csv(path), "crm", batch_rows=7_000))
    assert len(rows) == 20_001
    assert [r.location for r in rejected] == ["big.csv line 20002"]


SPANS_LINES = (
    "the line ends inside a field (an unclosed quote or an escaped line break); "
    "fields may span lines only where the source declares `multiline: true`"
)


@pytest.mark.parametrize(
    ("content", "options", "ids", "rejected"),
    [
        (
            'id,name,note\n1,Anna,ok\n2,Bob,"said hi\n3,Cem,ok\n4,Dan,ok\n',
            {},
            ["1", "3", "4"],
            [(3, '2,Bob,"said hi')],
        ),
        (
            'id,name,note\n1,Anna,"said hi\n2,Bob,ok\n3,"Lee, Cem",ok\n4,Dan,ok\n',
            {},
            ["2", "3", "4"],
            [(2, '1,Anna,"said hi')],
        ),
        (
            'id,name,note\n1,Anna,"one\n2,Bob,"two\n3,Cem,ok\n',
            {},
            ["3"],
            [(2, '1,Anna,"one'), (3, '2,Bob,"two')],
        ),
        ('id,name,note\n1,Anna,ok\n2,Bob,"said hi\n', {}, ["1"], [(3, '2,Bob,"said hi')]),
        ('id,name,note\n1,Anna,ok\n2,Bob,"said hi', {}, ["1"], [(3, '2,Bob,"said hi')]),
        (
            "id,name,note\n1,Anna,said \\\n2,Bob,ok\n",
            {"escapechar": "\\"},
            ["2"],
            [(2, "1,Anna,said \\")],
        ),
    ],
    ids=[
        "runs-to-the-end",
        "closed-by-a-later-quote",
        "two-in-a-row",
        "on-the-last-line",
        "on-the-last-line-without-line-break",
        "escaped-line-break",
    ],
)
def test_a_field_running_past_its_line_rejects_that_line_and_reading_resumes(
    tmp_path: Path,
    content: str,
    options: dict[str, object],
    ids: list[str],
    rejected: list[tuple[int, str]],
) -> None:
    path = tmp_path / "shop.csv"
    path.write_text(content, encoding="utf-8")
    rows, locations, rejects = _all(read_delimited_batches(_csv(path, **options), "webshop"))
    assert [row["id"] for row in rows] == ids
    assert locations == [f"shop.csv line {int(i) + 1}" for i in ids]
    assert all(row["note"] == "ok" for row in rows)
    assert rejects == [RejectedRow(f"shop.csv line {n}", SPANS_LINES, raw) for n, raw in rejected]


def test_a_stray_quote_past_the_field_size_limit_costs_only_its_line(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    after = "".join(f"{n},name {n}\n" for n in range(2, 30_000))  # far over 128 KiB
    path.write_text('id,name\n1,"Anna\n' + after, encoding="utf-8")
    rows, locations, rejected = _all(read_delimited_batches(_csv(path), "crm", batch_rows=7_000))
    assert len(rows) == 29_998
    assert locations[0] == "big.csv line 3"
    assert rejected == [RejectedRow("big.csv line 2", SPANS_LINES, '1,"Anna')]


def test_a_multiline_source_reads_a_quoted_line_break_as_one_value(tmp_path: Path) -> None:
    path = tmp_path / "desk.csv"
    path.write_text(
        'id,note\n1,"called twice:\nonce in May"\n2,"ok"\n3,"a\n\nb"\n4,ok\n', encoding="utf-8"
    )
    rows, locations, rejected = _all(read_delimited_batches(_csv(path, multiline=True), "desk"))
    assert [row["note"] for row in rows] == ["called twice:\nonce in May", "ok", "a\n\nb", "ok"]
    assert locations == ["desk.csv line 2", "desk.csv line 4", "desk.csv line 5", "desk.csv line 8"]
    assert rejected == []


def test_batches_hold_at_most_batch_rows_and_add_up_to_the_whole(tmp_path: Path) -> None:
    path = tmp_path / "shop.csv"
    path.write_text("id,name\n" + "".join(f"{n},n{n}\n" for n in range(5)), encoding="utf-8")
    spec = _csv(path)
    batches = list(read_delimited_batches(spec, "webshop", batch_rows=2))
    assert [len(batch.rows) for batch in batches] == [2, 2, 1]
    together = pd.concat([batch.rows for batch in batches], ignore_index=True)
    pd.testing.assert_frame_equal(together, read_source(spec, "webshop"))


def test_glob_reads_files_in_name_order_and_locations_name_each(tmp_path: Path) -> None:
    folder = tmp_path / "exports" / "2026"
    folder.mkdir(parents=True)
    for day in ("03", "01", "02"):
        (folder / f"customers_{day}.csv").write_text(f"id\nC{day}\n", encoding="utf-8")
    (folder / "notes.txt").write_text("id\nX\n", encoding="utf-8")
    spec = _csv(tmp_path / "exports" / "*" / "customers_*.csv")
    rows, locations, _ = _all(read_delimited_batches(spec, "crm"))
    assert [row["id"] for row in rows] == ["C01", "C02", "C03"]
    assert locations == [f"2026/customers_{day}.csv line 2" for day in ("01", "02", "03")]


def test_glob_resolves_against_the_config_folder(tmp_path: Path) -> None:
    (tmp_path / "a_1.csv").write_text("id\n1\n", encoding="utf-8")
    spec = CsvConnector(kind="csv", path="a_*.csv").resolved(tmp_path)
    assert isinstance(spec, CsvConnector)
    assert _all(read_delimited_batches(spec, "crm"))[0] == [{"id": "1"}]


def test_glob_matching_nothing_yields_nothing_but_a_missing_file_is_an_error(
    tmp_path: Path,
) -> None:
    assert list(read_delimited_batches(_csv(tmp_path / "none_*.csv"), "crm")) == []
    with pytest.raises(SourceNotFound, match=r"source `crm`: file .*nope.csv does not exist"):
        list(read_delimited_batches(_csv(tmp_path / "nope.csv"), "crm"))


def test_since_skips_files_not_modified_after_it_and_cursor_is_the_newest(tmp_path: Path) -> None:
    times = {
        "c_1.csv": "2026-11-20T08:00:00+00:00",
        "c_2.csv": "2026-11-23T10:15:00.123456+00:00",
        "c_3.csv": "2026-11-22T09:00:00+00:00",
    }
    for name, moment in times.items():
        (tmp_path / name).write_text(f"id\n{name}\n", encoding="utf-8")
        _at(tmp_path / name, moment)
    spec = _csv(tmp_path / "c_*.csv")

    everything = list(read_delimited_batches(spec, "crm"))
    assert [batch.cursor for batch in everything] == [
        "2026-11-20T08:00:00.000000+00:00",
        "2026-11-23T10:15:00.123456+00:00",
        "2026-11-23T10:15:00.123456+00:00",
    ]
    newer = _all(read_delimited_batches(spec, "crm", since="2026-11-21T00:00:00+00:00"))
    assert [row["id"] for row in newer[0]] == ["c_2.csv", "c_3.csv"]
    assert list(read_delimited_batches(spec, "crm", since=everything[-1].cursor)) == []


def test_json_lines_values_as_text_and_bad_lines_as_rejects(tmp_path: Path) -> None:
    path = tmp_path / "desk.jsonl"
    path.write_text(
        '{"id": "SD-1", "name": "Anna Müller", "vip": true, "visits": 3}\n'
        "\n"
        "{not json\n"
        "[1, 2]\n"
        '{"id": "SD-2", "name": "José Núñez", "score": 1.0, "tags": ["a"]}\n',
        encoding="utf-8",
    )
    rows, locations, rejected = _all(
        read_json_lines_batches(JsonLinesConnector(kind="jsonl", path=str(path)), "desk")
    )
    missing = {"vip": None, "visits": None, "score": None, "tags": None}
    assert rows == [
        {**missing, "id": "SD-1", "name": "Anna Müller", "vip": "true", "visits": "3"},
        {**missing, "id": "SD-2", "name": "José Núñez", "score": "1", "tags": '["a"]'},
    ]
    assert locations == ["desk.jsonl line 1", "desk.jsonl line 5"]
    assert [(r.location, r.reason.split(":")[0], r.raw) for r in rejected] == [
        ("desk.jsonl line 3", "not JSON", "{not json"),
        ("desk.jsonl line 4", "not a JSON object (a list)", "[1, 2]"),
    ]


def test_json_array_under_records_path_rejects_items_that_are_not_objects(tmp_path: Path) -> None:
    path = tmp_path / "shop.json"
    document = {
        "data": {"customers": [{"id": 1, "name": "Anna"}, "oops", {"id": 3, "zip": "01067"}]}
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    spec = JsonArrayConnector(kind="json", path=str(path), records_path="data.customers")
    rows, locations, rejected = _all(read_json_array_batches(spec, "shop"))
    assert rows == [
        {"id": "1", "name": "Anna", "zip": None},
        {"id": "3", "name": None, "zip": "01067"},
    ]
    assert locations == ["shop.json item 1", "shop.json item 3"]
    assert rejected == [RejectedRow("shop.json item 2", "not a JSON object (a string)", '"oops"')]


@pytest.mark.parametrize(
    ("content", "records_path", "reason"),
    [
        ("id,name\n1,Anna\n", None, "not JSON: Expecting value at line 1 column 1"),
        (
            '{"data": []}',
            None,
            "the document is an object, not an array of records; set `records_path`",
        ),
        ('{"data": []}', "data.customers", "no `data.customers` in the document"),
    ],
    ids=["not-json", "object-without-records-path", "records-path-missing"],
)
def test_json_file_that_cannot_be_read_is_one_reject(
    tmp_path: Path, content: str, records_path: str | None, reason: str
) -> None:
    path = tmp_path / "shop.json"
    path.write_text(content, encoding="utf-8")
    spec = JsonArrayConnector(kind="json", path=str(path), records_path=records_path)
    batches = list(read_json_array_batches(spec, "shop"))
    assert len(batches) == 1
    assert batches[0].rows.empty
    (only,) = batches[0].rejected
    assert only.location == "shop.json"
    assert only.reason.startswith(reason)
    assert only.raw == content


def test_parquet_values_become_text(tmp_path: Path) -> None:
    path = tmp_path / "crm.parquet"
    table = pa.table(
        {
            "id": pa.array([123, 7, None], pa.int64()),
            "score": pa.array([1.0, 2.5, None], pa.float64()),
            "born": pa.array([dt.date(1961, 2, 1), None, dt.date(1990, 12, 31)], pa.date32()),
            "seen": pa.array(
                [dt.datetime(2026, 11, 23, 10, 15, tzinfo=dt.UTC), None, None],
                pa.timestamp("us", tz="UTC"),
            ),
            "name": pa.array(["Müller", "", None], pa.string()),
        }
    )
    pq.write_table(table, path, row_group_size=2)
    spec = ParquetConnector(kind="parquet", path=str(path))
    batches = list(read_parquet_batches(spec, "crm", batch_rows=2))
    assert [len(batch.rows) for batch in batches] == [2, 1]
    rows, locations, rejected = _all(iter(batches))
    assert rows == [
        {
            "id": "123",
            "score": "1",
            "born": "1961-02-01",
            "seen": "2026-11-23T10:15:00+00:00",
            "name": "Müller",
        },
        {"id": "7", "score": "2.5", "born": None, "seen": None, "name": None},
        {"id": None, "score": None, "born": "1990-12-31", "seen": None, "name": None},
    ]
    assert locations == ["crm.parquet row 1", "crm.parquet row 2", "crm.parquet row 3"]
    assert rejected == []


def test_file_that_is_not_parquet_is_one_reject(tmp_path: Path) -> None:
    path = tmp_path / "crm.parquet"
    path.write_text("id\n1\n", encoding="utf-8")
    (batch,) = read_parquet_batches(ParquetConnector(kind="parquet", path=str(path)), "crm")
    assert [r.location for r in batch.rejected] == ["crm.parquet"]
    assert batch.rejected[0].reason.startswith("not a Parquet file")


def test_reading_a_source_whole_raises_on_the_first_reject(tmp_path: Path) -> None:
    path = tmp_path / "desk.jsonl"
    path.write_text('{"id": "SD-1"}\n[1, 2]\n', encoding="utf-8")
    with pytest.raises(SourceSchemaError, match=r"desk.jsonl line 2: not a JSON object \(a list\)"):
        read_source(JsonLinesConnector(kind="jsonl", path=str(path)), "desk")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"header": False}, "needs `columns`"),
        ({"columns": ["id"]}, "only with `header: false`"),
        ({"header": False, "columns": ["id", "id"]}, "names id more than once"),
        ({"delimiter": '"'}, "must differ"),
        ({"encoding": "klingon"}, "not a known text encoding"),
    ],
    ids=[
        "no-header-no-columns",
        "columns-with-header",
        "repeated-column",
        "delimiter-is-quote",
        "unknown-encoding",
    ],
)
def test_csv_declaration_mistakes_are_named(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        CsvConnector.model_validate({"kind": "csv", "path": "x.csv", **options})
