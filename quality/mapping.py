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

from quality.canonical import MAPPABLE_FIELDS

#: Pseudo-field for sources that keep the whole name in one column.
FULL_NAME: str = "full_name"

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


class SourceMappingBase(BaseModel):
    """Canonical field name → its mapping, for one source (fields built from the canon)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _plain_column_names(cls, fields: object) -> object:
        if isinstance(fields, dict):
            return {
                name: {"column": spec} if isinstance(spec, str) else spec
                for name, spec in fields.items()
            }
        return fields

    @field_validator("*")
    @classmethod
    def _options_fit_field(
        cls, spec: FieldMapping | None, info: ValidationInfo
    ) -> FieldMapping | None:
        if spec is None:
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
        """The mapped fields only, by canonical name."""
        return {name: spec for name, spec in self if spec is not None}

    def source_columns(self) -> set[str]:
        """The source columns this mapping reads."""
        return {spec.column for spec in self.fields.values() if spec.column is not None}


SourceMapping: type[SourceMappingBase] = create_model(
    "SourceMapping",
    __base__=SourceMappingBase,
    **{name: (FieldMapping | None, None) for name in (FULL_NAME, *MAPPABLE_FIELDS)},  # type: ignore[call-overload]
)
