"""Connectors: read customer rows from source systems (files, SQL databases, REST APIs).

A connector yields ``RowBatch``es: rows as text, where each was read, the rows it could
not read, and the incremental cursor. ``keyed_rows`` turns a batch into the landing shape.
"""

from connectors.batch import BATCH_ROWS
from connectors.exceptions import (
    ConnectorError,
    CursorError,
    SourceNotFound,
    SourceRefused,
    SourceSchemaError,
    SourceUnavailable,
)
from connectors.files.selection import source_files
from connectors.landing import keyed_rows
from connectors.reach import reach_source
from connectors.read import ConnectorSpec, check_mapped_columns, content_digest, read_batches

__all__ = [
    "BATCH_ROWS",
    "ConnectorError",
    "ConnectorSpec",
    "CursorError",
    "SourceNotFound",
    "SourceRefused",
    "SourceSchemaError",
    "SourceUnavailable",
    "check_mapped_columns",
    "content_digest",
    "keyed_rows",
    "reach_source",
    "read_batches",
    "source_files",
]
