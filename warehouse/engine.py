"""Connecting to the warehouse: one SQLAlchemy URL, SQLite by default."""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from warehouse.exceptions import (
    WarehouseError,
    WarehouseRefused,
    WarehouseSchemaError,
    WarehouseUnavailable,
)
from warehouse.migrate import (
    Upgrade,
    check_revision,
    create_or_check,
    head_revision,
    schema_revision,
    upgrade,
)
from warehouse.run_lock import schema_lock
from warehouse.schema import metadata


def connect(url: str) -> sa.Engine:
    """An engine for the warehouse at ``url``, with the schema in place.

    SQLite files get write-ahead logging so readers keep reading during a publish.
    """
    engine, shown = _engine(url)
    try:
        revision = _schema_in_place(engine)
        outdated = _outdated_tables(engine) if revision == head_revision() else []
    except sa.exc.DBAPIError as exc:
        engine.dispose()
        raise _failure(exc, "reach", shown) from None
    try:
        check_revision(revision, shown)
    except WarehouseError:
        engine.dispose()
        raise
    if outdated:
        engine.dispose()
        raise _outdated(shown, outdated)
    return engine


@dataclass(frozen=True)
class WarehouseState:
    """What a look at the warehouse found."""

    shown: str
    """Its URL, without the password."""
    revision: str | None
    """Its schema revision, this version's; ``None`` where the first run is to create it."""


def inspect_warehouse(url: str) -> WarehouseState:
    """Reach the warehouse at ``url`` and check that this version of the hub can publish
    into it, writing nothing: a SQLite file that does not exist is not created.

    Raises:
        WarehouseUnavailable: it cannot be reached, or a SQLite file cannot be created.
        WarehouseSchemaError: its schema is another version's (see `check_revision`).
    """
    parsed = make_url(url)
    shown = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            return WarehouseState(shown, None)
        path = Path(parsed.database).expanduser().resolve()
        if not path.exists():
            folder = next(p for p in path.parents if p.exists())
            if not os.access(folder, os.W_OK | os.X_OK):
                raise WarehouseUnavailable(
                    f"cannot create the warehouse at {shown}: {folder} is not writable"
                )
            return WarehouseState(shown, None)
        engine = sa.create_engine(
            "sqlite://", creator=lambda: sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        )
    else:
        engine = sa.create_engine(parsed)
    try:
        with engine.connect() as connection:
            revision = schema_revision(connection)
            outdated = _outdated_tables(connection) if revision == head_revision() else []
    except sa.exc.DBAPIError as exc:
        raise _failure(exc, "reach", shown) from None
    finally:
        engine.dispose()
    if revision is not None:
        check_revision(revision, shown)
    if outdated:
        raise _outdated(shown, outdated)
    return WarehouseState(shown, revision)


def upgrade_warehouse(url: str) -> Upgrade:
    """Upgrade the schema of the warehouse at ``url`` in place (see `warehouse.migrate`)."""
    engine, shown = _engine(url)
    try:
        with schema_lock(engine):
            return upgrade(engine)
    except sa.exc.DBAPIError as exc:
        raise _failure(exc, "upgrade", shown) from None
    except WarehouseError as exc:
        raise type(exc)(f"{shown}: {exc}") from None
    finally:
        engine.dispose()


def _engine(url: str) -> tuple[sa.Engine, str]:
    """An engine for ``url`` (a SQLite file's folder made first), and the URL to show."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(parsed)
    if parsed.get_backend_name() == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine, parsed.render_as_string(hide_password=True)


def _schema_in_place(engine: sa.Engine) -> str:
    """Create the schema if the warehouse has none; the revision it is at."""
    with engine.connect() as connection:
        revision = schema_revision(connection)
    if revision == head_revision():
        return revision
    # Looked at again by one process at a time: another may be creating it right now.
    with schema_lock(engine):
        return _created_or_checked(engine)


def _created_or_checked(engine: sa.Engine) -> str:
    try:
        with engine.begin() as connection:
            return create_or_check(connection)
    except sa.exc.DBAPIError:
        # Another process may have been creating it at the same moment: look again.
        with engine.begin() as connection:
            revision = schema_revision(connection)
        if revision is None:
            raise
        return revision


def _outdated_tables(bind: sa.Engine | sa.Connection) -> list[str]:
    """Tables whose columns differ from what this version of the hub writes."""
    inspector = sa.inspect(bind)
    problems = []
    for table in metadata.sorted_tables:
        present = {column["name"] for column in inspector.get_columns(table.name)}
        missing = [column.name for column in table.columns if column.name not in present]
        if missing:
            problems.append(f"`{table.name}` lacks {', '.join(missing)}")
    return problems


#: What a database answers when it refuses the login or lacks the database: trying again
#: changes nothing until someone fixes the URL or the grants. Anything else (refused or
#: timed-out connections, a server starting up or full) may pass by itself.
_REFUSALS = re.compile(
    r"password authentication failed|authentication failed|role \S+ does not exist"
    r"|database \S+ does not exist|permission denied|no pg_hba\.conf entry"
    r"|unable to open database file",
    re.IGNORECASE,
)


def _failure(exc: sa.exc.DBAPIError, doing: str, shown: str) -> WarehouseError:
    """The hub's error for a database error met while trying to ``doing`` the warehouse."""
    reason = str(exc.orig).strip()
    if _REFUSALS.search(reason):
        return WarehouseRefused(
            f"cannot {doing} the warehouse at {shown}: {reason}. Check `warehouse.url` "
            "(or HUB_WAREHOUSE_URL) and the database's grants"
        )
    return WarehouseUnavailable(f"cannot {doing} the warehouse at {shown}: {reason}")


def _outdated(shown: str, outdated: list[str]) -> WarehouseSchemaError:
    return WarehouseSchemaError(
        f"the warehouse at {shown} was created by an earlier version of the hub: "
        f"{'; '.join(outdated)}. Publish into a new warehouse (for the demo, delete "
        "its warehouse.sqlite)"
    )


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
