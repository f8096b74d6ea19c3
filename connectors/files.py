"""Reading customer rows from files: delimited text and JSON lines."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from connectors.exceptions import SourceSchemaError, SourceUnavailable
from connectors.spec import CsvConnector, JsonLinesConnector
from connectors.text import as_text


def _existing(path_text: str, source: str) -> Path:
    path = Path(path_text)
    if not path.is_file():
        raise SourceUnavailable(f"source `{source}`: file {path} does not exist")
    return path


def read_csv(spec: CsvConnector, source: str) -> pd.DataFrame:
    """All rows of a delimited file, every value as text (blank → missing)."""
    path = _existing(spec.path, source)
    try:
        frame = pd.read_csv(
            path,
            sep=spec.delimiter,
            quotechar=spec.quotechar,
            encoding=spec.encoding,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
        )
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise SourceSchemaError(f"source `{source}`: cannot read {path}: {exc}") from None
    return frame.astype(object).where(frame.notna(), None)


def read_json_lines(spec: JsonLinesConnector, source: str) -> pd.DataFrame:
    """All objects of a JSON-lines file, every value as text; blank lines are skipped."""
    path = _existing(spec.path, source)
    rows: list[dict[str, str | None]] = []
    with path.open(encoding=spec.encoding) as lines:
        for line_number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise SourceSchemaError(
                    f"source `{source}`: {path} line {line_number} is not JSON: {exc.msg}"
                ) from None
            if not isinstance(item, dict):
                raise SourceSchemaError(
                    f"source `{source}`: {path} line {line_number} is not a JSON object"
                )
            rows.append({key: as_text(value) for key, value in item.items()})
    frame = pd.DataFrame.from_records(rows).astype(object)
    return frame.where(frame.notna(), None)
