"""One run at a time per warehouse.

A run that writes the warehouse holds its lock: on PostgreSQL a session-level advisory
lock, on SQLite an exclusive lock on the file ``<warehouse file>.lock`` beside it. Creating
or upgrading the schema takes a lock of its own the same way (``.schema.lock``), briefly. The
database server or the operating system drops either when the process holding it ends,
however it ends, so the lock of a killed run is free for the next one. Who holds it is
written in the table ``run_lock`` (the run, when it started, the host and the process);
the row is removed on release, so a row found by a run that has just taken the lock is
that of a run that stopped without releasing it.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

import sqlalchemy as sa

from errors import TransientError
from warehouse.exceptions import WarehouseError
from warehouse.schema import run_lock

#: The hub's key among the database's advisory locks (any constant shared by every run);
#: the second key is the warehouse's schema, so warehouses in one database do not collide.
ADVISORY_KEY = 0x68756221  # "hub!"
#: How often a waiting run tries the lock again.
POLL_SECONDS = 0.25
#: How long a process waits for another that creates or upgrades the schema.
SCHEMA_WAIT_SECONDS = 120

_LOCK_ROW = "warehouse"
_log = logging.getLogger(__name__)


class WarehouseBusy(WarehouseError, TransientError):
    """Another run holds the warehouse's lock."""


@dataclass(frozen=True)
class LockHolder:
    """A run that holds, or held, the warehouse's lock."""

    run_id: str
    started_at: dt.datetime
    host: str
    pid: int

    def __str__(self) -> str:
        started = self.started_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        return f"run {self.run_id} (started {started} on {self.host}, process {self.pid})"


class _Exclusion(Protocol):
    def try_take(self) -> bool: ...

    def release(self) -> None: ...


class _AdvisoryLock:
    """PostgreSQL's advisory lock, held by a connection of its own for as long as it lasts."""

    def __init__(self, engine: sa.Engine, purpose: str) -> None:
        self._connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        self._keys = {"key": ADVISORY_KEY, "purpose": purpose}
        self._taken = False

    def try_take(self) -> bool:
        statement = sa.text(
            "SELECT pg_try_advisory_lock(:key, hashtext(current_schema() || :purpose))"
        )
        self._taken = bool(self._connection.execute(statement, self._keys).scalar_one())
        return self._taken

    def release(self) -> None:
        # The connection goes back to the pool with its session, so unlock explicitly
        # (a process that ends, however it ends, ends its sessions and their locks).
        try:
            if self._taken:
                statement = sa.text(
                    "SELECT pg_advisory_unlock(:key, hashtext(current_schema() || :purpose))"
                )
                self._connection.execute(statement, self._keys)
        finally:
            self._connection.close()


class _FileLock:
    """An exclusive ``flock`` on a file beside the SQLite database."""

    def __init__(self, path: Path) -> None:
        self._file: IO[bytes] = path.open("ab")

    def try_take(self) -> bool:
        try:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def release(self) -> None:
        # Closing the file drops the lock.
        self._file.close()


_held = threading.local()


@contextmanager
def warehouse_lock(
    engine: sa.Engine,
    run_id: str,
    *,
    wait_seconds: float,
    on_wait: Callable[[LockHolder | None], None] | None = None,
) -> Iterator[None]:
    """Hold the lock of the warehouse behind ``engine`` for ``run_id`` while the block runs.

    A thread that holds it already (a run whose steps take it too) just goes on. Where
    another run holds it, wait up to ``wait_seconds`` for it, telling ``on_wait`` who holds
    it once, when the wait starts.

    Raises:
        WarehouseBusy: another run held it for all of ``wait_seconds``; the message names it.
    """
    key = engine.url.render_as_string(hide_password=False)
    held: set[str] = _held.__dict__.setdefault("urls", set())
    if key in held:
        yield
        return
    exclusion = _exclusion(engine)
    if exclusion is None:
        yield
        return
    try:
        _take(engine, exclusion, wait_seconds, on_wait)
    except BaseException:
        exclusion.release()
        raise
    try:
        stale = _holder(engine)
        if stale is not None:
            _log.warning("took over the warehouse's lock from %s, which stopped holding it", stale)
        holder = LockHolder(run_id, dt.datetime.now(dt.UTC), socket.gethostname(), os.getpid())
        _write_holder(engine, holder)
        held.add(key)
        try:
            yield
        finally:
            held.discard(key)
            _write_holder(engine, None)
    finally:
        exclusion.release()


@contextmanager
def schema_lock(engine: sa.Engine) -> Iterator[None]:
    """Held by one process at a time while it creates or upgrades the warehouse's schema,
    so that no other sees it half made (SQLite commits each CREATE TABLE on its own).

    Raises:
        WarehouseBusy: another process held it for `SCHEMA_WAIT_SECONDS`.
    """
    exclusion = _exclusion(engine, "schema")
    if exclusion is None:
        yield
        return
    try:
        deadline = time.monotonic() + SCHEMA_WAIT_SECONDS
        while not exclusion.try_take():
            if time.monotonic() >= deadline:
                shown = engine.url.render_as_string(hide_password=True)
                raise WarehouseBusy(
                    f"another process has been creating or upgrading the schema of the "
                    f"warehouse at {shown} for {SCHEMA_WAIT_SECONDS} s"
                )
            time.sleep(POLL_SECONDS)
        yield
    finally:
        exclusion.release()


def _exclusion(engine: sa.Engine, purpose: str = "run") -> _Exclusion | None:
    """The lock for ``purpose`` (``run``, ``schema``) on the database behind ``engine``;
    none for an in-memory SQLite one, which no other process can reach."""
    if engine.dialect.name == "postgresql":
        return _AdvisoryLock(engine, purpose)
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database not in (None, "", ":memory:"):
        suffix = ".lock" if purpose == "run" else f".{purpose}.lock"
        return _FileLock(Path(f"{database}{suffix}"))
    return None


def _take(
    engine: sa.Engine,
    exclusion: _Exclusion,
    wait_seconds: float,
    on_wait: Callable[[LockHolder | None], None] | None,
) -> None:
    deadline = time.monotonic() + wait_seconds
    waited = False
    while not exclusion.try_take():
        if time.monotonic() >= deadline:
            holder = _holder(engine)
            shown = engine.url.render_as_string(hide_password=True)
            who = str(holder) if holder is not None else "another run"
            raise WarehouseBusy(
                f"{who} is writing the warehouse at {shown}; this run waited {wait_seconds:g} s "
                "for it. Run again when it has finished, or wait longer with "
                "`warehouse.lock_wait_seconds`"
            )
        if not waited and on_wait is not None:
            on_wait(_holder(engine))
        waited = True
        time.sleep(POLL_SECONDS)


def _holder(engine: sa.Engine) -> LockHolder | None:
    with engine.connect() as connection:
        row = connection.execute(
            sa.select(run_lock).where(run_lock.c.lock == _LOCK_ROW)
        ).one_or_none()
    if row is None:
        return None
    started_at = row.started_at
    if started_at.tzinfo is None:  # SQLite keeps no time zone; it was written in UTC
        started_at = started_at.replace(tzinfo=dt.UTC)
    return LockHolder(row.run_id, started_at, row.host, row.pid)


def _write_holder(engine: sa.Engine, holder: LockHolder | None) -> None:
    with engine.begin() as connection:
        connection.execute(sa.delete(run_lock).where(run_lock.c.lock == _LOCK_ROW))
        if holder is not None:
            connection.execute(
                sa.insert(run_lock).values(
                    lock=_LOCK_ROW,
                    run_id=holder.run_id,
                    started_at=holder.started_at,
                    host=holder.host,
                    pid=holder.pid,
                )
            )
