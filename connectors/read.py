"""One entry point that reads any declared source, in batches or whole."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Generator, Sequence
from typing import Annotated, Any, cast

import pandas as pd
from pydantic import Field

from connectors.batch import BATCH_ROWS, RowBatch
from connectors.exceptions import SourceSchemaError
from connectors.files import (
    read_delimited_batches,
    read_json_array_batches,
    read_json_lines_batches,
    read_parquet_batches,
)
from connectors.files.selection import source_files
from connectors.rest import read_rest_batches
from connectors.rest_spec import RestConnector
from connectors.spec import (
    CsvConnector,
    JsonArrayConnector,
    JsonLinesConnector,
    ParquetConnector,
    SqlConnector,
)
from connectors.sql import read_sql_batches

ConnectorSpec = Annotated[
    CsvConnector
    | JsonLinesConnector
    | JsonArrayConnector
    | ParquetConnector
    | SqlConnector
    | RestConnector,
    Field(discriminator="kind"),
]
"""Any connector declaration; ``kind`` picks the connector."""


def read_batches(
    spec: ConnectorSpec, source: str, *, since: str | None = None, batch_rows: int = BATCH_ROWS
) -> Generator[RowBatch, None, None]:
    """The rows of ``source`` after cursor value ``since`` (all when ``None``), in batches.

    Rows that cannot be read come as ``RowBatch.rejected``, never as an error.

    Raises:
        SourceNotFound: the file or table does not exist.
        SourceUnavailable: the source cannot be reached right now.
        SourceSchemaError: it can be reached but not read as declared.
    """
    options = {"since": since, "batch_rows": batch_rows}
    match spec:
        case CsvConnector():
            yield from read_delimited_batches(spec, source, **options)  # type: ignore[arg-type]
        case JsonLinesConnector():
            yield from read_json_lines_batches(spec, source, **options)  # type: ignore[arg-type]
        case JsonArrayConnector():
            yield from read_json_array_batches(spec, source, **options)  # type: ignore[arg-type]
        case ParquetConnector():
            yield from read_parquet_batches(spec, source, **options)  # type: ignore[arg-type]
        case SqlConnector():
            yield from read_sql_batches(spec, source, **options)  # type: ignore[arg-type]
        case RestConnector():
            yield from read_rest_batches(spec, source, **options)  # type: ignore[arg-type]
        case _:
            raise TypeError(f"no reader for {type(spec).__name__}")


_DIGEST_BLOCK = 1 << 20


def content_digest(spec: ConnectorSpec, source: str, primary_key: str, reader: str) -> str | None:
    """SHA-256 of all a full read of a file source would find: the files' names and bytes,
    and how they are read (the connector's settings, the key column, and ``reader``, the
    code that reads them). ``None`` for a database or an API, whose content cannot be
    known without reading it.

    Raises:
        SourceNotFound: the source's one file does not exist.
    """
    if not isinstance(
        spec, CsvConnector | JsonLinesConnector | JsonArrayConnector | ParquetConnector
    ):
        return None
    how = [spec.model_dump(mode="json"), primary_key, reader]
    digest = hashlib.sha256(json.dumps(how).encode())
    for file in source_files(spec.path, source):
        digest.update(f"\x00{file.name}\x00{file.path.stat().st_size}\x00".encode())
        with file.path.open("rb") as content:
            while block := content.read(_DIGEST_BLOCK):
                digest.update(block)
    return digest.hexdigest()


def read_source(spec: ConnectorSpec, source: str) -> pd.DataFrame:
    """Every row of ``source`` in one frame; a row that cannot be read is an error here.

    Raises:
        SourceSchemaError: a row could not be read (a sync quarantines it instead).
    """
    frames = []
    for batch in read_batches(spec, source):
        if batch.rejected:
            first = batch.rejected[0]
            raise SourceSchemaError(f"source `{source}`: {first.location}: {first.reason}")
        frames.append(batch.rows)
    if not frames:
        return pd.DataFrame(dtype=object)
    rows = pd.concat(frames, ignore_index=True)
    # pandas takes None as `other`; pandas-stubs leave it out, hence the cast.
    return rows.where(rows.notna(), cast(Any, None))


def check_mapped_columns(source: str, mapped: Sequence[str], columns: Sequence[str]) -> None:
    """Refuse a source whose rows lack a column the config maps.

    Args:
        source: The source's name.
        mapped: The columns the config reads: the primary key, then the mapped fields.
        columns: The columns the source's rows have.

    Raises:
        SourceSchemaError: naming each missing column and the ones the source has.
    """
    missing = [column for column in mapped if column not in columns]
    if missing:
        listed = ", ".join(f"`{column}`" for column in missing)
        raise SourceSchemaError(
            f"source `{source}`: mapped column {listed} is not in the source "
            f"(it has {', '.join(columns)}); fix the source or the config's `fields`"
        )
