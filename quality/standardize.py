"""Standardize one source's raw rows into canonical customer records, or quarantine them.

Every raw row ends up in exactly one place: the records, or the quarantine with each
rule it broke. Rules:

- ``missing_source_key``: the primary key is missing or blank.
- ``duplicate_source_key``: the key occurs more than once in the batch; every copy is
  held back, since nothing tells which one is right.
- ``invalid_email``: the address is not a syntactically valid e-mail address.
- ``unknown_country``: the country is neither a known code nor a known name.
- ``invalid_date``: a date does not fit the source's format, or names no real day.
- ``implausible_birth_date``: a birth date before 1900-01-01 or in the future.

Phones that cannot be read become missing without quarantine (see ``quality.phones``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from quality import quarantine as rules
from quality.canonical import CANONICAL_FIELDS, RECORD_ID
from quality.countries import to_alpha2
from quality.dates import (
    EARLIEST_BIRTH_DATE,
    parse_dates,
    parse_timestamps,
    plausible_birth_date_mask,
)
from quality.emails import normalize_emails, valid_email_mask
from quality.exceptions import MissingColumnError
from quality.mapping import FULL_NAME, FieldMapping, SourceMappingBase
from quality.names import clean_name, split_full_name
from quality.phones import to_e164
from quality.postcodes import normalize_postcodes
from quality.quarantine import QuarantineLog, quoted, rows_held_back
from quality.text import clean_text

_DATE_COLUMNS = {"birth_date": "datetime64[ns]", "source_updated_at": "datetime64[ns, UTC]"}


@dataclass(frozen=True)
class StandardizedBatch:
    """One source batch after standardization.

    Attributes:
        source: The configured source system.
        records: Canonical records (``CANONICAL_FIELDS`` then ``record_id``), one per
            raw row that passed every rule, indexed by that row's 0-based position in
            the raw batch.
        quarantine: Rows held back, columns ``QUARANTINE_COLUMNS``; a raw row that broke
            several rules appears once per rule.
        rows_read: Number of raw rows in the batch.
    """

    source: str
    records: pd.DataFrame
    quarantine: pd.DataFrame
    rows_read: int

    def __post_init__(self) -> None:
        if len(self.records) + self.rows_quarantined != self.rows_read:
            raise AssertionError(
                f"source `{self.source}`: {self.rows_read} rows read but "
                f"{len(self.records)} standardized + {self.rows_quarantined} quarantined"
            )

    @property
    def rows_standardized(self) -> int:
        """Raw rows that became records."""
        return len(self.records)

    @property
    def rows_quarantined(self) -> int:
        """Raw rows held back, each counted once however many rules it broke."""
        return rows_held_back(self.quarantine)


class _Columns:
    """The raw values behind each mapped field, and how to name them in details."""

    def __init__(self, raw: pd.DataFrame, mapping: SourceMappingBase) -> None:
        self._raw = raw
        self._fields = mapping.fields
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

    def label(self, field: str) -> str:
        spec = self._fields[field]
        return f"column `{spec.column}`" if spec.column is not None else "mapped value"


def standardize(
    raw: pd.DataFrame, *, source: str, primary_key: str, mapping: SourceMappingBase
) -> StandardizedBatch:
    """Turn one source's raw rows into canonical records and a quarantine.

    Args:
        raw: The source's rows as read, every column as text (None/NaN for missing),
            in source order; a row's position identifies it in the quarantine.
        source: The configured source name; prefixes every ``record_id``.
        primary_key: The raw column holding the source's own key.
        mapping: Which raw column (or constant) feeds each canonical field.

    Returns:
        The standardized records and the quarantined rows; together they account for
        every raw row.

    Raises:
        MissingColumnError: The primary key or a mapped column is not in ``raw``.
    """
    for column in [primary_key, *sorted(mapping.source_columns())]:
        if column not in raw.columns:
            raise MissingColumnError(source, column, [str(name) for name in raw.columns])

    columns = _Columns(raw, mapping)
    source_keys = clean_text(raw[primary_key].reset_index(drop=True))
    log = QuarantineLog(source, source_keys)
    _check_source_keys(log, source_keys, primary_key)

    fields: dict[str, pd.Series | None] = {"source_key": source_keys, **_names(columns)}
    fields["birth_date"] = _birth_dates(columns, log)
    fields["email"] = _emails(columns, log)
    countries = fields["country"] = _countries(columns, log)
    if "phone" in columns:
        fields["phone"] = to_e164(columns.values("phone"), countries)
    if "postcode" in columns:
        no_country = pd.Series(None, index=columns.rows, dtype="object")
        fields["postcode"] = normalize_postcodes(
            columns.values("postcode"), no_country if countries is None else countries
        )
    for field in ("street", "city"):
        if field in columns:
            fields[field] = clean_text(columns.values(field))
    fields["source_updated_at"] = _updated_at(columns, log)

    kept = ~log.held_back()
    return StandardizedBatch(
        source=source,
        records=_canonical_frame(source, fields, kept),
        quarantine=log.frame(),
        rows_read=len(raw),
    )


def _check_source_keys(log: QuarantineLog, source_keys: pd.Series, primary_key: str) -> None:
    log.add(source_keys.isna(), rules.MISSING_SOURCE_KEY, f"column `{primary_key}` is empty")
    occurrences = source_keys.map(source_keys.value_counts())
    duplicated = occurrences.fillna(0).to_numpy() > 1
    log.add(
        duplicated,
        rules.DUPLICATE_SOURCE_KEY,
        f"column `{primary_key}`: "
        + quoted(source_keys)
        + " occurs "
        + occurrences.astype("Int64").astype(str)
        + " times in the batch",
    )


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
    log: QuarantineLog,
    field: str,
    parse: Callable[[pd.Series, str | None], pd.Series],
) -> tuple[pd.Series, pd.Series] | None:
    if field not in columns:
        return None
    raw_values = columns.values(field)
    date_format = columns.spec(field).format
    parsed = parse(raw_values, date_format)
    unreadable = clean_text(raw_values).notna() & parsed.isna()
    expected = f"a date in format {date_format}" if date_format else "an ISO 8601 date"
    log.add(
        unreadable,
        rules.INVALID_DATE,
        f"{columns.label(field)}: " + quoted(raw_values) + f" is not {expected}",
    )
    return raw_values, parsed


def _birth_dates(columns: _Columns, log: QuarantineLog) -> pd.Series | None:
    read = _dates(columns, log, "birth_date", parse_dates)
    if read is None:
        return None
    raw_values, birth_dates = read
    implausible = ~plausible_birth_date_mask(birth_dates).to_numpy()
    too_early = (birth_dates < EARLIEST_BIRTH_DATE).to_numpy()
    label = columns.label("birth_date")
    reason = np.where(too_early, f"is before {EARLIEST_BIRTH_DATE:%Y-%m-%d}", "is in the future")
    log.add(
        implausible,
        rules.IMPLAUSIBLE_BIRTH_DATE,
        f"{label}: " + quoted(raw_values) + " " + reason,
    )
    return birth_dates


def _updated_at(columns: _Columns, log: QuarantineLog) -> pd.Series | None:
    read = _dates(columns, log, "source_updated_at", parse_timestamps)
    return None if read is None else read[1]


def _emails(columns: _Columns, log: QuarantineLog) -> pd.Series | None:
    if "email" not in columns:
        return None
    raw_values = columns.values("email")
    emails = normalize_emails(raw_values)
    log.add(
        ~valid_email_mask(emails),
        rules.INVALID_EMAIL,
        f"{columns.label('email')}: " + quoted(raw_values) + " is not a valid e-mail address",
    )
    return emails


def _countries(columns: _Columns, log: QuarantineLog) -> pd.Series | None:
    if "country" not in columns:
        return None
    raw_values = columns.values("country")
    countries = to_alpha2(raw_values)
    log.add(
        clean_text(raw_values).notna() & countries.isna(),
        rules.UNKNOWN_COUNTRY,
        f"{columns.label('country')}: " + quoted(raw_values) + " is not a known country",
    )
    return countries


def _canonical_frame(
    source: str, fields: dict[str, pd.Series | None], kept: np.ndarray
) -> pd.DataFrame:
    """Exactly the canonical columns in order, plus ``record_id``, with their dtypes."""
    rows = pd.RangeIndex(int(kept.sum()))
    frame = pd.DataFrame(index=rows)
    for field in CANONICAL_FIELDS:
        values = fields.get(field)
        if field == "source":
            frame[field] = pd.Series(source, index=rows, dtype="object")
        elif field in _DATE_COLUMNS:
            dtype = _DATE_COLUMNS[field]
            frame[field] = (
                pd.Series(pd.NaT, index=rows, dtype=dtype)
                if values is None
                else values[kept].reset_index(drop=True).astype(dtype)
            )
        elif values is None:
            frame[field] = pd.Series(None, index=rows, dtype="object")
        else:
            text = values[kept].reset_index(drop=True).astype("object")
            frame[field] = text.where(text.notna(), None)
    frame[RECORD_ID] = source + ":" + frame["source_key"]
    frame.index = pd.Index(np.flatnonzero(kept), name="position")
    return frame
