"""Syncing one source into the warehouse's landing: read, key, compare, land, keep the cursor."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

import sqlalchemy as sa

from connectors import BATCH_ROWS, SourceNotFound, SourceSchemaError, keyed_rows, read_batches
from pipelines.config import Source
from warehouse import Landing, SyncFigures, live_row_count, source_state

#: Called after each batch with the figures so far, e.g. to move a progress bar.
Progress = Callable[[SyncFigures], None]


def sync_source(
    engine: sa.Engine,
    name: str,
    source: Source,
    *,
    full_refresh: bool = False,
    sync_id: str | None = None,
    progress: Progress | None = None,
    batch_rows: int = BATCH_ROWS,
) -> SyncFigures:
    """Read ``name`` (incrementally unless asked otherwise) and land it, in one transaction.

    The cursor moves only when the rows read are committed with it, so a sync that
    fails re-reads the same rows next time rather than skipping them.

    Raises:
        SourceSchemaError: a mapped column is not in a source whose rows all have the
            same columns (nothing is landed).
        SourceNotFound: the source cannot be found, or a full refresh found it empty
            where rows were landed before (nothing is marked deleted).
        SourceUnavailable, SourceRefused: the source cannot be read.
    """
    state = source_state(engine, name)
    full = full_refresh or source.sync.mode == "full_refresh"
    live_rows = live_row_count(engine, name) if full else 0
    started_at = dt.datetime.now(dt.UTC)
    columns: list[str] = []
    seen_keys: set[str] = set()
    cursor = None
    with engine.begin() as connection:
        landing = Landing(connection, name, sync_id or str(uuid.uuid4()), full_refresh=full)
        landing.figures.cursor_before = state.cursor
        since = None if full else state.cursor
        for batch in read_batches(source.connector, name, since=since, batch_rows=batch_rows):
            columns += [c for c in batch.rows.columns if c not in columns]
            landed, held_back = keyed_rows(batch, source.primary_key, seen_keys)
            landing.land(landed)
            landing.quarantine(held_back)
            landing.figures.rows_read += len(batch.rows) + len(batch.rejected)
            cursor = batch.cursor  # the last batch's mark covers the whole read
            if progress is not None:
                progress(landing.figures)
        if landing.figures.rows_read and source.connector.has_fixed_columns:
            _check_mapped_columns(name, source, columns)
        if full and not landing.figures.rows_read and live_rows:
            raise SourceNotFound(
                f"source `{name}`: a full refresh read no rows, but {live_rows:,} rows were "
                "landed before; nothing is marked deleted. If the source really is empty "
                "now, check its location in the config"
            )
        if state.columns:
            landing.figures.new_columns = [c for c in columns if c not in state.columns]
        known = [*state.columns, *(c for c in columns if c not in state.columns)]
        landing.finish(started_at=started_at, cursor=cursor, columns=known)
    return landing.figures


def _check_mapped_columns(name: str, source: Source, columns: list[str]) -> None:
    wanted = [source.primary_key, *sorted(source.mapping.source_columns())]
    missing = [column for column in wanted if column not in columns]
    if missing:
        listed = ", ".join(f"`{column}`" for column in missing)
        raise SourceSchemaError(
            f"source `{name}`: mapped column {listed} is not in the source "
            f"(it has {', '.join(columns)}); fix the source or the config's `fields`"
        )
