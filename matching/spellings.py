"""Spellings of one value, for survivorship: which values are one candidate, which of their
spellings is the richest, and which records hold a name pair in the other order.

Sources write the same name or place differently: in capitals (``FÜRSTENFELDBRUCK``),
without diacritics (``Huseyin``) or transliterated (``Mueller``), and some swap the given
and family names. Survivorship takes such spellings for one candidate value, chooses
among candidates by its rules, and publishes the candidate's richest spelling.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import pandas as pd

from matching.names import spelling_key
from quality import fold_name

TEXT_FIELDS: Final = ("given_name", "family_name", "street", "city")
"""Person fields of free text, whose spellings are folded into one candidate. The others
arrive normalized from quality (e-mail lower-cased, phone in E.164, ISO country codes,
dates) or are codes written as the country writes them (postcodes): their values are
compared as they are."""


def candidate_codes(columns: Sequence[tuple[np.ndarray, pd.Index]]) -> list[np.ndarray]:
    """A number per value, equal for the values that are spellings of one candidate.

    Values are one candidate when they are equal after folding case, diacritics and
    transliteration (`fold_name`, then `spelling_key`): ``Müller``, ``MUELLER`` and
    ``Muller``; ``Jean-Pierre`` and ``Jean Pierre``. Columns given together share their
    numbers, so a given name and a family name can be compared.

    Args:
        columns: Text columns, each numbered by `pandas.factorize` (the number of each
            row's value, -1 where missing, and the distinct values).

    Returns:
        One integer array per column, aligned with it; ``-1`` where a value is missing.
    """
    keys = [_candidate_key(value) for _, distinct in columns for value in distinct]
    key_numbers, _ = pd.factorize(pd.Series(keys, dtype=object))
    bounds = np.cumsum([len(distinct) for _, distinct in columns])[:-1]
    # Number -1 (a missing value) picks the appended -1.
    return [
        np.append(numbers, -1)[value_numbers]
        for (value_numbers, _), numbers in zip(columns, np.split(key_numbers, bounds), strict=True)
    ]


def _candidate_key(value: object) -> object:
    if not isinstance(value, str):
        return value
    # Text that folds to nothing (only dots or hyphens) stays itself.
    return spelling_key(fold_name(value)) or value


def spelling_richness(values: Sequence[object] | pd.Index) -> tuple[np.ndarray, np.ndarray]:
    """How much each spelling says: its letters with diacritics, and whether its case is mixed.

    A spelling with more letters outside ASCII (``Hüseyin``, ``Strauß``) says what one
    without cannot, and mixed case (``Fürstenfeldbruck``) what all capitals or all lower
    case cannot. Letters are counted in lower case, so a capital that decomposes into two
    characters (the Turkish dotted ``İ``) counts no more than its small letter.

    Args:
        values: Distinct text values; others count as plain.

    Returns:
        The number of non-ASCII letters, and 1 where the value is neither all upper nor
        all lower case (0 otherwise), each aligned with ``values``.
    """
    diacritics = np.zeros(len(values), dtype=np.int64)
    mixed_case = np.zeros(len(values), dtype=np.int64)
    for position, value in enumerate(values):
        if isinstance(value, str):
            if not value.isascii():
                diacritics[position] = sum(
                    1 for ch in value.lower() if not ch.isascii() and ch.isalpha()
                )
            mixed_case[position] = not (value.isupper() or value.islower())
    return diacritics, mixed_case


def swapped_name_pairs(
    clusters: np.ndarray,
    given: np.ndarray,
    family: np.ndarray,
    preference: Sequence[np.ndarray],
) -> np.ndarray:
    """Records whose given and family names are those of another record of their customer
    in the other order, and in the order fewer of them write.

    A swapped pair is the same name: such records count for the name in the order of the
    majority (``Walsh Arthur`` once and ``Arthur Walsh`` twice make Arthur Walsh, whatever
    the sources' trust), since a source that swaps names maps its columns wrongly rather
    than knowing the name better. With as many records each way, the order of the
    preferred record wins.

    Args:
        clusters: Cluster number of each record.
        given: Candidate code (`candidate_codes`) of each record's given name; ``-1``
            where it has none.
        family: The same for family names, in the same numbering.
        preference: Sort keys of the records that break ties, most significant first
            (smaller first).

    Returns:
        True for the records whose pair counts in the other order.
    """
    swapped = np.zeros(len(clusters), dtype=bool)
    pair = np.flatnonzero((given >= 0) & (family >= 0) & (given != family))
    if not len(pair):
        return swapped
    low = np.minimum(given[pair], family[pair])
    high = np.maximum(given[pair], family[pair])
    forward = (given[pair] == low).astype(np.int64)
    # One number per customer and unordered pair of names (each part counts at most the
    # records, so two combined fit in 64 bits).
    names, _ = pd.factorize(low * (int(high.max()) + 1) + high)
    group, _ = pd.factorize(clusters[pair].astype(np.int64) * (int(names.max()) + 1) + names)
    each_way = np.bincount(group * 2 + forward, minlength=2 * (int(group.max()) + 1))
    backward_count, forward_count = each_way[0::2], each_way[1::2]
    both_ways = (forward_count > 0) & (backward_count > 0)
    if not both_ways.any():
        return swapped
    mixed = both_ways[group]
    pair, group, forward = pair[mixed], group[mixed], forward[mixed]
    majority = np.sign(forward_count - backward_count)[group]
    # In a tie, the preferred record of the group sets the order.
    by_preference = np.lexsort((*(key[pair] for key in reversed(preference)), group))
    first = np.r_[True, group[by_preference][1:] != group[by_preference][:-1]]
    preferred_forward = np.zeros(int(group.max()) + 1, dtype=np.int64)
    preferred_forward[group[by_preference][first]] = forward[by_preference][first]
    kept_forward = np.where(majority == 0, preferred_forward[group], majority > 0)
    swapped[pair] = forward != kept_forward
    return swapped
