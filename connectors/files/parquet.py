"""Reading Parquet files in batches, every value as text."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from connectors.batch import BATCH_ROWS, RejectedRow, RowBatch
from connectors.files.batching import Stretch, file_batches, whole_file_rejected
from connectors.files.selection import SourceFile
from connectors.spec import ParquetConnector
from connectors.text import as_text


def read_parquet_batches(
    spec: ParquetConnector, source: str, *, since: str | None = None, batch_rows: int = BATCH_ROWS
) -> Iterator[RowBatch]:
    """The rows of a Parquet file, or of every file its glob matches, in batches.

    Values become text (see ``as_text``): ``123``, ``1`` for 1.0, ISO dates and times.
    Rows are located as ``customers.parquet row 123`` (counting from 1). A file that is
    not Parquet becomes one ``RejectedRow`` for the whole file; a file that breaks off
    midway becomes one for the rest of it.

    Args:
        spec: The declaration: path or glob.
        source: The source's name, for messages.
        since: File cursor of the last sync; files not modified after it are skipped.
        batch_rows: Most rows per batch.

    Raises:
        SourceNotFound: the path is a plain path and the file does not exist.
    """
    read_file = partial(_file_stretches, batch_rows=batch_rows)
    return file_batches(spec.path, source, since, read_file)


def _file_stretches(file: SourceFile, *, batch_rows: int) -> Iterator[Stretch]:
    try:
        parquet = pq.ParquetFile(file.path)
    except (pa.ArrowException, OSError) as exc:
        yield whole_file_rejected(file, f"not a Parquet file: {exc}", None)
        return
    with parquet:
        row = 0
        batches = parquet.iter_batches(batch_size=batch_rows)
        while True:
            try:
                batch = next(batches, None)
            except (pa.ArrowException, OSError) as exc:
                reason = f"cannot read past row {row} of {parquet.metadata.num_rows}: {exc}"
                yield Stretch(pd.DataFrame(), [], [RejectedRow(file.name, reason)])
                return
            if batch is None:
                return
            frame = pd.DataFrame(
                {
                    name: pd.Series(_texts(column), dtype=object)
                    for name, column in zip(batch.schema.names, batch.columns, strict=True)
                },
                columns=batch.schema.names,
            )
            locations = [f"{file.name} row {row + n}" for n in range(1, batch.num_rows + 1)]
            row += batch.num_rows
            yield Stretch(frame, locations)


def _texts(column: pa.Array) -> list[str | None]:
    kind = column.type
    convert: Callable[[Any], str | None]
    if pa.types.is_integer(kind):
        convert = _integer_text
    elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
        convert = _string_text
    else:
        convert = as_text
    return [convert(value) for value in column.to_pylist()]


def _integer_text(value: int | None) -> str | None:
    return None if value is None else str(value)


def _string_text(value: str | None) -> str | None:
    return value if value and not value.isspace() else None
