"""Landing a source's rows in the warehouse, one sync in one transaction.

A sync compares each row read with what was landed before, by source key and content
hash: new rows are inserted, changed rows updated, unchanged rows only marked as seen
again. After a full refresh, rows no longer in the source are marked deleted, never
removed; a row held back under its key (a line that cannot be read, but whose key can)
is still in the source, and stays as it was landed before. The cursor and the sync's
figures are written in the same transaction as the rows, so a sync that dies half-way
leaves the previous state and its cursor untouched, and the next sync reads the same rows
again.

Payloads are kept exactly as read, NUL bytes included, although PostgreSQL holds no NUL
in text, nor ``\\u0000`` in jsonb or in json read as text: a string holding a NUL is
stored with it escaped, and read back as it was (see ``_escaped``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pandas as pd
import sqlalchemy as sa

from warehouse import schema
from warehouse.rows import insert_frame, insert_rows, json_text

#: Prefix of the columns `landed_rows` adds, to stay clear of the source's own columns.
LANDED_PREFIX = "_landed_"

#: Rows of previous syncs fetched from the warehouse at a time.
_FETCH_ROWS = 50_000

_scratch = sa.MetaData()

#: Keys read again unchanged in this sync, and where: ``finish`` marks them seen.
_seen = sa.Table(
    "hub_seen_keys",
    _scratch,
    sa.Column("source_key", sa.String(200), primary_key=True),
    sa.Column("location", sa.String(500), nullable=False),
    prefixes=["TEMPORARY"],
)

#: One batch's changed rows, written into ``source_record`` by one UPDATE.
_changed = sa.Table(
    "hub_changed_rows",
    _scratch,
    sa.Column("source_key", sa.String(200), primary_key=True),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("row_hash", sa.String(64), nullable=False),
    sa.Column("location", sa.String(500), nullable=False),
    prefixes=["TEMPORARY"],
)


@dataclass(frozen=True)
class SourceState:
    """What earlier syncs left for the next one."""

    cursor: str | None
    columns: tuple[str, ...]
    content_digest: str | None = None
    """Of the files the last full refresh read (see `connectors.content_digest`)."""


@dataclass
class SyncFigures:
    """What one sync read and changed."""

    rows_read: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    deleted: int = 0
    deletions_held: int = 0
    """Rows gone from the source not marked deleted: more than ``max_delete_share``."""
    quarantined: int = 0
    new_columns: list[str] = field(default_factory=list)
    cursor_before: str | None = None
    cursor_after: str | None = None


def source_state(engine: sa.Engine, source: str) -> SourceState:
    """The cursor and known columns of ``source`` (none before its first sync)."""
    with engine.connect() as connection:
        row = connection.execute(
            sa.select(
                schema.source_state.c.cursor,
                schema.source_state.c.columns,
                schema.source_state.c.content_digest,
            ).where(schema.source_state.c.source == source)
        ).first()
    if row is None:
        return SourceState(cursor=None, columns=())
    return SourceState(row.cursor, tuple(row.columns), row.content_digest)


def note_unchanged_files(
    engine: sa.Engine, source: str, sync_id: str, *, started_at: dt.datetime, cursor: str | None
) -> SyncFigures:
    """Record a full refresh of a file source that found the files as the last one read
    them (the same `connectors.content_digest`): nothing read, landed or marked deleted;
    every live row seen now, and the rows the last sync held back held back still; the
    `cursor` the last sync saved stays."""
    table, held, now = schema.source_record, schema.quarantine, dt.datetime.now(dt.UTC)
    live = (table.c.source == source, table.c.deleted_at.is_(None))
    with engine.begin() as connection:
        seen = connection.execute(sa.update(table).where(*live).values(last_seen=now)).rowcount
        still_held = connection.execute(
            sa.select(sa.func.count()).where(held.c.source == source, held.c.stage == "sync")
        ).scalar_one()
        figures = SyncFigures(
            unchanged=seen, quarantined=still_held, cursor_before=cursor, cursor_after=cursor
        )
        connection.execute(
            sa.update(schema.source_state)
            .where(schema.source_state.c.source == source)
            .values(last_sync_id=sync_id, last_synced_at=now)
        )
        _record_sync(connection, source, sync_id, "full_refresh", started_at, figures)
    return figures


def _record_sync(
    connection: sa.Connection,
    source: str,
    sync_id: str,
    mode: str,
    started_at: dt.datetime,
    figures: SyncFigures,
) -> None:
    connection.execute(
        sa.insert(schema.source_sync).values(
            sync_id=sync_id,
            source=source,
            mode=mode,
            started_at=started_at,
            finished_at=dt.datetime.now(dt.UTC),
            **figures.__dict__,
        )
    )


class Landing:
    """One sync of one source, inside an open transaction (see ``land_source``)."""

    def __init__(
        self,
        connection: sa.Connection,
        source: str,
        sync_id: str,
        *,
        full_refresh: bool,
        max_delete_share: float = 1.0,
    ) -> None:
        """A full refresh marks rows gone from the source deleted only where they are at
        most ``max_delete_share`` of the rows landed before; otherwise it holds them back,
        counted in ``figures.deletions_held``, and they stay as landed."""
        self._connection = connection
        self._source = source
        self._sync_id = sync_id
        self._full_refresh = full_refresh
        self._max_delete_share = max_delete_share
        self._now = dt.datetime.now(dt.UTC)
        self.figures = SyncFigures()
        table = schema.source_record
        # Only key and hash of what was landed before, so memory grows by one small entry
        # per row of the source, never by its payloads.
        self._landed: dict[str, str] = {}
        self._deleted: set[str] = set()
        result = connection.execute(
            sa.select(table.c.source_key, table.c.row_hash, table.c.deleted_at.is_not(None))
            .where(table.c.source == source)
            .execution_options(yield_per=_FETCH_ROWS)
        )
        for rows in result.partitions():
            self._landed.update((key, row_hash) for key, row_hash, _ in rows)
            self._deleted.update(key for key, _, deleted in rows if deleted)
        self._live_before = len(self._landed) - len(self._deleted)
        # A sync that died may have left its rows behind on this pooled connection.
        for scratch in (_seen, _changed):
            scratch.create(connection, checkfirst=True)
            connection.execute(sa.delete(scratch))
        if full_refresh:
            connection.execute(
                sa.delete(schema.quarantine).where(
                    schema.quarantine.c.source == source, schema.quarantine.c.stage == "sync"
                )
            )

    def land(self, rows: pd.DataFrame) -> None:
        """Land rows keyed by ``source_key`` with ``row_hash``, ``location`` and the row's
        values: ``payload_json`` (a JSON object as text) or ``payload`` (a dict).

        Keys must be unique within the sync; the caller quarantines repeats.
        """
        if "payload_json" in rows.columns:
            payloads = [_storable(text) for text in rows["payload_json"].tolist()]
        else:
            payloads = [_storable(json_text(payload)) for payload in rows["payload"].tolist()]
        new: list[tuple[str, str, str, str]] = []
        changed: list[tuple[str, str, str, str]] = []
        unchanged: list[tuple[str, str]] = []
        landed, deleted = self._landed, self._deleted
        for row in zip(
            rows["source_key"].tolist(),
            payloads,
            rows["row_hash"].tolist(),
            rows["location"].tolist(),
            strict=True,
        ):
            key, _, row_hash, location = row
            previous = landed.get(key)
            if previous is None:
                new.append(row)
            elif previous != row_hash or key in deleted:
                changed.append(row)
            else:
                unchanged.append((key, location))
        table = schema.source_record
        constants = (self._source, self._sync_id, self._now, self._now)
        insert_rows(
            self._connection,
            table,
            ("source_key", "payload", "row_hash", "location", "source", "load_id")
            + ("first_seen", "last_seen"),
            (row + constants for row in new),
        )
        if changed:
            insert_rows(
                self._connection,
                _changed,
                ("source_key", "payload", "row_hash", "location"),
                changed,
            )
            self._connection.execute(
                sa.update(table)
                .where(table.c.source == self._source, table.c.source_key == _changed.c.source_key)
                .values(
                    payload=_changed.c.payload,
                    row_hash=_changed.c.row_hash,
                    location=_changed.c.location,
                    load_id=self._sync_id,
                    last_seen=self._now,
                    deleted_at=None,
                )
            )
            self._connection.execute(sa.delete(_changed))
            deleted.difference_update(key for key, _, _, _ in changed)
        insert_rows(self._connection, _seen, ("source_key", "location"), unchanged)
        self.figures.new += len(new)
        self.figures.changed += len(changed)
        self.figures.unchanged += len(unchanged)

    def quarantine(self, rows: pd.DataFrame) -> None:
        """Hold back rows that could not be read or keyed: ``source_key``, ``location``,
        ``rule``, ``detail``, ``payload``."""
        insert_frame(
            self._connection,
            schema.quarantine,
            rows.assign(source=self._source, stage="sync"),
            run_id=self._sync_id,
        )
        self.figures.quarantined += len(rows)

    def finish(
        self,
        *,
        started_at: dt.datetime,
        cursor: str | None,
        columns: list[str],
        content_digest: str | None = None,
    ) -> None:
        """Mark rows seen (and, after a full refresh, rows gone), save cursor and figures,
        and the digest of the files a full refresh read (``None`` for other syncs) once
        they are landed as they are."""
        table = schema.source_record
        self._connection.execute(
            sa.update(table)
            .where(table.c.source == self._source, table.c.source_key == _seen.c.source_key)
            .values(
                last_seen=self._now,
                location=_seen.c.location,
                # A row read elsewhere now is written by this sync, as far as what a run
                # publishes of it (where it was read) goes.
                load_id=sa.case(
                    (table.c.location != _seen.c.location, self._sync_id),
                    else_=table.c.load_id,
                ),
            )
        )
        if not self._full_refresh:
            # A row an earlier sync held back is superseded by the source's row of that key
            # read now, whether it landed (new, changed) or was as landed before.
            held = schema.quarantine
            self._connection.execute(
                sa.delete(held).where(
                    held.c.source == self._source,
                    held.c.stage == "sync",
                    held.c.run_id != self._sync_id,
                    sa.exists().where(
                        table.c.source == held.c.source,
                        table.c.source_key == held.c.source_key,
                        table.c.load_id == self._sync_id,
                    )
                    | sa.exists().where(_seen.c.source_key == held.c.source_key),
                )
            )
        if self._full_refresh:
            # Rows read in this sync are either unchanged (in `_seen`) or were written by it.
            # A row this sync held back under its key is still in the source, unreadable as
            # it is now: it stays as it was last landed, never marked deleted.
            held = schema.quarantine
            gone = (
                table.c.source == self._source,
                table.c.deleted_at.is_(None),
                table.c.load_id != self._sync_id,
                ~sa.exists().where(_seen.c.source_key == table.c.source_key),
                ~sa.exists().where(
                    held.c.source == self._source,
                    held.c.stage == "sync",
                    held.c.run_id == self._sync_id,
                    held.c.source_key == table.c.source_key,
                ),
            )
            leaving = self._connection.execute(
                sa.select(sa.func.count()).select_from(table).where(*gone)
            ).scalar_one()
            if leaving > self._max_delete_share * self._live_before:
                self.figures.deletions_held = leaving
            elif leaving:
                self._connection.execute(sa.update(table).where(*gone).values(deleted_at=self._now))
                self.figures.deleted = leaving
        _seen.drop(self._connection)
        _changed.drop(self._connection)
        self.figures.cursor_after = cursor if cursor is not None else self.figures.cursor_before
        # Files whose deletions were held back are not landed as they are: read them again.
        self._save_state(columns, None if self.figures.deletions_held else content_digest)
        mode = "full_refresh" if self._full_refresh else "incremental"
        _record_sync(self._connection, self._source, self._sync_id, mode, started_at, self.figures)

    def _save_state(self, columns: list[str], content_digest: str | None) -> None:
        state = schema.source_state
        values: dict[str, Any] = {
            "cursor": self.figures.cursor_after,
            "columns": columns,
            "content_digest": content_digest,
            "last_sync_id": self._sync_id,
            "last_synced_at": self._now,
        }
        updated = self._connection.execute(
            sa.update(state).where(state.c.source == self._source).values(**values)
        )
        if updated.rowcount == 0:
            self._connection.execute(sa.insert(state).values(source=self._source, **values))


def landed_rows(engine: sa.Engine, source: str, columns: Iterable[str] = ()) -> pd.DataFrame:
    """The source's current landed rows (not deleted): their columns as read, in key order,
    plus ``source_key`` and ``location`` prefixed with ``LANDED_PREFIX``.

    Values are text or ``None``. Payloads are fetched as JSON text and decoded in one go:
    a million rows must not cost a million decoder calls.

    Args:
        engine: The warehouse.
        source: The source's name.
        columns: Columns the rows must have: one that no landed row holds (a key that no
            JSON record of the source has) is added, empty. Syncs of sources whose rows all
            share their columns refuse a missing mapped column before landing.
    """
    table = schema.source_record
    with engine.connect() as connection:
        result = connection.execute(
            sa.select(table.c.source_key, table.c.location, sa.cast(table.c.payload, sa.Text))
            .where(table.c.source == source, table.c.deleted_at.is_(None))
            .order_by(table.c.source_key)
        ).all()
    texts = [payload for _, _, payload in result]
    document = "[" + ",".join(texts) + "]"
    payloads = json.loads(document)
    if _DLE_IN_JSON in document:  # one search for all: few payloads, if any, were escaped
        for at in [n for n, text in enumerate(texts) if _DLE_IN_JSON in text]:
            payloads[at] = _each_string(payloads[at], _unescaped)
    rows = pd.DataFrame.from_records(payloads)
    for column in rows.columns:
        values = rows[column].to_numpy(dtype=object)
        values[pd.isna(values)] = None
        rows[column] = values
    if len(rows):
        missing = sorted(set(columns) - set(rows.columns))
        rows = rows.assign(**{column: None for column in missing}) if missing else rows
    rows[f"{LANDED_PREFIX}source_key"] = [key for key, _, _ in result]
    rows[f"{LANDED_PREFIX}location"] = [location for _, location, _ in result]
    return rows


#: NUL, and DLE (data link escape), the character that escapes it in stored payloads.
_NUL: Final = "\x00"
_DLE: Final = "\x10"
#: How JSON text writes them, and how it begins to write any C0 control (one search
#: for this rules out both, in most payloads).
_NUL_IN_JSON: Final = "\\u0000"
_DLE_IN_JSON: Final = "\\u0010"
_CONTROL_IN_JSON: Final = "\\u00"
_ESCAPE_SEQUENCE: Final = re.compile(r"\x10(\x10|0)")


def _escaped(text: str) -> str:
    """A payload string as stored: each DLE doubled, then each NUL written as DLE and "0".

    Only strings holding a NUL or a DLE change, and every stored string holding a DLE was
    escaped, so `_unescaped` restores each exactly.
    """
    return text.replace(_DLE, _DLE + _DLE).replace(_NUL, _DLE + "0")


def _unescaped(text: str) -> str:
    """A stored payload string as read from its source (undoes `_escaped`)."""
    return _ESCAPE_SEQUENCE.sub(lambda escape: _NUL if escape[1] == "0" else _DLE, text)


def _storable(payload_json: str) -> str:
    """A payload's JSON text as the landing stores it: as read, unless a string in it (a
    value or a column name) holds a NUL or a DLE, which `_escaped` escapes."""
    if _CONTROL_IN_JSON in payload_json and (
        _NUL_IN_JSON in payload_json or _DLE_IN_JSON in payload_json
    ):
        return json_text(_each_string(json.loads(payload_json), _escaped))
    return payload_json


def _each_string(value: Any, transform: Callable[[str], str]) -> Any:
    """A JSON value with ``transform`` applied to each string in it, keys included."""
    if isinstance(value, str):
        return transform(value)
    if isinstance(value, dict):
        return {transform(key): _each_string(item, transform) for key, item in value.items()}
    if isinstance(value, list):
        return [_each_string(item, transform) for item in value]
    return value


#: Columns of the rows the quality stage holds back, as the warehouse keeps them.
HELD_BACK_COLUMNS: Final = ("source", "source_key", "location", "rule", "detail", "payload")


def held_back(quarantine: pd.DataFrame, landed: pd.DataFrame) -> pd.DataFrame:
    """The quality stage's quarantine of landed rows, each with where its row was read
    (``location``) and the row as read (``payload``, its present values), in
    `HELD_BACK_COLUMNS`.

    Args:
        quarantine: Rows held back, by ``position`` (1-based) in ``landed``.
        landed: The rows the quality stage read (`landed_rows`).
    """
    at = quarantine["position"].to_numpy(dtype=np.int64) - 1
    source_columns = [c for c in landed.columns if not c.startswith(LANDED_PREFIX)]
    rows = landed.iloc[at]
    # Typed as objects: pandas-stubs allow only scalars in a column's values, not dicts.
    payloads: list[Any] = [
        {
            column: value
            for column, value in zip(source_columns, row, strict=True)
            if value is not None
        }
        for row in rows[source_columns].itertuples(index=False, name=None)
    ]
    return quarantine.assign(
        location=rows[f"{LANDED_PREFIX}location"].to_numpy(), payload=payloads
    )[list(HELD_BACK_COLUMNS)]
