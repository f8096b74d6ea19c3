"""Postal codes: trimmed, upper-cased and, where the country's shape is known, formatted.

Known shapes: GB (``SW1A 1AA``), NO (4 digits), DE and ES (5 digits), US (ZIP5 or
ZIP+4 as ``12345-6789``). Numeric codes that lost leading zeros in a spreadsheet
(``1067`` for Dresden's ``01067``) are padded back. A postcode that does not fit its
country's shape is kept as written: the address may still be right, and matching
compares it as text.
"""

from __future__ import annotations

import pandas as pd

from quality.text import clean_text

_UK_COMPACT = r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$"
_US_ZIP = r"^(\d{5})(?:-?(\d{4}))?$"


def _padded_digits(codes: pd.Series, width: int, shortest: int) -> pd.Series:
    """Digit-only codes of ``shortest``..``width`` digits, zero-padded; others unchanged."""
    compact = codes.str.replace(r"^[A-Z]{1,2}-", "", regex=True).str.replace(" ", "")
    fits = compact.str.fullmatch(rf"\d{{{shortest},{width}}}", na=False).astype(bool)
    return compact.str.zfill(width).where(fits, codes)


def _uk(codes: pd.Series) -> pd.Series:
    compact = codes.str.replace(" ", "")
    return compact.str.replace(_UK_COMPACT, r"\1 \2", regex=True).where(
        compact.str.fullmatch(_UK_COMPACT, na=False).astype(bool), codes
    )


def _us(codes: pd.Series) -> pd.Series:
    compact = codes.str.replace(" ", "")
    lost_zero = compact.str.fullmatch(r"\d{4}", na=False).astype(bool)
    compact = compact.where(~lost_zero, "0" + compact)
    parts = compact.str.extract(_US_ZIP)
    zip_plus4 = parts[0] + "-" + parts[1]
    formatted = zip_plus4.where(parts[1].notna(), parts[0])
    return formatted.where(parts[0].notna(), codes)


_BY_COUNTRY = {
    "GB": _uk,
    "US": _us,
    "DE": lambda codes: _padded_digits(codes, 5, 4),
    "ES": lambda codes: _padded_digits(codes, 5, 4),
    "NO": lambda codes: _padded_digits(codes, 4, 3),
}


def normalize_postcodes(postcodes: pd.Series, countries: pd.Series) -> pd.Series:
    """Normalize postal codes for their countries.

    Args:
        postcodes: Raw postcode values.
        countries: ISO alpha-2 country per row (missing: only trimmed and upper-cased).

    Returns:
        Normalized postcodes, object dtype, NaN where missing.
    """
    codes = clean_text(postcodes).str.upper()
    result = codes.copy()
    for country, normalize in _BY_COUNTRY.items():
        in_country = (countries == country) & codes.notna()
        if in_country.any():
            result[in_country] = normalize(codes[in_country])
    return result.astype("object")
