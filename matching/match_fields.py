"""Match fields: the normalized, derived columns that blocking and comparison read.

Derived once per record, never per pair: folded names and their spelling keys, phonetic
codes, known given names (for nicknames), birth-date parts, e-mail local parts and the
year that ends them, phone tails, folded addresses and their street names and house
numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, cast

import numpy as np
import pandas as pd

from matching.addresses import split_streets
from matching.names import (
    emails_used_by_several_people,
    family_names_in_emails,
    metaphone_series,
    nickname_numbers,
    soundex_series,
    spelling_keys,
)
from quality import PERSON_FIELDS, RECORD_ID, clean_text, fold_names

#: Built-in blocking key (see `settings.BUILTIN_BLOCKING_KEYS`) → match field holding it.
BLOCKING_KEY_FIELDS: Final[dict[str, str]] = {
    "email": "email",
    "phone": "phone",
    "birth_date": "birth_date",
    "birth_year": "birth_year_key",
    "given_name": "given",
    "given_name_initial": "given_initial",
    "given_name_prefix3": "given_prefix3",
    "given_name_soundex": "given_soundex",
    "given_name_metaphone": "given_metaphone",
    "family_name": "family",
    "family_name_initial": "family_initial",
    "family_name_prefix3": "family_prefix3",
    "family_name_soundex": "family_soundex",
    "family_name_metaphone": "family_metaphone",
    "names_metaphone_any_order": "names_metaphone",
    "full_name": "full_name",
    "street": "street",
    "postcode": "postcode",
    "city": "city",
}

_MISSING_PART: Final = -1
#: Match fields a record takes from the other records, not from its own values: whether
#: its e-mail address is used by several people.
FROM_OTHERS: Final = ("email_shared",)


def attribute_field(attribute: str) -> str:
    """The match field holding an extra attribute's values (also its blocking key's field)."""
    return f"attribute:{attribute}"


def blocking_key_field(key: str) -> str:
    """The match field a blocking key (built in, or an attribute's name) reads."""
    return BLOCKING_KEY_FIELDS.get(key) or attribute_field(key)


def prepare_match_fields(records: pd.DataFrame, attributes: Sequence[str] = ()) -> pd.DataFrame:
    """Derive the match fields of each record, in the same row order.

    Args:
        records: Canonical customer records; absent person columns count as missing.
        attributes: Extra attributes to compare, as lower-cased trimmed text; an
            attribute the records lack is missing everywhere.

    Returns:
        One row per record (positional index) of normalized text (``None`` when
        missing) and integer birth-date parts (``-1`` when missing).
    """
    columns = {field: _column(records, field) for field in PERSON_FIELDS}
    fields = pd.DataFrame(index=pd.RangeIndex(len(records)))
    fields[RECORD_ID] = records[RECORD_ID].to_numpy(dtype=object)

    email = clean_text(columns["email"]).str.lower()
    fields["email"] = email
    fields["email_local"] = email.str.split("@", n=1).str[0]

    given = fold_names(columns["given_name"])
    family = fold_names(columns["family_name"])
    # Where the family name is missing, the one the e-mail address spells stands in.
    family = family.fillna(family_names_in_emails(fields["email_local"], given))
    for name, folded in (("given", given), ("family", family)):
        fields[name] = folded
        fields[f"{name}_key"] = spelling_keys(folded)
        fields[f"{name}_initial"] = folded.str[:1]
        fields[f"{name}_prefix3"] = folded.str.replace(" ", "", regex=False).str[:3]
        fields[f"{name}_metaphone"] = metaphone_series(folded)
        fields[f"{name}_soundex"] = soundex_series(folded)
    fields["nickname"] = nickname_numbers(fields["given_key"])
    fields["email_shared"] = emails_used_by_several_people(fields)
    for name in ("given", "family"):
        fields[f"{name}_frequency"] = value_frequencies(fields[f"{name}_key"])
    # Given and family names run together: the same person whatever the split
    # ("manuel | mosquera iniesta" and "manuel mosquera | iniesta"), stray spaces or spelling.
    # Keyed word by word, so the split cannot matter ("requena escolano" keeps its "ae"
    # wherever it is split) and "joe smith" stays apart from "jo smith".
    fields["full_name"] = (fields["given_key"] + fields["family_key"]).str.replace(
        " ", "", regex=False
    )
    fields["namesake_frequency"] = namesake_frequencies(
        fields["full_name"], fields["given_key"], _column(records, "source")
    )
    # Given and family metaphone in sorted order: a key that survives swapped names.
    given_code, family_code = fields["given_metaphone"], fields["family_metaphone"]
    both = given_code.notna() & family_code.notna()
    low = given_code.where(given_code.fillna("") <= family_code.fillna(""), family_code)
    high = family_code.where(given_code.fillna("") <= family_code.fillna(""), given_code)
    # pandas takes None as `other`; pandas-stubs leave it out, hence the cast.
    fields["names_metaphone"] = (low + " " + high).where(both, cast(Any, None))

    birth = pd.to_datetime(columns["birth_date"], errors="coerce")
    has_birth = birth.notna().to_numpy()
    for part in ("year", "month", "day"):
        values = getattr(birth.dt, part).to_numpy(dtype=float, na_value=np.nan)
        fields[f"birth_{part}"] = np.where(has_birth, np.nan_to_num(values), _MISSING_PART).astype(
            np.int32
        )
    fields["birth_date"] = _where(has_birth, birth.dt.strftime("%Y-%m-%d"))
    fields["email_year"], fields["email_year_digits"] = years_in_emails(fields["email_local"])
    fields["birth_year_key"] = _where(has_birth, fields["birth_year"].astype(str))

    phone_digits = clean_text(columns["phone"]).str.replace(r"\D", "", regex=True)
    phone_digits = phone_digits.where(phone_digits.str.len() > 0)
    fields["phone"] = phone_digits
    fields["phone_last7"] = phone_digits.where(phone_digits.str.len() >= 7).str[-7:]

    fields["street"] = fold_names(columns["street"])
    fields[["street_name", "house_number"]] = split_streets(fields["street"])
    postcode = clean_text(columns["postcode"]).str.upper().str.replace(r"[\s-]", "", regex=True)
    fields["postcode"] = postcode.where(postcode.str.len() > 0)
    fields["city"] = fold_names(columns["city"])

    for attribute in attributes:
        fields[attribute_field(attribute)] = clean_text(_column(records, attribute)).str.lower()

    # One missing marker (None) in every text field, whatever the input used.
    numeric = ["nickname", "email_shared", "birth_year", "birth_month", "birth_day"]
    numeric += ["email_year", "email_year_digits"]
    numeric += ["given_frequency", "family_frequency", "namesake_frequency"]
    text = fields.columns.difference(numeric)
    # pandas takes None as `other`; pandas-stubs leave it out, hence the cast.
    fields[text] = fields[text].astype(object).where(fields[text].notna(), cast(Any, None))
    return fields


def years_in_emails(local_parts: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The year that ends an e-mail address's local part, as people write their birth year.

    ``maria1987`` ends in a year, ``ola_nordmann87`` in its last two digits; a number of
    another length, or four digits that are no year of the last century and a half, say
    nothing.

    Returns:
        The year as written (``1987``, ``87``; ``-1`` where none ends the local part) and
        how many digits were written: 4, 2, or 0 where none.
    """
    digits = local_parts.str.extract(r"(?:^|[^\d])(\d{2}|\d{4})$", expand=False)
    year = pd.to_numeric(digits, errors="coerce")
    four = (digits.str.len() == 4).to_numpy(dtype=bool, na_value=False)
    plausible = ~four | ((year >= 1870) & (year <= 2030)).to_numpy(dtype=bool, na_value=False)
    known = year.notna().to_numpy(dtype=bool) & plausible
    written = np.where(known, np.nan_to_num(year.to_numpy(dtype=float)), _MISSING_PART)
    digits_written = np.where(known, np.where(four, 4, 2), 0)
    return written.astype(np.int32), digits_written.astype(np.int8)


def value_frequencies(values: pd.Series) -> np.ndarray:
    """Share of the known values equal to each value (NaN where missing)."""
    codes, _ = pd.factorize(values, use_na_sentinel=True)
    known = codes >= 0
    counts = np.bincount(codes[known]) if known.any() else np.zeros(0, dtype=np.int64)
    shares = np.full(len(values), np.nan)
    shares[known] = counts[codes[known]] / known.sum()
    return shares


def namesake_frequencies(
    full_names: pd.Series, given_keys: pd.Series, sources: pd.Series
) -> np.ndarray:
    """How often the family name recurs with the given name among *other* people of that name.

    Among the records with a record's given name, the share that other people holding
    its full name hold (NaN without a full name). How many people hold a full name is
    read from the sources: a source keeps most customers once, so a full name that one
    source holds three times belongs to at least three people, and the records beyond
    one holder's share (all of its records divided by its holders) are namesakes'.

    The shares of the given and the family name alone, multiplied, take a name for as
    rare as its parts: "sofia garcia" is held more often than "sofia" times "garcia"
    says, because both are Spanish. This frequency is what the records show instead.
    """
    names = pd.DataFrame({"full": full_names, "source": sources.fillna("").to_numpy()})
    held = names.dropna(subset=["full"])
    records = held.groupby("full").size()
    holders = held.groupby(["full", "source"]).size().groupby(level="full").max()
    others = (records - records / holders).reindex(full_names).to_numpy(dtype=float)
    with_given = given_keys.map(given_keys.value_counts()).to_numpy(dtype=float)
    return others / with_given


def _column(records: pd.DataFrame, field: str) -> pd.Series:
    if field in records.columns:
        return records[field].reset_index(drop=True)
    return pd.Series([None] * len(records), dtype=object)


def _where(mask: np.ndarray, values: pd.Series) -> pd.Series:
    # numpy takes None as an array-like (a missing value); its stubs do not, hence the cast.
    return pd.Series(np.where(mask, values.to_numpy(dtype=object), cast(Any, None)), dtype=object)
