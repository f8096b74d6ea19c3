"""Declarations of where a source's rows come from, as written in the hub config."""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy.engine import make_url


class _Connector(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def resolved(self, base_dir: Path) -> _Connector:
        """The same declaration with relative locations anchored at ``base_dir``."""
        return self

    @property
    def has_cursor(self) -> bool:
        """Whether the connector can read only what changed since a cursor value."""
        return False

    @property
    def cursor_hint(self) -> str:
        """How to give the connector a cursor, for error messages."""
        return "this kind of connector cannot read incrementally"

    @property
    def has_fixed_columns(self) -> bool:
        """Whether every row has every column (a table, a header), so a column that is
        not there is missing rather than empty in the rows read so far."""
        return True


class _FileConnector(_Connector):
    path: str
    """File to read, or a glob (``exports/customers_*.csv``) whose matches are read in name
    order; relative paths are relative to the config file's folder."""

    @property
    def has_cursor(self) -> bool:
        """Files are read incrementally by modification time."""
        return True

    def resolved(self, base_dir: Path) -> _FileConnector:
        path = Path(self.path).expanduser()
        return self.model_copy(
            update={"path": str(path if path.is_absolute() else base_dir / path)}
        )


class _TextFileConnector(_FileConnector):
    encoding: str = "utf-8"
    """Text encoding; a UTF-8 byte-order mark is dropped."""

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, encoding: str) -> str:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ValueError(f"`encoding` {encoding!r} is not a known text encoding") from None
        return encoding


class CsvConnector(_TextFileConnector):
    """A delimited text file (CSV, TSV), with a header line unless ``columns`` names them."""

    kind: Literal["csv"]
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    """One character; ``tab`` (or ``\\t``) for tab-separated files."""
    quotechar: str = Field(default='"', min_length=1, max_length=1)
    escapechar: str | None = Field(default=None, min_length=1, max_length=1)
    header: bool = True
    """Whether the first line (after ``skip_rows``) names the columns."""
    columns: tuple[str, ...] | None = None
    """Column names of a file without a header line."""
    skip_rows: int = Field(default=0, ge=0)
    """Lines before the header (or before the first row), such as an export banner."""
    multiline: bool = False
    """Whether a quoted (or escaped) field may hold line breaks and so span lines. Where it
    may not, a line that ends inside a field (a stray, unclosed quote) is rejected alone and
    reading goes on at the next line, rather than taking the lines after it into that field."""

    @field_validator("delimiter", mode="before")
    @classmethod
    def _tab_by_name(cls, delimiter: object) -> object:
        if isinstance(delimiter, str) and delimiter.lower() in ("tab", "\\t"):
            return "\t"
        return delimiter

    @model_validator(mode="after")
    def _columns_named_once(self) -> CsvConnector:
        if not self.header and not self.columns:
            raise ValueError("a file without a header line needs `columns` to name its columns")
        if self.header and self.columns is not None:
            raise ValueError("give `columns` only with `header: false`; the header names them")
        if self.columns is not None:
            repeated = sorted({c for c in self.columns if self.columns.count(c) > 1})
            if repeated:
                raise ValueError(f"`columns` names {', '.join(repeated)} more than once")
        special = [self.delimiter, self.quotechar, self.escapechar]
        if len({c for c in special if c is not None}) < len([c for c in special if c]):
            raise ValueError("`delimiter`, `quotechar` and `escapechar` must differ")
        return self


class JsonLinesConnector(_TextFileConnector):
    """A file with one JSON object per line."""

    kind: Literal["jsonl"]

    @property
    def has_fixed_columns(self) -> bool:
        return False


class JsonArrayConnector(_TextFileConnector):
    """A JSON file holding an array of objects, at the top or under ``records_path``."""

    kind: Literal["json"]
    records_path: str | None = None
    """Dotted path to the array in a top-level object: ``data.customers``."""

    @field_validator("records_path")
    @classmethod
    def _dotted_names(cls, records_path: str | None) -> str | None:
        if records_path is not None and not all(records_path.split(".")):
            raise ValueError(f"`records_path` {records_path!r} has an empty name between dots")
        return records_path

    @property
    def has_fixed_columns(self) -> bool:
        return False


class ParquetConnector(_FileConnector):
    """A Parquet file."""

    kind: Literal["parquet"]


class SqlConnector(_Connector):
    """A table or a query in any database SQLAlchemy can reach."""

    kind: Literal["sql"]
    url: str
    """SQLAlchemy URL; a relative SQLite path is relative to the config file's folder."""
    table: str | None = None
    query: str | None = None
    cursor_column: str | None = None
    """Column whose values only grow (an updated-at or an increasing id), for incremental syncs."""

    @model_validator(mode="after")
    def _table_or_query(self) -> SqlConnector:
        if (self.table is None) == (self.query is None):
            raise ValueError("give exactly one of `table` or `query`")
        try:
            make_url(self.url)
        except Exception as exc:  # sqlalchemy raises ArgumentError with a terse text
            shown = re.sub(r":[^:@/]*@", ":***@", self.url)
            raise ValueError(f"`url` {shown!r} is not a SQLAlchemy URL: {exc}") from None
        return self

    @property
    def has_cursor(self) -> bool:
        return self.cursor_column is not None

    @property
    def cursor_hint(self) -> str:
        return "set `connector.cursor_column` to an updated-at or increasing id column"

    def resolved(self, base_dir: Path) -> SqlConnector:
        url = make_url(self.url)
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return self
        database = Path(url.database).expanduser()
        if database.is_absolute():
            return self
        absolute = url.set(database=str(base_dir / database))
        return self.model_copy(update={"url": absolute.render_as_string(hide_password=False)})
