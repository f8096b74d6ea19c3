"""Dates and timestamps, read with the source's declared format or as ISO 8601.

A value that does not fit the format, or names a day that does not exist
(``31021990``), is invalid. Timestamps without an offset are taken as UTC; those with
one are converted to UTC. Birth dates keep the day only, and are dates from the year
1000 on (``datetime64[s]``): pandas' nanosecond timestamps end before 1678.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pandas as pd

from quality.mapping import strftime_format
from quality.text import clean_text

EARLIEST_BIRTH_DATE = pd.Timestamp("1900-01-01")
"""Birth dates before this are taken as placeholders or typos (the default suite checks)."""


def _fit_format(text: pd.Series, date_format: str) -> tuple[pd.Series, str]:
    """The values that can fit ``date_format``, and the format as strftime codes.

    Token formats (``DDMMYYYY``) are fixed-width, so a value of another length is
    invalid even where strptime would read it: ``1021990`` is not 10 Feb 1990.
    """
    strftime = strftime_format(date_format)
    if "%" in date_format:
        return text, strftime
    return text.where(text.str.len() == len(date_format)), strftime


def _on_distinct(text: pd.Series, parse: Callable[[pd.Series], pd.Series], dtype: str) -> pd.Series:
    """``parse`` applied to the distinct values only: timestamps repeat a lot."""
    codes, distinct = pd.factorize(text, use_na_sentinel=True)
    parsed = pd.Series(parse(pd.Series(distinct, dtype="object")), dtype=dtype)
    if parsed.dt.tz is not None:  # work on plain UTC instants: no Timestamp objects
        parsed = parsed.dt.tz_convert(None)
    instants = np.append(parsed.to_numpy(dtype="datetime64[ns]"), np.datetime64("NaT", "ns"))
    result = pd.Series(instants[codes], index=text.index)
    return result.dt.tz_localize("UTC") if dtype.endswith("UTC]") else result


def parse_timestamps(values: pd.Series, date_format: str | None = None) -> pd.Series:
    """Parse text into UTC timestamps.

    Args:
        values: Raw date or timestamp values.
        date_format: The source's declared format (``DDMMYYYY HH:mm`` tokens or strftime
            codes); ``None`` reads ISO 8601 dates
            and timestamps (``2024-03-01``, ``2024-03-01T12:30:00+01:00``, ``...Z``).

    Returns:
        ``datetime64[ns, UTC]`` values, NaT where the input is missing or unreadable.
        Compare with the input's presence to tell invalid values from missing ones.
    """

    def parse(text: pd.Series) -> pd.Series:
        if date_format is None:
            return pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
        text, strftime = _fit_format(text, date_format)
        return pd.to_datetime(text, format=strftime, exact=True, errors="coerce", utc=True)

    return _on_distinct(clean_text(values), parse, "datetime64[ns, UTC]")


#: The earliest year a date may have: earlier "years" are typos or placeholders.
EARLIEST_YEAR = 1000


def parse_dates(values: pd.Series, date_format: str | None = None) -> pd.Series:
    """Parse text into calendar dates (``datetime64[s]``, time of day dropped).

    Args:
        values: Raw date values.
        date_format: The source's declared format (tokens or strftime codes), or
            ``None`` for ISO 8601.

    Returns:
        Midnight of each day, NaT where the input is missing or unreadable; a date may be
        of any year from ``EARLIEST_YEAR`` to 9999. An ISO timestamp with an offset keeps
        the calendar day written in it.
    """
    text = clean_text(values)
    if date_format is None:
        # The date as written, before any offset: "1990-02-28T23:00:00-05:00" is Feb 28.
        text = text.str.replace(r"^(\d{4}-\d{2}-\d{2})[T ].*$", r"\1", regex=True)
        strftime = None
    else:
        text, strftime = _fit_format(text, date_format)
    codes, distinct = pd.factorize(text, use_na_sentinel=True)
    strings: list[str] = list(distinct)
    if strftime is None:
        parsed = pd.to_datetime(
            pd.Series(strings, dtype="object"), format="ISO8601", errors="coerce"
        )
    else:
        parsed = pd.to_datetime(
            pd.Series(strings, dtype="object"), format=strftime, exact=True, errors="coerce"
        )
    days = np.append(
        parsed.dt.normalize().to_numpy(dtype="datetime64[s]"), np.datetime64("NaT", "s")
    )
    # Nanosecond timestamps end in 1677 and 2262: read the few values left one by one.
    for at in np.flatnonzero(np.isnat(days[:-1])):
        days[at] = _day(strings[at], strftime)
    return pd.Series(days[codes], index=values.index, dtype="datetime64[s]")


def _day(text: str, strftime: str | None) -> np.datetime64:
    """One date outside pandas' nanosecond range, or NaT."""
    try:
        if strftime is None:
            day = dt.date.fromisoformat(text) if len(text) == 10 else None
        else:
            day = dt.datetime.strptime(text, strftime).date()
    except ValueError:
        day = None
    if day is None or day.year < EARLIEST_YEAR:
        return np.datetime64("NaT", "s")
    return np.datetime64(day, "s")
