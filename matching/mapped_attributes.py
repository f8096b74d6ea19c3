"""Attributes the sources map that the matching settings leave undeclared: compared as
their values suggest, so that a field a user maps is a field matching uses.

Values that are one token of six or more characters with a digit in it, and not a date,
make an identifier (a tax number, a customer number): compared by edit distance, which
forgives one mistyped digit, and blocked on. Otherwise a few distinct values make a
category (a gender, a customer tier): compared exactly. Anything else is text (a birth
place, an occupation): compared by Jaro–Winkler similarity. Attributes are taken in the
order of their names, so the same records give the same comparisons however their
columns are ordered. Declaring an attribute under `matching.attributes` overrides all of this, and
is the only way to say that it `identifies_person`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Final

import pandas as pd
from pydantic import ValidationError

from matching.settings import AttributeComparisonKind, MatchSettings
from quality import attribute_names

log = logging.getLogger(__name__)

#: At most this many distinct values: a category.
CATEGORY_VALUES: Final = 20
#: At least this share of the values one token of six or more characters with a digit in
#: it, and not a date: an identifier.
IDENTIFIER_SHARE: Final = 0.9
_IDENTIFIER: Final = re.compile(r"(?=\S*\d)\S{6,}")
_DATE: Final = re.compile(r"(\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{4})([T ].*)?")


def with_mapped_attributes(settings: MatchSettings, records: pd.DataFrame) -> MatchSettings:
    """The settings with a comparison for every attribute the records hold but the
    settings do not declare, and a blocking pass on each identifier among them (see
    `with_attribute_comparisons`)."""
    undeclared = sorted(a for a in attribute_names(records.columns) if a not in settings.attributes)
    return with_attribute_comparisons(
        settings, {name: comparison_for(records[name]) for name in undeclared}
    )


def with_attribute_comparisons(
    settings: MatchSettings, comparisons: Mapping[str, AttributeComparisonKind | None]
) -> MatchSettings:
    """The settings with these attributes compared as given (an earlier run's, say), but
    those the settings declare; an identifier (``edit_distance``) is also a blocking pass.

    An attribute whose name the settings cannot take (that of a blocking key) is left out,
    and the log says so.
    """
    declared = settings.model_dump()
    changed = False
    for name, comparison in comparisons.items():
        if comparison is None or name in settings.attributes:
            continue
        passes = declared["blocking_passes"]
        candidate = {
            **declared,
            "attributes": {**declared["attributes"], name: {"comparison": comparison}},
            "blocking_passes": [*passes, [name]] if comparison == "edit_distance" else passes,
        }
        try:
            MatchSettings.model_validate(candidate)
        except ValidationError as error:
            log.warning("attribute %r is not compared: %s", name, error.errors()[0]["msg"])
            continue
        declared, changed = candidate, True
    return MatchSettings.model_validate(declared) if changed else settings


def comparison_for(values: pd.Series) -> AttributeComparisonKind | None:
    """How an attribute's values are best compared; None when it holds no value."""
    text = values.dropna().astype(str).str.strip()
    text = text[text != ""]
    if text.empty:
        return None
    identifier = text.str.fullmatch(_IDENTIFIER) & ~text.str.fullmatch(_DATE)
    if identifier.mean() >= IDENTIFIER_SHARE:
        return "edit_distance"
    if text.str.lower().nunique() <= CATEGORY_VALUES:
        return "exact"
    return "jaro_winkler"
