"""Reading delimited text files (CSV, TSV) in batches, rejecting the lines that do not fit."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from functools import partial
from typing import TextIO

import numpy as np
import pandas as pd

from connectors.batch import BATCH_ROWS, RejectedRow, RowBatch
from connectors.files.batching import Stretch, file_batches, row_frame, whole_file_rejected
from connectors.files.decoding import DecodeWatch, open_text, printable, undecodable
from connectors.files.selection import SourceFile
from connectors.spec import CsvConnector


def read_delimited_batches(
    spec: CsvConnector, source: str, *, since: str | None = None, batch_rows: int = BATCH_ROWS
) -> Iterator[RowBatch]:
    """The rows of a delimited file, or of every file its glob matches, in batches.

    Each value is the field's text as written; an empty field is ``None``. A line with the
    wrong number of fields, or with a byte the encoding cannot decode, becomes a
    ``RejectedRow`` located at its (first) line; blank lines are skipped.

    Args:
        spec: The declaration: path or glob, delimiter, quoting, header, encoding.
        source: The source's name, for messages.
        since: File cursor of the last sync; files not modified after it are skipped.
        batch_rows: Most rows per batch.

    Raises:
        SourceNotFound: the path is a plain path and the file does not exist.
    """
    read_file = partial(_file_stretches, spec, batch_rows=batch_rows)
    return file_batches(spec.path, source, since, read_file)


def _file_stretches(spec: CsvConnector, file: SourceFile, *, batch_rows: int) -> Iterator[Stretch]:
    # Started before the first read: decoding runs a buffer ahead of the lines read.
    watch = DecodeWatch()
    decode_errors, errors_before = watch.errors, watch.start
    with open_text(file.path, spec.encoding) as stream, _RawLines(file, spec.encoding) as raw:
        for _ in range(spec.skip_rows):
            stream.readline()
        reader = csv.reader(
            stream, delimiter=spec.delimiter, quotechar=spec.quotechar, escapechar=spec.escapechar
        )
        columns = list(spec.columns or ())
        if spec.header:
            header = _header(reader, spec, file)
            if isinstance(header, Stretch):
                yield header
                return
            columns = header
        width = len(columns)
        offset = spec.skip_rows
        rows: list[tuple[str, ...]] = []
        lines: list[int] = []
        rejected: list[RejectedRow] = []
        checking = False

        def reject(first: int, reason: str) -> None:
            text = raw.between(first, reader.line_num + offset)
            rejected.append(RejectedRow(f"{file.name} line {first}", reason, text))

        start = reader.line_num + 1
        while True:
            try:
                for fields in reader:
                    line = start + offset
                    start = reader.line_num + 1
                    if len(fields) != width:
                        if fields and (len(fields) > 1 or fields[0].strip()):
                            reject(line, f"expected {width} fields, found {len(fields)}")
                        continue
                    if checking or decode_errors.count != errors_before:
                        checking = True  # from here on, every row is looked at
                        bad = undecodable(fields, spec.encoding)
                        if bad is not None:
                            reject(line, f"{bad[1]} in column `{columns[bad[0]]}`")
                            continue
                    rows.append(tuple(fields))
                    lines.append(line)
                    if len(rows) >= batch_rows:
                        yield _stretch(file, columns, rows, lines, rejected)
                        rows, lines, rejected = [], [], []
                break
            except csv.Error as exc:
                reject(start + offset, f"cannot split into fields: {exc}")
                start = reader.line_num + 1
        if rows or rejected:
            yield _stretch(file, columns, rows, lines, rejected)


class _RawLines:
    """The lines of a file as written, fetched only for rejects, always further down.

    A second pass over the file costs nothing until a line is rejected, where remembering
    each line while parsing would slow every row.
    """

    def __init__(self, file: SourceFile, encoding: str) -> None:
        self._file = file
        self._encoding = encoding
        self._lines: TextIO | None = None
        self._read = 0

    def __enter__(self) -> _RawLines:
        return self

    def __exit__(self, *_: object) -> None:
        if self._lines is not None:
            self._lines.close()

    def between(self, first: int, last: int) -> str:
        """Lines ``first`` to ``last`` (counting from 1), without the final line break."""
        if self._lines is None:
            self._lines = open_text(self._file.path, self._encoding)
        taken = []
        for line in self._lines:
            self._read += 1
            if self._read >= first:
                taken.append(line)
            if self._read >= last:
                break
        return printable("".join(taken).rstrip("\r\n"), self._encoding)


def _header(
    reader: Iterator[list[str]], spec: CsvConnector, file: SourceFile
) -> list[str] | Stretch:
    """The column names on the first non-blank line, or a reject of the whole file."""
    for names in reader:
        if not names:
            continue
        bad = undecodable(names, spec.encoding)
        if bad is not None:
            return whole_file_rejected(
                file,
                f"header: {bad[1]}; is `encoding` right?",
                printable(spec.delimiter.join(names), spec.encoding),
            )
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            return whole_file_rejected(
                file,
                f"header names {', '.join(f'`{name}`' for name in repeated)} more than once",
                spec.delimiter.join(names),
            )
        return names
    return []


def _stretch(
    file: SourceFile,
    columns: list[str],
    rows: list[tuple[str, ...]],
    lines: list[int],
    rejected: list[RejectedRow],
) -> Stretch:
    locations = [f"{file.name} line {line}" for line in lines]
    if not rows:
        return Stretch(row_frame([], columns), locations, rejected)
    # Tuples of strings, and blanks replaced in one array operation: at a million rows
    # this is several times faster than building a list of values per row.
    values = np.array(rows, dtype=object)
    values[values == ""] = None
    return Stretch(pd.DataFrame(values, columns=columns, copy=False), locations, rejected)
