"""Standardize one source's raw rows into canonical customer records.

Every raw row becomes one canonical record. Standardizing judges only what it must to
build the record: a date that does not fit the source's format, or names no real day,
is set aside as ``invalid_date`` (the record goes on without it; the gate judges the
rule's threshold). Whether values are *valid* (keys present and unique, e-mail syntax,
a phone number, a known country, a plausible birth date) is the expectation suite's
call (``quality.validation``), so that its batch-level thresholds see every bad value
and a row's problems are reported together. An unknown country and a phone number that
cannot be read are kept as written for the suite to name.

Control characters (a NUL, an escape, a bell, …) are removed from every value (see
``quality.text``): they mean nothing in a name or an address. Each value they were
removed from is noted, and its record goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from quality import quarantine as rules
from quality.canonical import CANONICAL_FIELDS, RECORD_ID
from quality.countries import to_alpha2
from quality.dates import parse_dates, parse_timestamps
from quality.emails import normalize_emails
from quality.exceptions import MissingColumnError
from quality.mapping import FULL_NAME, FieldMapping, SourceMappingBase
from quality.names import clean_name, split_full_name
from quality.phones import to_e164
from quality.postcodes import normalize_postcodes
from quality.quarantine import FieldIssueLog, note_control_characters, offending
from quality.text import clean_text_noting_controls, with_control_characters

_DATE_COLUMNS: dict[str, Literal["datetime64[s]", "datetime64[ns, UTC]"]] = {
    "birth_date": "datetime64[s]",
    "source_updated_at": "datetime64[ns, UTC]",
}


@dataclass(frozen=True)
class StandardizedBatch:
    """One source batch after standardization.

    Attributes:
        source: The configured source system.
        records: One canonical record (``CANONICAL_FIELDS``, ``record_id``, then the
            mapped attributes as text) per raw row, indexed by that row's 0-based
            position in the raw batch.
        issues: Values that could not be read (``invalid_date``), missing from their
            records, and values that control characters were removed from
            (``control_characters_removed``), one per row and field, in
            ``FIELD_ISSUE_COLUMNS``. No row is held back here.
    """

    source: str
    records: pd.DataFrame
    issues: pd.DataFrame


class _Columns:
    """The raw values behind each mapped field, their cleaned text, and how to name them in
    details."""

    def __init__(self, raw: pd.DataFrame, mapping: SourceMappingBase) -> None:
        self._raw = raw
        self._fields = {**mapping.fields, **mapping.attributes}
        self._text: dict[str, pd.Series] = {}
        #: By column: which of its values held control characters.
        self._with_controls: dict[str, np.ndarray] = {}
        self.rows = pd.RangeIndex(len(raw))

    def __contains__(self, field: str) -> bool:
        return field in self._fields

    def spec(self, field: str) -> FieldMapping:
        return self._fields[field]

    def values(self, field: str) -> pd.Series:
        spec = self._fields[field]
        if spec.column is not None:
            return self._raw[spec.column].reset_index(drop=True).astype("object")
        return pd.Series(spec.value, index=self.rows, dtype="object")

    def text(self, field: str) -> pd.Series:
        """The field's values as cleaned text (see ``clean_text``), computed once."""
        if field not in self._text:
            self._text[field], with_controls = clean_text_noting_controls(self.values(field))
            column = self._fields[field].column
            if column is not None:
                self._with_controls[column] = with_controls
        return self._text[field]

    def note_control_characters(self, notes: FieldIssueLog, noted: set[str]) -> None:
        """Note, column by column, the values that had control characters removed.

        Args:
            notes: Where the notes go.
            noted: Columns noted already, left out.
        """
        fields: dict[str, str] = {}  # column -> the first field it feeds
        for name, spec in self._fields.items():
            if spec.column is not None:
                fields.setdefault(spec.column, name)
        for column in sorted(set(fields) - noted):
            values = self._raw[column].reset_index(drop=True)
            with_controls = self._with_controls.get(column)
            if with_controls is None:  # a column only names read: they clean it themselves
                with_controls = with_control_characters(values)
            note_control_characters(
                notes, fields[column], f"column `{column}`", values, with_controls
            )

    def label(self, field: str) -> str:
        spec = self._fields[field]
        return f"column `{spec.column}`" if spec.column is not None else "mapped value"


def standardize(
    raw: pd.DataFrame, *, source: str, primary_key: str, mapping: SourceMappingBase
) -> StandardizedBatch:
    """Turn one source's raw rows into canonical records, noting the values set aside.

    Args:
        raw: The source's rows as read, every column as text (None/NaN for missing),
            in source order; a row's position identifies it in the quarantine.
        source: The configured source name; prefixes every ``record_id``.
        primary_key: The raw column holding the source's own key.
        mapping: Which raw column (or constant) feeds each canonical field.

    Returns:
        One record per raw row, and the values that could not be read or were cleaned of
        control characters.

    Raises:
        MissingColumnError: The primary key or a mapped column is not in ``raw``.
    """
    for column in [primary_key, *sorted(mapping.source_columns())]:
        if column not in raw.columns:
            raise MissingColumnError(source, column, [str(name) for name in raw.columns])

    columns = _Columns(raw, mapping)
    raw_keys = raw[primary_key].reset_index(drop=True)
    source_keys, keys_with_controls = clean_text_noting_controls(raw_keys)
    issues = FieldIssueLog(source, source_keys)

    fields: dict[str, pd.Series | None] = {"source_key": source_keys, **_names(columns)}
    fields["birth_date"] = _dates(columns, issues, "birth_date", parse_dates)
    if "email" in columns:
        fields["email"] = normalize_emails(columns.text("email"))
    countries = None
    if "country" in columns:
        countries = to_alpha2(columns.text("country"))
        fields["country"] = countries.where(countries.notna(), columns.text("country"))
    if "phone" in columns:
        # A number that cannot be read is kept as written for the suite to name.
        phones = to_e164(columns.text("phone"), countries)
        fields["phone"] = phones.where(phones.notna(), columns.text("phone"))
    if "postcode" in columns:
        fields["postcode"] = normalize_postcodes(columns.text("postcode"), countries)
    for field in ("street", "city"):
        if field in columns:
            fields[field] = columns.text(field)
    fields["source_updated_at"] = _dates(columns, issues, "source_updated_at", parse_timestamps)
    records = _canonical_frame(source, fields, len(raw))
    for name in mapping.attributes:
        records[name] = columns.text(name).set_axis(records.index)
    note_control_characters(
        issues, "source_key", f"column `{primary_key}`", raw_keys, keys_with_controls
    )
    columns.note_control_characters(issues, noted={primary_key})
    return StandardizedBatch(source=source, records=records, issues=issues.frame())


def _names(columns: _Columns) -> dict[str, pd.Series | None]:
    """Given and family names; separate name columns win over a split full name."""
    names: dict[str, pd.Series | None] = {"given_name": None, "family_name": None}
    if FULL_NAME in columns:
        order = columns.spec(FULL_NAME).order or "given_family"
        split = split_full_name(columns.values(FULL_NAME), order)
        names = {field: split[field] for field in names}
    for field, from_full_name in names.items():
        if field in columns:
            separate = clean_name(columns.values(field))
            names[field] = separate if from_full_name is None else separate.fillna(from_full_name)
    return names


def _dates(
    columns: _Columns,
    issues: FieldIssueLog,
    field: str,
    parse: Callable[[pd.Series, str | None], pd.Series],
) -> pd.Series | None:
    if field not in columns:
        return None
    text = columns.text(field)
    date_format = columns.spec(field).format
    parsed = parse(text, date_format)
    expected = f"a date in format {date_format}" if date_format else "an ISO 8601 date"
    issues.add_values(
        text.notna() & parsed.isna(),
        field,
        rules.INVALID_DATE,
        columns.values(field),
        offending(columns.label(field), columns.values(field), f"is not {expected}"),
    )
    return parsed


def _canonical_frame(source: str, fields: dict[str, pd.Series | None], rows: int) -> pd.DataFrame:
    """Exactly the canonical columns in order, plus ``record_id``, with their dtypes."""
    index = pd.RangeIndex(rows, name="position")
    frame = pd.DataFrame(index=index)
    for field in CANONICAL_FIELDS:
        values = fields.get(field)
        if field == "source":
            frame[field] = pd.Series(source, index=index, dtype="object")
        elif field in _DATE_COLUMNS:
            dtype = _DATE_COLUMNS[field]
            frame[field] = (
                pd.Series(pd.NaT, index=index, dtype=dtype)
                if values is None
                else values.set_axis(index).astype(dtype)
            )
        elif values is None:
            frame[field] = pd.Series(None, index=index, dtype="object")
        else:  # the standardizers give None, never NaN, for a missing value
            frame[field] = values.set_axis(index).astype("object")
    frame[RECORD_ID] = source + ":" + frame["source_key"]
    return frame
