"""Reading delimited text files (CSV, TSV) in batches, rejecting the lines that do not fit."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from itertools import chain
from typing import TextIO

import numpy as np
import pandas as pd

from connectors.batch import BATCH_ROWS, RejectedRow, RowBatch
from connectors.files.batching import Stretch, file_batches, row_frame, whole_file_rejected
from connectors.files.decoding import (
    DecodeWatch,
    open_text,
    printable,
    readable_values,
    undecodable,
)
from connectors.files.selection import SourceFile
from connectors.spec import CsvConnector


def read_delimited_batches(
    spec: CsvConnector, source: str, *, since: str | None = None, batch_rows: int = BATCH_ROWS
) -> Iterator[RowBatch]:
    """The rows of a delimited file, or of every file its glob matches, in batches.

    Each value is the field's text as written; an empty field is ``None``. A line with the
    wrong number of fields, or with a byte the encoding cannot decode, becomes a
    ``RejectedRow`` located at its (first) line, with the values it could still read;
    blank lines are skipped. Unless the source
    is ``multiline``, a line that ends inside a field (a stray quote) is rejected alone and
    reading goes on at the next line.

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


#: Why a line is rejected that ends inside a field, where fields may not span lines.
SPANS_LINES = (
    "the line ends inside a field (an unclosed quote or an escaped line break); "
    "fields may span lines only where the source declares `multiline: true`"
)

#: An empty line read after the file's last: where a file ends inside a quoted field, the
#: reader asks for it too, so that the last row also shows as running past its line.
_AFTER_THE_END = ("",)


def _file_stretches(spec: CsvConnector, file: SourceFile, *, batch_rows: int) -> Iterator[Stretch]:
    # Started before the first read: decoding runs a buffer ahead of the lines read.
    watch = DecodeWatch()
    decode_errors, errors_before = watch.errors, watch.start
    with open_text(file.path, spec.encoding) as stream, _RawLines(file, spec.encoding) as raw:
        for _ in range(spec.skip_rows):
            stream.readline()
        split = partial(
            csv.reader,
            delimiter=spec.delimiter,
            quotechar=spec.quotechar,
            escapechar=spec.escapechar,
        )
        reader = split(chain(stream, _AFTER_THE_END))
        columns = list(spec.columns or ())
        if spec.header:
            header = _header(reader, spec, file)
            if isinstance(header, Stretch):
                yield header
                return
            columns = header
        width = len(columns)
        single_line = not spec.multiline
        # Line numbers in the file: `base` is the line before the reader's first, `last` the
        # last line read, `read_again` the last of the lines handed back to the reader.
        base = spec.skip_rows
        last = read_again = base + reader.line_num
        rows: list[tuple[str, ...]] = []
        lines: list[int] = []
        rejected: list[RejectedRow] = []
        checking = False

        def reject(first: int, last: int, reason: str, fields: Sequence[str] | None) -> None:
            # `fields`: the row as split, or `None` for a line that ran on into the next.
            text = raw.text(first, last)
            if fields is None:
                fields = _closed_fields(split, text)
            elif len(fields) < width and not text.endswith(("\n", "\r")):
                fields = fields[:-1]  # the end of the file may have cut the last one short
            # By position: right up to where the row went wrong (a delimiter too many in a
            # value, a field left out), so a key in front of that is read as the source has it.
            values = readable_values({c: v or None for c, v in zip(columns, fields, strict=False)})
            shown = printable(text.rstrip("\r\n"), spec.encoding)
            rejected.append(RejectedRow(f"{file.name} line {first}", reason, shown, values))

        while True:
            try:
                for fields in reader:
                    line = last + 1
                    last = base + reader.line_num
                    if last != line and single_line:
                        break
                    if len(fields) != width:
                        if fields and (len(fields) > 1 or fields[0].strip()):
                            reason = f"expected {width} fields, found {len(fields)}"
                            reject(line, last, reason, fields)
                        continue
                    if checking or decode_errors.count != errors_before:
                        checking = True  # from here on, every row is looked at
                        bad = undecodable(fields, spec.encoding)
                        if bad is not None:
                            reason = f"{bad[1]} in column `{columns[bad[0]]}`"
                            reject(line, last, reason, fields)
                            continue
                    rows.append(tuple(fields))
                    lines.append(line)
                    if len(rows) >= batch_rows:
                        yield _stretch(file, columns, rows, lines, rejected)
                        rows, lines, rejected = [], [], []
                else:
                    break  # the whole file is read
            except csv.Error as exc:
                line, last = last + 1, base + reader.line_num
                if last == line or not single_line:
                    reject(line, last, f"cannot split into fields: {exc}", ())
                    continue
            # Line `line` ran on into the lines after it: reject it alone, then read again
            # from the next line, with the lines the reader had been handed back before.
            reject(line, line, SPANS_LINES, None)
            read_again = max(last, read_again)
            reader = split(chain(raw.lines(line + 1, read_again), stream, _AFTER_THE_END))
            base = last = line
        if rows or rejected:
            yield _stretch(file, columns, rows, lines, rejected)


class _RawLines:
    """The lines of a file as written, fetched only for rejects, always further down.

    A second pass over the file costs nothing until a line is rejected, where remembering
    each line while parsing would slow every row. The lines from the last one asked for on
    are kept, since the lines after a line that ran on are read again.
    """

    def __init__(self, file: SourceFile, encoding: str) -> None:
        self._file = file
        self._encoding = encoding
        self._lines: TextIO | None = None
        self._read = 0
        self._kept: list[str] = []  # the lines up to the last one read

    def __enter__(self) -> _RawLines:
        return self

    def __exit__(self, *_: object) -> None:
        if self._lines is not None:
            self._lines.close()

    def lines(self, first: int, last: int) -> list[str]:
        """Lines ``first`` to ``last`` (counting from 1) with their line breaks, fewer where
        the file ends first; ``first`` is never before the ``first`` of an earlier call."""
        if self._lines is None:
            self._lines = open_text(self._file.path, self._encoding)
        del self._kept[: max(first - (self._read - len(self._kept) + 1), 0)]
        while self._read < last:
            line = self._lines.readline()
            if not line:
                break
            self._read += 1
            if self._read >= first:
                self._kept.append(line)
        return self._kept[: last - first + 1]

    def text(self, first: int, last: int) -> str:
        """Lines ``first`` to ``last`` as one text, line breaks included."""
        return "".join(self.lines(first, last))


def _closed_fields(split: Callable[[Iterable[str]], Iterator[list[str]]], line: str) -> list[str]:
    """The fields of a line that ran on into the next, but the one left open."""
    try:
        fields = next(split([line.rstrip("\r\n")]), [])
    except csv.Error:
        return []
    return fields[:-1]


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
