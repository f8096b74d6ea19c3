"""Turning the files of a file source into ``RowBatch``es that carry the file cursor.

A batch holds rows of one file only: its columns are that file's columns and its
rejects lie in that file. A source of many small files therefore gives many small batches.
Every file read gives at least one batch, even an empty one, so the last batch always
carries the final cursor: the modification time of the newest file read so far. That
cursor is only safe to keep once every batch is landed, because files are read in name
order, not in time order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import pandas as pd

from connectors.batch import RejectedRow, RowBatch
from connectors.files.selection import SourceFile, source_files

#: How much of a file that cannot be read at all is kept as the reject's raw text.
WHOLE_FILE_RAW_CHARS = 10_000


@dataclass
class Stretch:
    """Rows read from one file for one batch, with the rejects found among them."""

    rows: pd.DataFrame
    locations: list[str]
    rejected: list[RejectedRow] = field(default_factory=list)


FileReader = Callable[[SourceFile], Iterator[Stretch]]
"""Reads one file as stretches of at most the batch size."""


def file_batches(
    pattern: str, source: str, since: str | None, read_file: FileReader
) -> Iterator[RowBatch]:
    """The batches of every file ``pattern`` names that changed after ``since``, in name order.

    Raises:
        SourceNotFound: ``pattern`` is a plain path and the file does not exist.
    """
    cursor: str | None = None
    for file in source_files(pattern, source, since=since):
        cursor = max(cursor or file.modified, file.modified)
        read_any = False
        for stretch in read_file(file):
            read_any = True
            yield RowBatch(
                stretch.rows,
                pd.Series(stretch.locations, dtype=object),
                tuple(stretch.rejected),
                cursor,
            )
        if not read_any:
            yield RowBatch(pd.DataFrame(), pd.Series([], dtype=object), (), cursor)


def row_frame(rows: Sequence[Sequence[str | None]], columns: Sequence[str]) -> pd.DataFrame:
    """Rows of text values as a frame of ``object`` columns."""
    if not rows:
        return pd.DataFrame(
            {c: pd.Series([], dtype=object) for c in columns}, columns=list(columns)
        )
    return pd.DataFrame(rows, columns=list(columns), dtype=object)


def record_frame(records: Sequence[dict[str, str | None]]) -> pd.DataFrame:
    """Records with possibly different keys as a frame; a missing key is ``None``."""
    frame = pd.DataFrame.from_records(records).astype(object)
    # pandas takes None as `other`; pandas-stubs leave it out, hence the cast.
    return frame.where(frame.notna(), cast(Any, None))


def whole_file_rejected(file: SourceFile, reason: str, raw: str | None) -> Stretch:
    """The one reject standing for a file that cannot be read at all."""
    head = None if raw is None else raw[:WHOLE_FILE_RAW_CHARS]
    return Stretch(pd.DataFrame(), [], [RejectedRow(file.name, reason, head)])
