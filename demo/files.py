"""Writing demo records to the files each source system keeps: SQLite, CSV and JSON lines.

Writers append batch after batch, so the whole data set never sits in memory.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import pandas as pd


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    return str(value)


class CsvWriter:
    """A comma-delimited UTF-8 file with a header row; missing values are empty."""

    def __init__(self, path: Path, columns: list[str]) -> None:
        self._file = path.open("w", encoding="utf-8", newline="")
        self._columns = columns
        self._writer = csv.writer(self._file, lineterminator="\n")
        self._writer.writerow(columns)

    def write(self, records: pd.DataFrame) -> None:
        """Append ``records`` (their columns in the file's order)."""
        self._writer.writerows(
            ["" if v is None else v for v in map(_text, row)]
            for row in records[self._columns].itertuples(index=False, name=None)
        )

    def close(self) -> None:
        """Flush and close the file."""
        self._file.close()


class JsonLinesWriter:
    """One JSON object per line, UTF-8, missing values as ``null``."""

    def __init__(self, path: Path, columns: list[str]) -> None:
        self._file = path.open("w", encoding="utf-8", newline="\n")
        self._columns = columns

    def write(self, records: pd.DataFrame) -> None:
        """Append ``records`` (their columns, in the writer's order, as keys)."""
        for row in records[self._columns].itertuples(index=False, name=None):
            item = dict(zip(self._columns, map(_text, row), strict=True))
            self._file.write(json.dumps(item, ensure_ascii=False) + "\n")

    def close(self) -> None:
        """Flush and close the file."""
        self._file.close()


class SqliteTableWriter:
    """A SQLite database with one table of text columns and an integer primary key."""

    def __init__(self, path: Path, table: str, key: str, columns: list[str]) -> None:
        path.unlink(missing_ok=True)
        self._connection = sqlite3.connect(path)
        self._columns = [key, *columns]
        column_types = ", ".join([f"{key} INTEGER PRIMARY KEY", *(f"{c} TEXT" for c in columns)])
        self._connection.execute(f"CREATE TABLE {table} ({column_types})")
        self._insert = (
            f"INSERT INTO {table} ({', '.join(self._columns)}) "
            f"VALUES ({', '.join('?' for _ in self._columns)})"
        )

    def write(self, records: pd.DataFrame) -> None:
        """Append ``records``; the key column holds integers."""
        self._connection.executemany(
            self._insert,
            (
                (int(row[0]), *map(_text, row[1:]))
                for row in records[self._columns].itertuples(index=False, name=None)
            ),
        )

    def close(self) -> None:
        """Commit and close the database."""
        self._connection.commit()
        self._connection.close()
