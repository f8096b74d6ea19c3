"""Declarations of where a source's rows come from, as written in the hub config."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.engine import make_url


class _Connector(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def resolved(self, base_dir: Path) -> _Connector:
        """The same declaration with relative locations anchored at ``base_dir``."""
        return self


class _FileConnector(_Connector):
    path: str
    """File to read; relative paths are relative to the config file's folder."""
    encoding: str = "utf-8"

    def resolved(self, base_dir: Path) -> _FileConnector:
        path = Path(self.path).expanduser()
        return self.model_copy(
            update={"path": str(path if path.is_absolute() else base_dir / path)}
        )


class CsvConnector(_FileConnector):
    """A delimited text file with a header line."""

    kind: Literal["csv"]
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    quotechar: str = Field(default='"', min_length=1, max_length=1)


class JsonLinesConnector(_FileConnector):
    """A file with one JSON object per line."""

    kind: Literal["jsonl"]


class SqlConnector(_Connector):
    """A table or a query in any database SQLAlchemy can reach."""

    kind: Literal["sql"]
    url: str
    """SQLAlchemy URL; a relative SQLite path is relative to the config file's folder."""
    table: str | None = None
    query: str | None = None

    @model_validator(mode="after")
    def _table_or_query(self) -> SqlConnector:
        if (self.table is None) == (self.query is None):
            raise ValueError("give exactly one of `table` or `query`")
        try:
            make_url(self.url)
        except Exception as exc:  # sqlalchemy raises ArgumentError with a terse text
            raise ValueError(f"`url` {self.url!r} is not a SQLAlchemy URL: {exc}") from None
        return self

    def resolved(self, base_dir: Path) -> SqlConnector:
        url = make_url(self.url)
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return self
        database = Path(url.database).expanduser()
        if database.is_absolute():
            return self
        absolute = url.set(database=str(base_dir / database))
        return self.model_copy(update={"url": absolute.render_as_string(hide_password=False)})


ConnectorSpec = Annotated[
    CsvConnector | JsonLinesConnector | SqlConnector, Field(discriminator="kind")
]
"""Any connector declaration; ``kind`` picks the connector."""
