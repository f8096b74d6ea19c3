"""One entry point that reads any declared source."""

from __future__ import annotations

import pandas as pd

from connectors.files import read_csv, read_json_lines
from connectors.spec import ConnectorSpec, CsvConnector, JsonLinesConnector, SqlConnector
from connectors.sql import read_sql


def read_source(spec: ConnectorSpec, source: str) -> pd.DataFrame:
    """Every row of ``source`` in source order, each value as text or ``None``.

    Raises:
        SourceUnavailable: the file or database cannot be reached.
        SourceSchemaError: it can be reached but not read as declared.
    """
    match spec:
        case CsvConnector():
            return read_csv(spec, source)
        case JsonLinesConnector():
            return read_json_lines(spec, source)
        case SqlConnector():
            return read_sql(spec, source)
    raise TypeError(f"no reader for {type(spec).__name__}")
