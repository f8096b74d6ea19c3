from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching import MatchSettings, link_records
from matching.blocking import CandidatePairs, candidate_pairs, pass_name
from matching.match_fields import blocking_key_field, prepare_match_fields
from matching.settings import SortedNeighbourhoodPass


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


def _pair_set(pairs: CandidatePairs) -> set[tuple[int, int]]:
    return set(zip(pairs.left.tolist(), pairs.right.tolist(), strict=True))


def _sorted_neighbourhood(
    key: str = "family_name", window: int = 2, block_on: tuple[str, ...] = ()
) -> SortedNeighbourhoodPass:
    return SortedNeighbourhoodPass(sorted_neighbourhood=key, window=window, block_on=list(block_on))


def _reference_sorted_neighbour_pairs(
    sort_values: list[str | None], block_values: list[str | None], window: int
) -> list[tuple[int, int]]:
    """Sorted neighbourhood the slow, plain way: sort the records, walk every window."""
    kept = [i for i, v in enumerate(sort_values) if v is not None and block_values[i] is not None]
    ordered = sorted(kept, key=lambda i: (block_values[i], sort_values[i], i))
    pairs = []
    for place, i in enumerate(ordered):
        for j in ordered[place + 1 : place + window]:
            if block_values[j] == block_values[i]:
                pairs.append((min(i, j), max(i, j)))
    return sorted(pairs)


@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from([None, "berg", "berk", "hansen", "hanson", "olsen"]),
            st.sampled_from([None, "1980", "1981"]),
        ),
        max_size=40,
    ),
    window=st.integers(2, 6),
    block_on_year=st.booleans(),
)
def test_sorted_neighbourhood_pairs_each_record_with_the_next_in_sort_order(
    rows: list[tuple[str | None, str | None]], window: int, block_on_year: bool
) -> None:
    families = [family for family, _ in rows]
    years = [year for _, year in rows]
    fields = pd.DataFrame(
        {blocking_key_field("family_name"): families, blocking_key_field("birth_year"): years},
        dtype=object,
    )
    blocking_pass = _sorted_neighbourhood(
        window=window, block_on=("birth_year",) if block_on_year else ()
    )
    pairs = candidate_pairs(fields, [blocking_pass], 100)
    expected = _reference_sorted_neighbour_pairs(
        families, years if block_on_year else [""] * len(rows), window
    )
    assert list(zip(pairs.left.tolist(), pairs.right.tolist(), strict=True)) == expected
    assert pairs.reports[pass_name(blocking_pass)].pairs == len(expected)


@pytest.fixture
def typo_fields(
    record: Callable[..., dict[str, Any]], records_frame: Callable[..., pd.DataFrame]
) -> pd.DataFrame:
    return prepare_match_fields(
        records_frame(
            record(
                "a:1",
                given_name="Ola",
                family_name="Johansen",
                birth_date="1980-05-01",
                national_id="12345678",
            ),
            record(
                "a:2",
                given_name="Ola",
                family_name="Jhoansen",
                birth_date="1980-05-01",
                national_id="12345679",
            ),
            record(
                "a:3",
                given_name="Kari",
                family_name="Larsen",
                birth_date="1980-02-02",
                national_id="55555555",
            ),
            record(
                "a:4",
                given_name="Per",
                family_name="Olsen",
                birth_date="1975-01-01",
                national_id="99999999",
            ),
            record("a:5", given_name="Eva", birth_date="1980-03-03"),
            record("a:6", given_name="Ida", family_name="Johanssen"),
        ),
        attributes=["national_id"],
    )


@pytest.mark.parametrize("key", ["family_name", "national_id"], ids=["family-name", "national-id"])
def test_sorted_neighbourhood_finds_a_typo_that_exact_keys_miss(
    typo_fields: pd.DataFrame, key: str
) -> None:
    exact = candidate_pairs(typo_fields, [[key]], 100)
    sorted_neighbours = candidate_pairs(typo_fields, [_sorted_neighbourhood(key)], 100)
    assert (0, 1) not in _pair_set(exact)
    assert (0, 1) in _pair_set(sorted_neighbours)


def test_block_on_keeps_pairs_within_records_sharing_the_keys(typo_fields: pd.DataFrame) -> None:
    everyone = candidate_pairs(typo_fields, [_sorted_neighbourhood()], 100)
    same_year = candidate_pairs(typo_fields, [_sorted_neighbourhood(block_on=("birth_year",))], 100)
    assert (2, 3) in _pair_set(everyone)  # Larsen 1980 next to Olsen 1975
    assert _pair_set(same_year) == {(0, 1), (0, 2)}


@pytest.mark.parametrize(
    ("block_on", "left_out"),
    [((), {4}), (("birth_year",), {4, 5})],
    ids=["missing-sort-key", "missing-block-on-key"],
)
def test_records_missing_a_key_are_left_out(
    typo_fields: pd.DataFrame, block_on: tuple[str, ...], left_out: set[int]
) -> None:
    pairs = candidate_pairs(typo_fields, [_sorted_neighbourhood(block_on=block_on)], 100)
    assert len(pairs) > 0
    assert not left_out & {*pairs.left.tolist(), *pairs.right.tolist()}


def test_sorted_neighbourhood_is_reported_by_name_after_the_pairs_found_before(
    typo_fields: pd.DataFrame,
) -> None:
    passes = [
        ["birth_year"],
        _sorted_neighbourhood(block_on=("birth_year",)),
        _sorted_neighbourhood(window=3),
    ]
    reports = candidate_pairs(typo_fields, passes, 100).reports
    assert list(reports) == [
        "birth_year",
        "sorted_neighbourhood(family_name, window=2, block_on=birth_year)",
        "sorted_neighbourhood(family_name, window=3)",
    ]
    same_year = reports["sorted_neighbourhood(family_name, window=2, block_on=birth_year)"]
    assert (same_year.pairs, same_year.new_pairs) == (2, 0)


@pytest.mark.parametrize("seed", [1, 2], ids=["shuffle-1", "shuffle-2"])
def test_sorted_neighbourhood_pairs_do_not_depend_on_input_order(
    synthetic_customers: Callable[..., tuple[pd.DataFrame, pd.Series]], seed: int
) -> None:
    records, _ = synthetic_customers(200)
    # Few family names among many records: ties in the sort key everywhere.
    settings = MatchSettings(
        default_blocking_passes=False, blocking_passes=[_sorted_neighbourhood(window=3), ["email"]]
    )
    baseline = link_records(records, settings)
    shuffled = link_records(records.sample(frac=1.0, random_state=seed), settings)
    assert baseline.candidate_pairs_by_pass == shuffled.candidate_pairs_by_pass
    pd.testing.assert_frame_equal(baseline.pairs, shuffled.pairs)
