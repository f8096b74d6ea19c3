from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest

from matching.names import (
    _nickname_index,
    are_nicknames,
    nickname_numbers,
    spelling_keys,
)
from quality.names import fold_names


def _nicknames(left: str, right: str) -> bool:
    numbers = nickname_numbers(spelling_keys(fold_names(pd.Series([left, right]))))
    return bool(are_nicknames(numbers[:1], numbers[1:])[0])


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("William", "Bill"),
        ("Bill", "Will"),
        ("Margaret", "Peggy"),
        ("Karianne", "Kari"),
        ("Johannes", "Hans"),
        ("Francisco", "Paco"),
        ("Elizabeth", "Liz"),
        ("Wiliam", "Bill"),
        ("Jose", "Pepe"),
        ("José", "Pepe"),
    ],
    ids=[
        "bill",
        "two-nicknames-listed",
        "peggy",
        "kari",
        "hans",
        "paco",
        "liz",
        "misspelt",
        "own-list",
        "accented",
    ],
)
def test_nicknames(left: str, right: str) -> None:
    assert _nicknames(left, right)
    assert _nicknames(right, left)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Albert", "Edward"),
        ("Alan", "Alfred"),
        ("Robert", "William"),
        ("Fred", "William"),
        ("Daisy", "Rita"),
        ("Anna", "Ingvild"),
        ("Ingvild", "Ingvild"),
    ],
    ids=[
        "unrelated",
        "share-al-only",
        "share-bill-only",
        "through-bill",
        "two-nicknames-of-margaret",
        "unknown",
        "unknown-same",
    ],
)
def test_not_nicknames(left: str, right: str) -> None:
    assert not _nicknames(left, right)


def test_no_name_gathers_an_absurd_number_of_nicknames() -> None:
    index = _nickname_index()
    low, high = np.divmod(index.pair_codes, len(index.names))
    related = Counter(low.tolist()) + Counter(high.tolist())
    assert max(related.values()) <= 25
