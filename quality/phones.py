"""Phone numbers in E.164, read with the record's country as the default region.

A number that cannot be parsed, or that phonenumbers deems invalid for its region,
becomes missing. It does not quarantine the record: a phone is one contact attribute
among many, legacy systems hold plenty of half-typed numbers, and holding back a whole
customer for one would cost the matching stage more than the number is worth.

``phonenumbers`` spends about 70 µs on a number, too slow for millions of rows. Numbers
written with digits, spaces and ``-./()`` only, the vast majority, are therefore read by
a fast path that applies phonenumbers' own metadata the way its ``parse`` and
``is_valid_number`` do (international prefix, country code, national prefix, the
region's number patterns and lengths). Anything the fast path does not accept as valid
(letters, extensions, regions with prefix-transform rules, invalid numbers) goes to
``phonenumbers`` itself, so the result is phonenumbers' result either way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

import pandas as pd
import phonenumbers
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata

from quality.text import clean_value, map_pairs

_LAYOUT = str.maketrans("", "", " -./()")
_TYPE_DESCS = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "fixed_line",
    "mobile",
)


@dataclass(frozen=True)
class _Desc:
    pattern: re.Pattern[str]
    lengths: frozenset[int]

    def matches(self, number: str) -> bool:
        return (not self.lengths or len(number) in self.lengths) and bool(
            self.pattern.fullmatch(number)
        )


@dataclass(frozen=True, eq=False)
class _Region:
    """What the fast path needs of one region's phonenumbers metadata."""

    country_code: str
    general: _Desc
    types: tuple[_Desc, ...]
    leading_digits: re.Pattern[str] | None
    international_prefix: re.Pattern[str] | None
    national_prefix: re.Pattern[str] | None
    simple: bool
    """No national-prefix transform rule and no carrier codes: the fast path applies."""
    types_by_length: dict[int, re.Pattern[str] | None] = field(default_factory=dict)
    """For each number length, one pattern of the number types that allow that length."""

    def is_valid(self, national: str) -> bool:
        if not self.general.matches(national):
            return False
        length = len(national)
        if length not in self.types_by_length:
            patterns = [
                t.pattern.pattern for t in self.types if not t.lengths or length in t.lengths
            ]
            self.types_by_length[length] = (
                re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None
            )
        typed = self.types_by_length[length]
        return typed is not None and typed.fullmatch(national) is not None

    def without_national_prefix(self, national: str) -> str:
        """``national`` with its national prefix stripped, as phonenumbers' parse does."""
        if self.national_prefix is None or not national:
            return national
        found = self.national_prefix.match(national)
        if found is None:
            return national
        stripped = national[found.end() :]
        viable = self.general.pattern.fullmatch
        if viable(national) and not viable(stripped):
            return national
        # parse keeps the stripped number only when its length is possible.
        return stripped if len(stripped) in self.general.lengths else national


def _desc(desc: phonenumbers.PhoneNumberDesc | None) -> _Desc | None:
    if desc is None or not desc.national_number_pattern:
        return None
    return _Desc(re.compile(desc.national_number_pattern), frozenset(desc.possible_length))


@cache
def _region(code: str) -> _Region | None:
    metadata = PhoneMetadata.metadata_for_region(code, None)
    if metadata is None:
        return None
    general = _desc(metadata.general_desc)
    if general is None:
        return None
    types = tuple(
        d for d in (_desc(getattr(metadata, name)) for name in _TYPE_DESCS) if d is not None
    )
    prefix = metadata.national_prefix_for_parsing
    national_prefix = re.compile(prefix) if prefix else None
    simple = metadata.national_prefix_transform_rule is None and (
        national_prefix is None or national_prefix.groups == 0
    )
    return _Region(
        country_code=str(metadata.country_code),
        general=general,
        types=types,
        leading_digits=re.compile(metadata.leading_digits) if metadata.leading_digits else None,
        international_prefix=(
            re.compile(metadata.international_prefix) if metadata.international_prefix else None
        ),
        national_prefix=national_prefix,
        simple=simple,
    )


def _valid_for_code(country_code: int, national: str) -> bool:
    """phonenumbers' ``is_valid_number`` for a number with this calling code."""
    regions = COUNTRY_CODE_TO_REGION_CODE.get(country_code, ())
    if len(regions) == 1:
        region = _region(regions[0])
        return region is not None and region.is_valid(national)
    for code in regions:
        region = _region(code)
        if region is None:
            continue
        if region.leading_digits is not None:
            if region.leading_digits.match(national):
                return region.is_valid(national)
        elif region.is_valid(national):
            return True
    return False


def _fast_e164(number: str, default_region: str | None) -> str | None:
    """The E.164 form of a plainly written valid number, or ``None`` to ask phonenumbers."""
    compact = number.translate(_LAYOUT)
    international = compact.startswith("+")
    digits = compact[1:] if international else compact
    if not (digits.isascii() and digits.isdigit()):
        return None
    if not international:
        region = _region(default_region) if default_region else None
        if region is None or not region.simple:
            return None
        idd = region.international_prefix
        if digits.startswith(region.country_code) or (idd is not None and idd.match(digits)):
            return None  # phonenumbers has rules of its own for these
        country_code, national = region.country_code, digits
    else:
        for size in (1, 2, 3):
            if int(digits[:size] or 0) in COUNTRY_CODE_TO_REGION_CODE and digits[0] != "0":
                country_code, national = digits[:size], digits[size:]
                break
        else:
            return None
        main = _region(COUNTRY_CODE_TO_REGION_CODE[int(country_code)][0])
        if main is None or not main.simple or main.country_code != country_code:
            return None
        region = main
    national = region.without_national_prefix(national)
    if not _valid_for_code(int(country_code), national):
        return None
    return f"+{country_code}{national}"


def _e164_or_none(value: str, region: str | None) -> str | None:
    number = clean_value(value)
    return None if number is None else _e164(number, region)


def _e164(number: str, region: str | None) -> str | None:
    fast = _fast_e164(number, region)
    if fast is not None:
        return fast
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def to_e164(phones: pd.Series, regions: pd.Series | None = None) -> pd.Series:
    """Format phone numbers as E.164.

    Only distinct (number, region) pairs are read: phone columns repeat a lot
    (switchboards, placeholders, households).

    Args:
        phones: Raw phone values.
        regions: ISO alpha-2 default region per row, for numbers written without a
            country prefix; missing means only ``+``-prefixed numbers can be read.

    Returns:
        E.164 numbers, object dtype, ``None`` where missing, unparseable or invalid.
    """
    if regions is None:
        regions = pd.Series(None, index=phones.index, dtype="object")
    return map_pairs(phones, regions, _e164_or_none)
