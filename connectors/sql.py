"""Reading customer rows from a table or a query in any SQLAlchemy database, in batches."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.exc import NoSuchTableError, OperationalError, ProgrammingError

from connectors.batch import BATCH_ROWS, RowBatch
from connectors.exceptions import SourceNotFound, SourceSchemaError, SourceUnavailable
from connectors.spec import SqlConnector
from connectors.text import as_text, as_texts


def read_sql_batches(
    spec: SqlConnector, source: str, *, since: str | None = None, batch_rows: int = BATCH_ROWS
) -> Iterator[RowBatch]:
    """The declared table's or query's rows, streamed from the server in batches.

    With a ``cursor_column``, rows come in cursor order and, given ``since``, only rows
    whose cursor value is greater; each batch carries the largest cursor value read so
    far (compared by the database's own types, then written as text).

    Raises:
        SourceNotFound: the table does not exist.
        SourceSchemaError: the query or the cursor column is wrong.
        SourceUnavailable: the database cannot be reached.
    """
    engine = sa.create_engine(spec.url)
    what = f"table `{spec.table}`" if spec.table else "query"
    try:
        with engine.connect() as connection:
            statement = _statement(spec, connection, since)
            result = connection.execution_options(stream_results=True, yield_per=batch_rows)
            rows = result.execute(statement)
            columns = list(rows.keys())
            if spec.cursor_column is not None and spec.cursor_column not in columns:
                raise SourceSchemaError(
                    f"source `{source}`: cursor column `{spec.cursor_column}` is not in the {what}"
                )
            cursor_at = columns.index(spec.cursor_column) if spec.cursor_column else None
            high_water: Any = None
            read = 0
            for chunk in rows.partitions(batch_rows):
                # Column by column, as one column's values share a type; keyed by position,
                # since a query may name two columns alike.
                values = list(zip(*chunk, strict=True)) or [() for _ in columns]
                if cursor_at is not None:
                    cursors = [value for value in values[cursor_at] if value is not None]
                    if cursors:
                        latest = max(cursors)
                        high_water = latest if high_water is None else max(high_water, latest)
                frame = pd.DataFrame(
                    {n: as_texts(column) for n, column in enumerate(values)}, dtype=object
                )
                frame.columns = pd.Index(columns, dtype=object)
                locations = pd.Series(
                    [f"{what} row {read + n}" for n in range(1, len(frame) + 1)], dtype=object
                )
                read += len(frame)
                yield RowBatch(frame, locations, cursor=as_text(high_water))
    except NoSuchTableError:
        raise SourceNotFound(
            f"source `{source}`: table `{spec.table}` does not exist in {_safe(spec.url)}"
        ) from None
    except ProgrammingError as exc:
        raise SourceSchemaError(f"source `{source}`: {what} failed: {exc.orig}") from None
    except OperationalError as exc:
        raise SourceUnavailable(
            f"source `{source}`: cannot read {_safe(spec.url)}: {exc.orig}"
        ) from None
    finally:
        engine.dispose()


def _statement(
    spec: SqlConnector, connection: sa.Connection, since: str | None
) -> sa.Select[*tuple[Any, ...]]:
    cursor: sa.ColumnElement[Any] | None = None
    if spec.table is not None:
        table = sa.Table(spec.table, sa.MetaData(), autoload_with=connection)
        statement = sa.select(table)
        if spec.cursor_column is not None and spec.cursor_column in table.c:
            cursor = table.c[spec.cursor_column]
    else:
        query = sa.text(spec.query or "").columns().subquery("source_query")
        statement = sa.select(sa.text("*")).select_from(query)
        if spec.cursor_column is not None:
            cursor = sa.column(spec.cursor_column)
    if cursor is None:
        return statement
    if since is not None:
        statement = statement.where(cursor > _cursor_value(since, cursor.type))
    return statement.order_by(cursor)


def _cursor_value(since: str, column_type: sa.types.TypeEngine[Any]) -> Any:
    """The stored cursor text as the column's Python type, so every database compares it."""
    try:
        python_type = column_type.python_type
    except NotImplementedError:
        python_type = None
    candidates = [python_type] if python_type not in (None, str) else []
    if python_type is None:  # a query's column: its type shows in the value
        candidates = [int, dt.datetime]
    for kind in candidates:
        try:
            if kind is dt.datetime or kind is dt.date:
                return kind.fromisoformat(since)
            return kind(since)
        except (TypeError, ValueError):
            continue
    return since


def _safe(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return sa.engine.make_url(url).render_as_string(hide_password=True)
