"""Field issues: values of records that went on without them, or that were cleaned.

The quality stage sets aside a value that breaks a field-level rule (an e-mail address
that is not one, a date in another format) and the record goes on without it; it also
notes each value it removed control characters from. Each is kept here with its rule,
the value as read and where its row was read, until the source's next run replaces them.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd
import sqlalchemy as sa

from warehouse import schema
from warehouse.landing import LANDED_PREFIX
from warehouse.reads import QuarantineFilter

#: Columns of the field issues of landed rows, located in their source, as the warehouse
#: keeps them (the quality stage's `quality.FIELD_ISSUE_COLUMNS` hold a position instead).
LOCATED_ISSUE_COLUMNS: Final = (
    "source",
    "source_key",
    "location",
    "field",
    "rule",
    "value",
    "detail",
)


def located_issues(issues: pd.DataFrame, landed: pd.DataFrame) -> pd.DataFrame:
    """The quality stage's field issues of landed rows, each with where its row was read
    (``location``), in `LOCATED_ISSUE_COLUMNS`.

    Args:
        issues: Field issues, by ``position`` (1-based) in ``landed``.
        landed: The rows the quality stage read (`landed_rows`).
    """
    at = issues["position"].to_numpy(dtype=np.int64) - 1
    locations = landed[f"{LANDED_PREFIX}location"].to_numpy(dtype=object)[at]
    return issues.assign(location=locations)[list(LOCATED_ISSUE_COLUMNS)]


def set_aside_values(
    engine: sa.Engine, which: QuarantineFilter, *, limit: int | None = None
) -> tuple[pd.DataFrame, int]:
    """Field issues matching ``which`` (its ``stage`` aside), by source and position.

    Returns:
        Up to ``limit`` rows (``field_issue_id``, ``source``, ``source_key``, ``location``,
        ``field``, ``rule``, ``value``, ``detail``, ``run_id``) and how many match in all.
    """
    table = schema.field_issue
    conditions = QuarantineFilter(sources=which.sources, rules=which.rules, run=which.run).where(
        table
    )
    query = sa.select(table).where(*conditions).order_by(table.c.source, table.c.field_issue_id)
    with engine.connect() as connection:
        rows = pd.read_sql(query.limit(limit), connection)
        total = connection.execute(
            sa.select(sa.func.count()).select_from(table).where(*conditions)
        ).scalar_one()
    return rows, int(total)
