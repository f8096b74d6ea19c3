"""Reading JSON files that hold an array of customer objects, in batches.

The whole file is parsed at once: JSON arrays are exports of modest size. Big exports
belong in JSON lines or Parquet, which are read a batch at a time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial
from typing import Any

from connectors.batch import BATCH_ROWS, RejectedRow, RowBatch
from connectors.files.batching import Stretch, file_batches, record_frame, whole_file_rejected
from connectors.files.decoding import (
    DecodeWatch,
    lone_surrogate,
    open_text,
    printable,
    readable_values,
    undecodable,
)
from connectors.files.json_text import json_kind, parse_json
from connectors.files.selection import SourceFile
from connectors.spec import JsonArrayConnector
from connectors.text import as_text


def read_json_array_batches(
    spec: JsonArrayConnector,
    source: str,
    *,
    since: str | None = None,
    batch_rows: int = BATCH_ROWS,
) -> Iterator[RowBatch]:
    """The objects of a JSON array file, or of every file its glob matches, in batches.

    The array is the whole document, or sits under ``records_path`` in it. Values become
    text (see ``as_text``). An item that is not an object becomes a ``RejectedRow`` located
    as ``customers.json item 17`` (counting from 1); a file that is not JSON, or has no
    array where declared, becomes one ``RejectedRow`` for the whole file.

    Args:
        spec: The declaration: path or glob, encoding, records path.
        source: The source's name, for messages.
        since: File cursor of the last sync; files not modified after it are skipped.
        batch_rows: Most rows per batch.

    Raises:
        SourceNotFound: the path is a plain path and the file does not exist.
    """
    read_file = partial(_file_stretches, spec, batch_rows=batch_rows)
    return file_batches(spec.path, source, since, read_file)


def _file_stretches(
    spec: JsonArrayConnector, file: SourceFile, *, batch_rows: int
) -> Iterator[Stretch]:
    watch = DecodeWatch()
    with open_text(file.path, spec.encoding) as stream:
        text = stream.read()
    document, reason = parse_json(text, by_line=True)
    if reason is not None:
        yield whole_file_rejected(file, reason, printable(text, spec.encoding))
        return
    items = _records(document, spec.records_path)
    if isinstance(items, str):
        yield whole_file_rejected(file, items, printable(text, spec.encoding))
        return
    checking = watch.alerted
    escapes = "\\u" in text  # only an escape writes half of a surrogate pair
    records: list[dict[str, str | None]] = []
    locations: list[str] = []
    rejected: list[RejectedRow] = []
    for number, item in enumerate(items, start=1):
        location = f"{file.name} item {number}"
        if not isinstance(item, dict):
            raw = printable(json.dumps(item, ensure_ascii=False), spec.encoding)
            rejected.append(RejectedRow(location, f"not a JSON object ({json_kind(item)})", raw))
        else:
            record = {key: as_text(value) for key, value in item.items()}
            texts = [*record, *filter(None, record.values())]
            bad = undecodable(texts, spec.encoding) if checking else None
            reason = bad[1] if bad is not None else lone_surrogate(record) if escapes else None
            if reason is not None:
                raw = printable(json.dumps(item, ensure_ascii=False), spec.encoding)
                rejected.append(RejectedRow(location, reason, raw, readable_values(record)))
            else:
                records.append(record)
                locations.append(location)
        if len(records) >= batch_rows:
            yield Stretch(record_frame(records), locations, rejected)
            records, locations, rejected = [], [], []
    if records or rejected:
        yield Stretch(record_frame(records), locations, rejected)


def _records(document: Any, records_path: str | None) -> list[Any] | str:
    """The array of records, or why there is none."""
    found = document
    if records_path is not None:
        for name in records_path.split("."):
            if not isinstance(found, dict) or name not in found:
                return f"no `{records_path}` in the document (missing `{name}`)"
            found = found[name]
    if isinstance(found, list):
        return found
    where = f"`{records_path}`" if records_path else "the document"
    hint = "; set `records_path` to the array" if isinstance(found, dict) else ""
    return f"{where} is {json_kind(found)}, not an array of records{hint}"
