"""Reading JSON-lines files in batches, rejecting the lines that are not JSON objects."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial
from typing import Any

from connectors.batch import BATCH_ROWS, RejectedRow, RowBatch
from connectors.files.batching import Stretch, file_batches, record_frame
from connectors.files.decoding import DecodeWatch, open_text, printable, undecodable
from connectors.files.selection import SourceFile
from connectors.spec import JsonLinesConnector
from connectors.text import as_text


def read_json_lines_batches(
    spec: JsonLinesConnector,
    source: str,
    *,
    since: str | None = None,
    batch_rows: int = BATCH_ROWS,
) -> Iterator[RowBatch]:
    """The objects of a JSON-lines file, or of every file its glob matches, in batches.

    Values become text (see ``as_text``); a key missing from an object is ``None``. A line
    that is not JSON, not an object, or holds an undecodable byte becomes a ``RejectedRow``
    located at its line; blank lines are skipped.

    Args:
        spec: The declaration: path or glob, encoding.
        source: The source's name, for messages.
        since: File cursor of the last sync; files not modified after it are skipped.
        batch_rows: Most rows per batch.

    Raises:
        SourceNotFound: the path is a plain path and the file does not exist.
    """
    read_file = partial(_file_stretches, spec, batch_rows=batch_rows)
    return file_batches(spec.path, source, since, read_file)


def _file_stretches(
    spec: JsonLinesConnector, file: SourceFile, *, batch_rows: int
) -> Iterator[Stretch]:
    records: list[dict[str, str | None]] = []
    locations: list[str] = []
    rejected: list[RejectedRow] = []
    watch = DecodeWatch()
    with open_text(file.path, spec.encoding) as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            location = f"{file.name} line {number}"
            reason = _unreadable(line, spec.encoding, watch)
            if reason is None:
                try:
                    item = json.loads(line)
                except json.JSONDecodeError as exc:
                    reason = f"not JSON: {exc.msg} at column {exc.colno}"
                else:
                    if isinstance(item, dict):
                        records.append({key: as_text(value) for key, value in item.items()})
                        locations.append(location)
                    else:
                        reason = f"not a JSON object ({json_kind(item)})"
            if reason is not None:
                raw = printable(line.rstrip("\r\n"), spec.encoding)
                rejected.append(RejectedRow(location, reason, raw))
            if len(records) >= batch_rows:
                yield Stretch(record_frame(records), locations, rejected)
                records, locations, rejected = [], [], []
    if records or rejected:
        yield Stretch(record_frame(records), locations, rejected)


def _unreadable(line: str, encoding: str, watch: DecodeWatch) -> str | None:
    if not watch.alerted:
        return None
    bad = undecodable([line], encoding)
    return None if bad is None else bad[1]


def json_kind(value: Any) -> str:
    """What a JSON value is, in words: ``a list``, ``a string``, ``null``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"
