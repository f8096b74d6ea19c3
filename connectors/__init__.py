"""Connectors: read customer rows from source systems (files, SQL databases)."""

from connectors.exceptions import ConnectorError, SourceSchemaError, SourceUnavailable
from connectors.landing import LANDING_COLUMNS, landing_rows, row_payloads
from connectors.read import read_source
from connectors.spec import ConnectorSpec, CsvConnector, JsonLinesConnector, SqlConnector

__all__ = [
    "ConnectorError",
    "ConnectorSpec",
    "CsvConnector",
    "JsonLinesConnector",
    "LANDING_COLUMNS",
    "SourceSchemaError",
    "SourceUnavailable",
    "SqlConnector",
    "landing_rows",
    "read_source",
    "row_payloads",
]
