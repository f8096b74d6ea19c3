"""How one source's columns map onto the canonical customer record.

A mapping is declared per source in the hub config::

    fields:
      full_name: {column: NAME, order: family_given}   # "MÜLLER, HANS"
      birth_date: {column: BIRTH_DT, format: DDMMYYYY}
      email: MAIL                                      # plain column name
      country: {value: DE}                             # constant for the source

The models here only describe and check the declaration; ``standardize`` applies it.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)

from quality.canonical import MAPPABLE_FIELDS, RECORD_ID

#: Pseudo-field for sources that keep the whole name in one column.
FULL_NAME: str = "full_name"
#: Key of the source's extra attributes inside its field mapping.
ATTRIBUTES: str = "attributes"

_ATTRIBUTE_NAME = re.compile(r"[a-z][a-z0-9_]*")
_RESERVED_NAMES = frozenset(
    {*MAPPABLE_FIELDS, FULL_NAME, ATTRIBUTES, RECORD_ID, "source", "source_key"}
)

DATE_FIELDS = ("birth_date", "source_updated_at")

_DATE_TOKENS = {
    "YYYY": "%Y",
    "YY": "%y",
    "MM": "%m",
    "DD": "%d",
    "HH": "%H",
    "mm": "%M",
    "ss": "%S",
}
_TOKEN_PATTERN = re.compile("|".join(sorted(_DATE_TOKENS, key=len, reverse=True)))


def strftime_format(date_format: str) -> str:
    """Turn a date format as users write it (``DDMMYYYY``, ``YYYY-MM-DD HH:mm``) into strftime.

    A format that already contains ``%`` directives is taken as strftime.
    """
    if "%" in date_format:
        return date_format
    return _TOKEN_PATTERN.sub(lambda m: _DATE_TOKENS[m.group(0)], date_format)


class FieldMapping(BaseModel):
    """Where one canonical field comes from in a source, and how to read it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str | None = None
    """Source column holding the value."""
    value: str | None = None
    """Constant value for every record of the source (e.g. its country)."""
    format: str | None = None
    """Date format of the column, as ``DDMMYYYY`` / ``YYYY-MM-DD HH:mm:ss`` or strftime."""
    order: Literal["given_family", "family_given"] | None = None
    """Name order of a ``full_name`` column; a comma always separates family, given."""

    @model_validator(mode="after")
    def _one_origin(self) -> FieldMapping:
        if (self.column is None) == (self.value is None):
            raise ValueError("give exactly one of `column` or `value`")
        return self

    @field_validator("format")
    @classmethod
    def _known_date_format(cls, date_format: str | None) -> str | None:
        if date_format is not None and "%" not in strftime_format(date_format):
            raise ValueError(
                f"date format {date_format!r} has no date parts; "
                "use tokens like DDMMYYYY or YYYY-MM-DD, or strftime codes"
            )
        return date_format


def _as_field_mapping(spec: object) -> object:
    return {"column": spec} if isinstance(spec, str) else spec


class SourceMappingBase(BaseModel):
    """Canonical field name → its mapping, for one source (fields built from the canon).

    Besides the canonical fields, a source may map extra ``attributes`` (a national id,
    a birth place, a customer number, …): they are kept as trimmed text under their own
    name, and matching can compare them (see ``matching.settings``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    attributes: dict[str, FieldMapping] = {}
    """Extra attributes by name (lower_snake_case, not a canonical field)."""

    @model_validator(mode="before")
    @classmethod
    def _plain_column_names(cls, fields: object) -> object:
        if not isinstance(fields, dict):
            return fields
        plain = {name: _as_field_mapping(spec) for name, spec in fields.items()}
        attributes = fields.get(ATTRIBUTES)
        if isinstance(attributes, dict):
            plain[ATTRIBUTES] = {name: _as_field_mapping(s) for name, s in attributes.items()}
        return plain

    @field_validator(ATTRIBUTES)
    @classmethod
    def _attributes_are_plain_names(
        cls, attributes: dict[str, FieldMapping]
    ) -> dict[str, FieldMapping]:
        for name, spec in attributes.items():
            if not _ATTRIBUTE_NAME.fullmatch(name):
                raise ValueError(f"attribute name {name!r} must be lower_snake_case")
            if name in _RESERVED_NAMES:
                raise ValueError(
                    f"attribute name {name!r} is a canonical field; map it outside `attributes`"
                )
            if spec.format is not None or spec.order is not None:
                raise ValueError(f"attribute `{name}`: attributes take only `column` or `value`")
        return attributes

    @field_validator("*")
    @classmethod
    def _options_fit_field(cls, spec: object, info: ValidationInfo) -> object:
        if not isinstance(spec, FieldMapping):
            return spec
        if spec.format is not None and info.field_name not in DATE_FIELDS:
            raise ValueError(f"`format` applies only to {', '.join(DATE_FIELDS)}")
        if spec.order is not None and info.field_name != FULL_NAME:
            raise ValueError(f"`order` applies only to `{FULL_NAME}`")
        return spec

    @model_validator(mode="after")
    def _identifies_a_person(self) -> SourceMappingBase:
        if not any(f in self.fields for f in (FULL_NAME, "given_name", "family_name", "email")):
            raise ValueError("map at least one of full_name, given_name, family_name or email")
        return self

    @property
    def fields(self) -> dict[str, FieldMapping]:
        """The mapped canonical fields only, by canonical name."""
        return {name: spec for name, spec in self if isinstance(spec, FieldMapping)}

    def source_columns(self) -> set[str]:
        """The source columns this mapping reads, attributes included."""
        specs = [*self.fields.values(), *self.attributes.values()]
        return {spec.column for spec in specs if spec.column is not None}


SourceMapping: type[SourceMappingBase] = create_model(
    "SourceMapping",
    __base__=SourceMappingBase,
    **{name: (FieldMapping | None, None) for name in (FULL_NAME, *MAPPABLE_FIELDS)},  # type: ignore[call-overload]
)
