"""Writing many rows into warehouse tables, by the fastest path each database offers.

PostgreSQL takes rows by ``COPY``; SQLite by the driver's own ``executemany`` with the
values bound once per column. Both are many times faster than binding row by row through
SQLAlchemy, which stays the path for any other database.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pandas as pd
import sqlalchemy as sa

#: Rows sent to the database per round trip on the non-PostgreSQL paths.
_CHUNK_ROWS = 10_000


def insert_frame(
    connection: sa.Connection, table: sa.Table, frame: pd.DataFrame, **constants: Any
) -> None:
    """Insert a frame's rows (only the table's columns), with constant values added."""
    if frame.empty:
        return
    constants = {name: value for name, value in constants.items() if name in table.c}
    columns = [c.name for c in table.columns if c.name in frame.columns and c.name not in constants]
    values = [_python_values(frame[name], name) for name in columns]
    values += [[value] * len(frame) for value in constants.values()]
    for name, column_values in zip([*columns, *constants], values, strict=True):
        if isinstance(table.c[name].type, sa.JSON):
            # None too, as SQLAlchemy does: JSON `null`, not SQL NULL.
            column_values[:] = [json_text(v) for v in column_values]
    insert_rows(connection, table, [*columns, *constants], zip(*values, strict=True))


def insert_rows(
    connection: sa.Connection,
    table: sa.Table,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> None:
    """Insert rows of plain Python values, in the order of ``columns``.

    Values are what SQLAlchemy would take for each column's type (a ``datetime`` for
    ``DateTime``), except that JSON columns take JSON text (see ``json_text``), which rows
    often have at hand already. Columns left out get their server defaults.
    """
    dialect = connection.dialect
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        _copy_rows(connection, table, columns, rows)
        return
    if dialect.name == "sqlite":
        _executemany_rows(connection, table, columns, rows)
        return
    # Any other database binds row by row through SQLAlchemy, JSON as the value it encodes.
    json_names = {name for name in columns if isinstance(table.c[name].type, sa.JSON)}
    statement = sa.insert(table)
    for chunk in _chunks(rows):
        connection.execute(
            statement,
            [
                {
                    name: json.loads(value) if name in json_names and value is not None else value
                    for name, value in zip(columns, row, strict=True)
                }
                for row in chunk
            ],
        )


def _copy_rows(
    connection: sa.Connection,
    table: sa.Table,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> None:
    preparer = connection.dialect.identifier_preparer
    names = ", ".join(preparer.quote(name) for name in columns)
    statement = f"COPY {preparer.format_table(table)} ({names}) FROM STDIN"
    driver_error = connection.dialect.loaded_dbapi.Error
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    except driver_error as exc:
        # The same exceptions as any other statement, so callers catch IntegrityError alike.
        raise sa.exc.DBAPIError.instance(statement, None, exc, driver_error) from None
    finally:
        cursor.close()


def _executemany_rows(
    connection: sa.Connection,
    table: sa.Table,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> None:
    dialect = connection.dialect
    preparer = dialect.identifier_preparer
    statement = (
        f"INSERT INTO {preparer.format_table(table)} "
        f"({', '.join(preparer.quote(name) for name in columns)}) "
        f"VALUES ({', '.join('?' for _ in columns)})"
    )
    processors = [
        None
        if isinstance(table.c[name].type, sa.JSON)
        else table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        for name in columns
    ]
    for chunk in _chunks(rows):
        if any(processors):
            by_column = [
                values if process is None else _bound(process, values)
                for process, values in zip(processors, zip(*chunk, strict=True), strict=True)
            ]
            chunk = list(zip(*by_column, strict=True))
        connection.exec_driver_sql(statement, chunk)


def _bound(process: Callable[[Any], Any], values: Iterable[Any]) -> list[Any]:
    """Each value bound by ``process``; a value repeated (a constant) is bound only once."""
    bound: list[Any] = []
    last: Any = _bound
    last_bound: Any = None
    for value in values:
        if value is not last:
            last, last_bound = value, process(value)
        bound.append(last_bound)
    return bound


def _chunks(rows: Iterable[Sequence[Any]]) -> Iterable[list[Sequence[Any]]]:
    chunk: list[Sequence[Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= _CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


#: A value as the JSON text that JSON columns take in ``insert_rows``.
json_text = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _python_values(column: pd.Series, name: str) -> list[Any]:
    """A column as plain Python values: missing → None, timestamps → datetime/date."""
    if pd.api.types.is_datetime64_any_dtype(column):
        missing = column.isna().tolist()
        if name == "birth_date":
            values: list[Any] = column.dt.date.tolist()
        else:
            values = list(column.array.to_pydatetime())
        return [None if gone else value for value, gone in zip(values, missing, strict=True)]
    if column.dtype == object and not column.hasnans:
        return column.tolist()
    missing = column.isna().tolist()
    return [
        None if gone else value
        for value, gone in zip(column.astype(object).tolist(), missing, strict=True)
    ]
