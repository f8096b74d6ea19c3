from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from matching.blocking import candidate_pairs
from matching.match_fields import prepare_match_fields


@pytest.fixture
def fields(
    record: Callable[..., dict[str, Any]], records_frame: Callable[..., pd.DataFrame]
) -> pd.DataFrame:
    return prepare_match_fields(
        records_frame(
            record("a:1", given_name="Anna", family_name="Berg", email="anna@x.no"),
            record("a:2", given_name="Ana", family_name="Berg", email="anna@x.no"),
            record("a:3", given_name="Anna", family_name="Bérg", postcode="0150"),
            record("a:4", given_name="Ola", family_name="Nordmann", postcode="0150"),
            record("a:5", given_name="Kari", family_name="Nordmann"),
        )
    )


def test_pairs_are_distinct_ordered_and_never_self(fields: pd.DataFrame) -> None:
    passes = [["email"], ["family_name"], ["family_name", "given_name_initial"]]
    pairs = candidate_pairs(fields, passes, 100)
    found = list(zip(pairs.left.tolist(), pairs.right.tolist(), strict=True))
    assert found == [(0, 1), (0, 2), (1, 2), (3, 4)]
    assert pairs.reports["email"].pairs == 1
    assert pairs.reports["family_name"].new_pairs == 3
    assert pairs.reports["family_name"].pairs == 4
    assert pairs.reports["family_name+given_name_initial"].new_pairs == 0


def test_folded_family_names_block_together(fields: pd.DataFrame) -> None:
    pairs = candidate_pairs(fields, [["family_name", "given_name"]], 100)
    assert (0, 2) in set(zip(pairs.left.tolist(), pairs.right.tolist(), strict=True))


def test_missing_key_never_blocks(fields: pd.DataFrame) -> None:
    pairs = candidate_pairs(fields, [["postcode", "email"]], 100)
    assert len(pairs) == 0


def test_oversized_blocks_are_skipped_and_reported(fields: pd.DataFrame) -> None:
    pairs = candidate_pairs(fields, [["family_name_initial"]], 2)
    report = pairs.reports["family_name_initial"]
    assert report.skipped_blocks == 1
    assert report.skipped_records == 3
    assert np.array_equal(pairs.left, [3])
