"""Reading JSON-lines files in batches, rejecting the lines that are not JSON objects."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from connectors.batch import BATCH_ROWS, RejectedRow, RowBatch
from connectors.files.batching import Stretch, file_batches, record_frame
from connectors.files.decoding import (
    DecodeWatch,
    lone_surrogate,
    open_text,
    printable,
    readable_values,
    undecodable,
)
from connectors.files.json_text import json_kind, leading_members, parse_json
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
    that is not JSON (or JSON that Python cannot read), not an object, or holds an
    undecodable byte or half of a surrogate pair becomes a ``RejectedRow`` located at its
    line, with the values read before the damage; blank lines are skipped.

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
            record, reason = _read(line, spec.encoding, watch)
            if reason is None:
                records.append(record)
                locations.append(location)
            else:
                raw = printable(line.rstrip("\r\n"), spec.encoding)
                rejected.append(RejectedRow(location, reason, raw, readable_values(record)))
            if len(records) >= batch_rows:
                yield Stretch(record_frame(records), locations, rejected)
                records, locations, rejected = [], [], []
    if records or rejected:
        yield Stretch(record_frame(records), locations, rejected)


def _read(line: str, encoding: str, watch: DecodeWatch) -> tuple[dict[str, str | None], str | None]:
    """A line's record and ``None``, or why it cannot be landed and the members read before
    the damage."""
    item, reason = parse_json(line)
    if reason is not None:
        item = leading_members(line)
    elif not isinstance(item, dict):
        item, reason = {}, f"not a JSON object ({json_kind(item)})"
    record = {key: as_text(value) for key, value in item.items()}
    if reason is None and "\\u" in line:  # an escape may write half of a surrogate pair
        reason = lone_surrogate(record)
    return record, _undecodable(line, encoding, watch) or reason


def _undecodable(line: str, encoding: str, watch: DecodeWatch) -> str | None:
    if not watch.alerted:
        return None
    bad = undecodable([line], encoding)
    return None if bad is None else bad[1]
