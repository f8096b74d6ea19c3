"""The canonical customer record: the one shape every source is standardized into.

Every later stage (matching, survivorship, the warehouse) reads these column names
and nothing else. To add an attribute, add it here with its meaning; sources can
then map a column to it and the warehouse lands it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

#: Column that identifies a source record across the hub: ``"<source>:<source_key>"``.
RECORD_ID: Final = "record_id"

#: Canonical fields in publishing order, with what each holds after standardization.
CANONICAL_FIELDS: Final[dict[str, str]] = {
    "source": "name of the configured source system",
    "source_key": "the source system's own primary key, as text",
    "given_name": "given name(s), proper case, titles removed",
    "family_name": "family name, proper case",
    "birth_date": "date of birth (datetime64, day precision)",
    "email": "e-mail address, trimmed and lower-cased",
    "phone": "phone number in E.164 (+4712345678)",
    "street": "street and house number",
    "postcode": "postal code as written in the country",
    "city": "city or town",
    "country": "ISO 3166-1 alpha-2 country code",
    "source_updated_at": "when the source last changed the record (datetime64, UTC)",
}

#: Fields that a source may map from its own columns (everything but the identity).
MAPPABLE_FIELDS: Final = tuple(f for f in CANONICAL_FIELDS if f not in ("source", "source_key"))

#: Fields that describe the person, in the order survivorship and display use.
PERSON_FIELDS: Final = (
    "given_name",
    "family_name",
    "birth_date",
    "email",
    "phone",
    "street",
    "postcode",
    "city",
    "country",
)


def attribute_names(records_columns: Iterable[str]) -> list[str]:
    """The extra attributes among a canonical record frame's columns, in their order."""
    known = {*CANONICAL_FIELDS, RECORD_ID}
    return [name for name in records_columns if name not in known]
