"""Connectors: read customer rows from source systems (files, SQL databases, REST APIs).

A connector yields ``RowBatch``es: rows as text, where each was read, the rows it could
not read, and the incremental cursor. ``keyed_rows`` turns a batch into the landing shape.
"""

from connectors.batch import BATCH_ROWS, RejectedRow, RowBatch
from connectors.exceptions import (
    ConnectorError,
    CursorError,
    SourceNotFound,
    SourceRefused,
    SourceSchemaError,
    SourceUnavailable,
)
from connectors.files.selection import source_files
from connectors.landing import HELD_BACK_COLUMNS, LANDING_COLUMNS, keyed_rows, row_payloads
from connectors.read import ConnectorSpec, check_mapped_columns, read_batches, read_source
from connectors.rest_spec import RestConnector
from connectors.spec import (
    CsvConnector,
    JsonArrayConnector,
    JsonLinesConnector,
    ParquetConnector,
    SqlConnector,
)

__all__ = [
    "BATCH_ROWS",
    "HELD_BACK_COLUMNS",
    "LANDING_COLUMNS",
    "ConnectorError",
    "ConnectorSpec",
    "CursorError",
    "CsvConnector",
    "JsonArrayConnector",
    "JsonLinesConnector",
    "ParquetConnector",
    "RejectedRow",
    "RestConnector",
    "RowBatch",
    "SourceNotFound",
    "SourceRefused",
    "SourceSchemaError",
    "SourceUnavailable",
    "SqlConnector",
    "check_mapped_columns",
    "keyed_rows",
    "read_batches",
    "read_source",
    "row_payloads",
    "source_files",
]
