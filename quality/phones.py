"""Phone numbers in E.164, read with the record's country as the default region.

A number that cannot be parsed, or that phonenumbers deems invalid for its region,
becomes missing. It does not quarantine the record: a phone is one contact attribute
among many, legacy systems hold plenty of half-typed numbers, and holding back a whole
customer for one would cost the matching stage more than the number is worth.
"""

from __future__ import annotations

import pandas as pd
import phonenumbers

from quality.text import clean_text


def _e164(number: str, region: str | None) -> str | None:
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def to_e164(phones: pd.Series, regions: pd.Series | None = None) -> pd.Series:
    """Format phone numbers as E.164.

    Only distinct (number, region) pairs are parsed: phone columns repeat a lot
    (switchboards, placeholders, households).

    Args:
        phones: Raw phone values.
        regions: ISO alpha-2 default region per row, for numbers written without a
            country prefix; missing means only ``+``-prefixed numbers can be read.

    Returns:
        E.164 numbers, object dtype, NaN where missing, unparseable or invalid.
    """
    numbers = clean_text(phones)
    if regions is None:
        regions = pd.Series(None, index=phones.index, dtype="object")
    pairs = pd.DataFrame({"number": numbers, "region": regions.astype("object")})
    pairs = pairs[pairs["number"].notna()]
    if pairs.empty:
        return pd.Series(float("nan"), index=phones.index, dtype="object")
    distinct = pairs.drop_duplicates()
    formatted = [
        _e164(number, region if isinstance(region, str) else None)
        for number, region in zip(distinct["number"], distinct["region"], strict=True)
    ]
    distinct = distinct.assign(e164=formatted)
    merged = pairs.merge(distinct, on=["number", "region"], how="left")
    result = pd.Series(merged["e164"].to_numpy(), index=pairs.index, dtype="object")
    return result.reindex(phones.index)
