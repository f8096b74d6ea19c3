"""Reading customer rows from a table or a query in any SQLAlchemy database."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.exc import NoSuchTableError, OperationalError, ProgrammingError

from connectors.exceptions import SourceSchemaError, SourceUnavailable
from connectors.spec import SqlConnector
from connectors.text import as_text


def read_sql(spec: SqlConnector, source: str) -> pd.DataFrame:
    """All rows of the declared table or query, every value as text."""
    engine = sa.create_engine(spec.url)
    try:
        with engine.connect() as connection:
            if spec.table is not None:
                table = sa.Table(spec.table, sa.MetaData(), autoload_with=connection)
                statement: sa.Executable = sa.select(table)
            else:
                statement = sa.text(spec.query or "")
            result = connection.execute(statement)
            columns = list(result.keys())
            rows = [[as_text(value) for value in row] for row in result]
    except NoSuchTableError:
        raise SourceSchemaError(
            f"source `{source}`: table `{spec.table}` does not exist in {_safe(spec.url)}"
        ) from None
    except ProgrammingError as exc:
        raise SourceSchemaError(f"source `{source}`: query failed: {exc.orig}") from None
    except OperationalError as exc:
        raise SourceUnavailable(
            f"source `{source}`: cannot read {_safe(spec.url)}: {exc.orig}"
        ) from None
    finally:
        engine.dispose()
    return pd.DataFrame(rows, columns=columns, dtype=object)


def _safe(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return sa.engine.make_url(url).render_as_string(hide_password=True)
