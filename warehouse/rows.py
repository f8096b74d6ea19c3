"""Writing DataFrames into warehouse tables."""

from __future__ import annotations

from typing import Any

import pandas as pd
import sqlalchemy as sa


def insert_frame(
    connection: sa.Connection, table: sa.Table, frame: pd.DataFrame, **constants: Any
) -> None:
    """Insert a frame's rows (only the table's columns), with constant values added."""
    if frame.empty:
        return
    columns = [c.name for c in table.columns if c.name in frame.columns and c.name not in constants]
    rows = [{**row, **constants} for row in python_rows(frame[columns])]
    connection.execute(sa.insert(table), rows)


def python_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Frame rows as plain Python values: missing → None, timestamps → datetime/date."""
    converted = frame.copy()
    for name, column in converted.items():
        if pd.api.types.is_datetime64_any_dtype(column):
            values = column.dt.date if name == "birth_date" else column.astype(object)
            converted[name] = pd.Series(values, index=column.index, dtype=object)
    converted = converted.astype(object).where(converted.notna(), None)
    return converted.to_dict("records")
