"""Clean free text the way every text field needs it: one Unicode form, tidy whitespace."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import pandas as pd


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    return " ".join(unicodedata.normalize("NFKC", value).split()) or None


def clean_text(values: pd.Series) -> pd.Series:
    """NFKC-normalize, collapse inner whitespace, trim; empty text becomes missing.

    Args:
        values: Text values (object dtype); missing and non-text values become missing.

    Returns:
        The cleaned values, object dtype, None where the text was missing or blank.
    """
    # One pass in a comprehension beats chaining three pandas .str passes.
    return pd.Series([_clean(value) for value in values], index=values.index, dtype="object")


def map_distinct(values: pd.Series, transform: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """Apply a Series transform to the distinct non-missing values only, then spread it back.

    Source columns repeat a lot (countries, cities, common names), so this is how the
    costlier standardizers stay fast on large batches.

    Args:
        values: The values to transform.
        transform: Maps a Series of distinct values to a Series of results, aligned.

    Returns:
        The transformed values aligned with ``values``, object dtype, NaN where missing.
    """
    distinct = pd.Series(pd.unique(values.dropna()), dtype="object")
    result = transform(distinct)
    by_value = pd.Series(result.to_numpy(), index=distinct.to_numpy())
    return values.map(by_value).astype("object")
