"""Clean free text the way every text field needs it: no control characters, one Unicode
form, tidy whitespace.

Standardizers work value by value on the *distinct* values of a column
(:func:`map_values`): source columns repeat a lot (countries, cities, common names),
and a plain Python function over distinct values beats a chain of pandas ``.str``
passes over every row.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Final

import numpy as np
import pandas as pd

#: Control characters other than whitespace: C0 but tab, line feed, vertical tab, form feed
#: and carriage return; DEL; C1 but next line. They mean nothing in a value, show as
#: nothing or as garbage, and PostgreSQL cannot store a NUL in text. The whitespace ones
#: separate words, like any whitespace.
CONTROL_CHARACTERS: Final = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")


def clean_value(value: object) -> str | None:
    """Remove control characters, NFKC-normalize, collapse inner whitespace (tabs and line
    breaks included) to one space and trim; blank or non-text is ``None``."""
    if not isinstance(value, str):
        return None
    if not value.isprintable():  # any control character, but also tabs, no-break spaces, …
        value = CONTROL_CHARACTERS.sub("", value)
    if not value.isascii():  # NFKC leaves ASCII as it is
        value = unicodedata.normalize("NFKC", value)
    return " ".join(value.split()) or None


def clean_text(values: pd.Series) -> pd.Series:
    """:func:`clean_value` over a column.

    Args:
        values: Text values (object dtype); missing and non-text values become missing.

    Returns:
        The cleaned values, object dtype, None where the text was missing or blank.
    """
    return map_values(values, clean_value)


def clean_text_noting_controls(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """:func:`clean_text`, and which values had control characters removed, in one pass.

    Args:
        values: Text values (object dtype); missing and non-text values become missing.

    Returns:
        The cleaned values as from :func:`clean_text`, and a boolean mask, positionally
        aligned with them, of the values that held control characters.
    """
    codes, distinct = _number_values(values)
    cleaned = np.empty(len(distinct) + 1, dtype=object)
    cleaned[:-1] = [clean_value(value) for value in distinct]
    cleaned[-1] = None  # code -1, a missing value, picks this
    with_controls = np.zeros(len(distinct) + 1, dtype=bool)
    # Cleaning changed every value that held one, and few values besides.
    as_read = np.asarray(distinct, dtype=object)
    changed = np.flatnonzero(cleaned[:-1] != as_read)
    with_controls[changed] = [_holds_control_characters(value) for value in as_read[changed]]
    return pd.Series(cleaned[codes], index=values.index, dtype="object"), with_controls[codes]


def with_control_characters(values: pd.Series) -> np.ndarray:
    """Which values hold control characters that :func:`clean_value` removes.

    Args:
        values: Text values (object dtype); missing and non-text values hold none.

    Returns:
        A boolean mask, positionally aligned with ``values``.
    """
    # Most columns hold none at all: one search through all of their text tells.
    if not CONTROL_CHARACTERS.search("".join(map(str, values.to_numpy(dtype=object)))):
        return np.zeros(len(values), dtype=bool)
    return map_values(values, _holds_control_characters).to_numpy(dtype=bool)


def _holds_control_characters(value: object) -> bool:
    return isinstance(value, str) and CONTROL_CHARACTERS.search(value) is not None


def _number_values(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Number the distinct values of a column, as ``pandas.factorize`` does.

    pandas before 3.1 compares text only up to its first NUL (pandas-dev/pandas#34551):
    ``Ann<NUL>a`` and ``Ann<NUL>ette`` would be one value. Text holding a NUL, which only
    raw values can, is numbered through a dict instead.

    Args:
        values: The values to number.

    Returns:
        A code per value (-1 where missing) and the distinct values in order of first
        appearance, as from ``pandas.factorize(values, use_na_sentinel=True)``.
    """
    array = values.to_numpy(dtype=object)
    if "\x00" not in "".join(map(str, array)):
        codes, distinct = pd.factorize(array, use_na_sentinel=True)
        return codes, np.asarray(distinct, dtype=object)
    numbers: dict[object, int] = {}
    codes = np.full(len(array), -1, dtype=np.intp)
    for at in np.flatnonzero(~pd.isna(array)):
        codes[at] = numbers.setdefault(array[at], len(numbers))
    distinct = np.empty(len(numbers), dtype=object)
    distinct[:] = list(numbers)
    return codes, distinct


def map_values(values: pd.Series, transform: Callable[[object], object]) -> pd.Series:
    """Apply a per-value ``transform`` to each distinct non-missing value, then spread it back.

    Args:
        values: The values to transform.
        transform: Maps one value to its result.

    Returns:
        The results aligned with ``values``, object dtype, ``None`` where missing.
    """
    codes, distinct = _number_values(values)
    results = np.empty(len(distinct) + 1, dtype=object)
    results[:-1] = [transform(value) for value in distinct]
    results[-1] = None  # code -1, a missing value, picks this
    return pd.Series(results[codes], index=values.index, dtype="object")


def map_pairs(
    values: pd.Series, context: pd.Series, transform: Callable[[str, str | None], object]
) -> pd.Series:
    """Like :func:`map_values`, for a transform that also reads a second column.

    Each distinct (value, context) pair is transformed once, e.g. a phone number with
    the country it is read in.

    Args:
        values: The values to transform; missing values stay ``None``.
        context: The second column, aligned with ``values``; missing passes ``None``.
        transform: Maps a value and its context to the result.

    Returns:
        The results aligned with ``values``, object dtype.
    """
    # Codes shifted by one, so that 0 stands for a missing value or context.
    value_codes, distinct_values = _number_values(values)
    context_codes, distinct_contexts = _number_values(context)
    known_values = np.array([None, *distinct_values], dtype=object)
    known_contexts = np.array([None, *distinct_contexts], dtype=object)
    width = len(known_contexts)
    pair_codes, pairs = pd.factorize((value_codes + 1).astype(np.int64) * width + context_codes + 1)
    results = np.empty(len(pairs), dtype=object)
    for n, (value_code, context_code) in enumerate(divmod(int(pair), width) for pair in pairs):
        value = known_values[value_code]
        results[n] = None if value is None else transform(value, known_contexts[context_code])
    return pd.Series(results[pair_codes], index=values.index, dtype="object")
