"""Connecting to the warehouse: one SQLAlchemy URL, SQLite by default."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from warehouse.exceptions import WarehouseError
from warehouse.schema import metadata


def connect(url: str) -> sa.Engine:
    """An engine for the warehouse at ``url``, with the schema in place.

    SQLite files get write-ahead logging so readers keep reading during a publish.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(parsed)
    if parsed.get_backend_name() == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    try:
        metadata.create_all(engine)
    except sa.exc.OperationalError as exc:
        engine.dispose()
        shown = parsed.render_as_string(hide_password=True)
        raise WarehouseError(f"cannot reach the warehouse at {shown}: {exc.orig}") from None
    return engine


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
