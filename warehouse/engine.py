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
    shown = parsed.render_as_string(hide_password=True)
    try:
        metadata.create_all(engine)
        outdated = _outdated_tables(engine)
    except sa.exc.OperationalError as exc:
        engine.dispose()
        raise WarehouseError(f"cannot reach the warehouse at {shown}: {exc.orig}") from None
    if outdated:
        engine.dispose()
        raise WarehouseError(
            f"the warehouse at {shown} was created by an earlier version of the hub: "
            f"{'; '.join(outdated)}. Publish into a new warehouse (for the demo, delete "
            "its warehouse.sqlite); upgrading in place needs a schema migration"
        )
    return engine


def _outdated_tables(engine: sa.Engine) -> list[str]:
    """Tables whose columns differ from what this version of the hub writes."""
    inspector = sa.inspect(engine)
    problems = []
    for table in metadata.sorted_tables:
        present = {column["name"] for column in inspector.get_columns(table.name)}
        missing = [column.name for column in table.columns if column.name not in present]
        if missing:
            problems.append(f"`{table.name}` lacks {', '.join(missing)}")
    return problems


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
