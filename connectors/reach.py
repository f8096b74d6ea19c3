"""Whether a source can be reached and read as declared, without landing anything."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from connectors.read import ConnectorSpec, check_mapped_columns, read_batches

#: Rows read to try a source: one small batch, so that a check costs little.
SAMPLE_ROWS = 100


@dataclass(frozen=True)
class SourceSample:
    """The first batch that a source gave."""

    rows: int
    """Rows read."""
    rejected: int
    """Rows that could not be read (a sync would quarantine them)."""
    columns: tuple[str, ...]
    """The columns those rows have."""


def reach_source(spec: ConnectorSpec, source: str, mapped: Sequence[str]) -> SourceSample:
    """Read the first few rows of ``source`` from its start, and check that the columns
    the config maps (``mapped``: the primary key and the mapped fields) are there.

    The rows are only looked at; the incremental cursor is neither read nor moved.

    Raises:
        SourceNotFound: the file or table does not exist.
        SourceUnavailable: the source cannot be reached right now.
        SourceSchemaError: it can be reached but not read as declared, or lacks a mapped
            column (checked where every row has the same columns).
        SourceRefused: the source refused the credentials or the request.
    """
    batches = read_batches(spec, source, batch_rows=SAMPLE_ROWS)
    try:
        batch = next(batches, None)
    finally:
        batches.close()
    if batch is None:
        return SourceSample(rows=0, rejected=0, columns=())
    columns = tuple(str(column) for column in batch.rows.columns)
    if columns and spec.has_fixed_columns:
        check_mapped_columns(source, mapped, columns)
    return SourceSample(rows=len(batch.rows), rejected=len(batch.rejected), columns=columns)
