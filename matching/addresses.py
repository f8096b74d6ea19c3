"""Address knowledge for matching: a street split into its name and house number."""

from __future__ import annotations

import re

import pandas as pd

from quality import map_values

# The house number: digits, and a letter standing right after them or apart (12a, 12 a).
_HOUSE_NUMBER = re.compile(r"\b(\d+)(?: ?([a-z])\b)?")


def split_streets(folded_streets: pd.Series) -> pd.DataFrame:
    """Street name and house number of each folded street (see `fold_name`).

    The house number is the first number in the street with the letter that may follow it
    (``hauptstr 12a``, ``12 high street``); the street name is the text before it or, where
    the street starts with it, the text after it up to a comma. What follows the number
    is left out (a floor or a door: ``calle mayor 5, 3o``), so flats in one building are
    not told apart; nor is a number inside the name (``strasse des 17 juni 12``).

    Args:
        folded_streets: Folded street values, ``None`` where missing.

    Returns:
        ``street_name`` and ``house_number`` aligned with ``folded_streets``, ``None``
        where a part is missing.
    """
    parts = map_values(folded_streets, _street_parts)
    missing = (None, None)
    pairs = [missing if pair is None else pair for pair in parts]
    return pd.DataFrame(
        {
            "street_name": [p[0] for p in pairs],
            "house_number": [p[1] for p in pairs],
        },
        index=folded_streets.index,
        dtype=object,
    )


def _street_parts(street: object) -> tuple[str | None, str | None]:
    if not isinstance(street, str):
        return None, None
    number = _HOUSE_NUMBER.search(street)
    if number is None:
        return street, None
    before = street[: number.start()].strip(" ,")
    after = street[number.end() :].lstrip("0123456789 ,").split(",")[0].strip()
    return before or after or None, number[1] + (number[2] or "")
