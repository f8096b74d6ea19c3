"""Postal codes: trimmed, upper-cased and, where the country's shape is known, formatted.

Known shapes: GB (``SW1A 1AA``), NO (4 digits), DE and ES (5 digits), US (ZIP5 or
ZIP+4 as ``12345-6789``). Numeric codes that lost leading zeros in a spreadsheet
(``1067`` for Dresden's ``01067``) are padded back. A postcode that does not fit its
country's shape is kept as written: the address may still be right, and matching
compares it as text.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd

from quality.text import clean_value, map_pairs

_UK = re.compile(r"([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})")
_US_ZIP = re.compile(r"(\d{5})(?:-?(\d{4}))?")
_COUNTRY_PREFIX = re.compile(r"^[A-Z]{1,2}-")  # "D-10115"


def _padded_digits(width: int, shortest: int) -> Callable[[str], str]:
    """Digit-only codes of ``shortest``..``width`` digits, zero-padded; others unchanged."""

    def normalize(code: str) -> str:
        compact = _COUNTRY_PREFIX.sub("", code).replace(" ", "")
        fits = compact.isascii() and compact.isdigit() and shortest <= len(compact) <= width
        return compact.zfill(width) if fits else code

    return normalize


def _uk(code: str) -> str:
    parts = _UK.fullmatch(code.replace(" ", ""))
    return f"{parts[1]} {parts[2]}" if parts else code


def _us(code: str) -> str:
    compact = code.replace(" ", "")
    if len(compact) == 4 and compact.isascii() and compact.isdigit():
        compact = "0" + compact  # a ZIP that lost its leading zero
    parts = _US_ZIP.fullmatch(compact)
    if parts is None:
        return code
    return f"{parts[1]}-{parts[2]}" if parts[2] else parts[1]


_BY_COUNTRY: dict[str, Callable[[str], str]] = {
    "GB": _uk,
    "US": _us,
    "DE": _padded_digits(5, 4),
    "ES": _padded_digits(5, 4),
    "NO": _padded_digits(4, 3),
}


def _normalize(postcode: str, country: str | None) -> str | None:
    code = clean_value(postcode)
    if code is None:
        return None
    code = code.upper()
    normalize = _BY_COUNTRY.get(country) if country else None
    return normalize(code) if normalize else code


def normalize_postcodes(postcodes: pd.Series, countries: pd.Series | None) -> pd.Series:
    """Normalize postal codes for their countries.

    Args:
        postcodes: Raw postcode values.
        countries: ISO alpha-2 country per row (missing: only trimmed and upper-cased).

    Returns:
        Normalized postcodes, object dtype, ``None`` where missing.
    """
    if countries is None:
        countries = pd.Series(None, index=postcodes.index, dtype="object")
    return map_pairs(postcodes, countries, _normalize)
