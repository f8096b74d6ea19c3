"""Blocking that adapts to the data (issue 19, item 1): passes estimated before they run,
a budget of candidate pairs, passes added where e-mail and phone are sparse, the links
each pass found alone, and an estimate of blocking recall that needs no labels."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import MatchSettings, link_records
from matching.blocking import (
    candidate_pairs,
    estimated_pairs,
    found_by,
    pass_name,
    passes_in_force,
)
from matching.evaluation import blocking_recall
from matching.match_fields import prepare_match_fields
from matching.settings import SPARSE_CONTACT_PASSES, BlockingPass, SortedNeighbourhoodPass

PASSES: list[BlockingPass] = [
    ["family_name"],
    ["given_name_initial", "birth_year"],
    SortedNeighbourhoodPass(sorted_neighbourhood="family_name", window=3),
    SortedNeighbourhoodPass(sorted_neighbourhood="given_name", window=2, block_on=["birth_year"]),
]


def _records(rows: list[tuple[str | None, str | None, str | None]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "record_id": [f"s:{n}" for n in range(len(rows))],
            "given_name": [given for given, _, _ in rows],
            "family_name": [family for _, family, _ in rows],
            "birth_date": [born for _, _, born in rows],
        }
    )


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from([None, "Anna", "Ana", "Bo", "Kari"]),
            st.sampled_from([None, "Berg", "Berk", "Ek", "Olsen"]),
            st.sampled_from([None, "1980-01-02", "1981-03-04"]),
        ),
        max_size=30,
    ),
    max_block_size=st.integers(2, 8),
)
def test_estimates_and_found_by_agree_with_the_pairs_each_pass_makes(
    rows: list[tuple[str | None, str | None, str | None]], max_block_size: int
) -> None:
    fields = prepare_match_fields(_records(rows))
    count = len(fields)
    everything = np.array([(i, j) for i in range(count) for j in range(i + 1, count)])
    left = everything[:, 0] if count > 1 else np.empty(0, dtype=np.int64)
    right = everything[:, 1] if count > 1 else np.empty(0, dtype=np.int64)
    found = found_by(fields, PASSES, max_block_size, left, right)
    for column, blocking_pass in enumerate(PASSES):
        made = candidate_pairs(fields, [blocking_pass], max_block_size)
        made_set = set(zip(made.left.tolist(), made.right.tolist(), strict=True))
        estimate = estimated_pairs(fields, blocking_pass, max_block_size)
        if isinstance(blocking_pass, SortedNeighbourhoodPass):
            assert estimate >= len(made_set)  # at most window - 1 per record
        else:
            assert estimate == len(made_set)
        flagged = {
            (int(a), int(b)) for a, b, yes in zip(left, right, found[:, column], strict=True) if yes
        }
        assert flagged == made_set, pass_name(blocking_pass)


def test_a_pass_over_the_budget_is_skipped_and_reported(
    synthetic_customers: Callable[..., tuple[pd.DataFrame, pd.Series]],
) -> None:
    records, _ = synthetic_customers(300)
    fields = prepare_match_fields(records)
    # Few family names among many records: this pass alone would pair most of them.
    greedy: BlockingPass = ["family_name"]
    greedy_pairs = estimated_pairs(fields, greedy, 1_000)
    assert greedy_pairs > 5 * len(fields)

    pairs = candidate_pairs(fields, [["email"], greedy, ["phone"]], 1_000, max_pairs=len(fields))

    report = pairs.reports["family_name"]
    assert report.over_budget and report.pairs == 0 and report.estimated_pairs == greedy_pairs
    assert pairs.reports["phone"].pairs > 0, "later passes within the budget still run"
    assert len(pairs) <= len(fields)

    links = link_records(records, MatchSettings(blocking_passes=[greedy], max_pairs_per_record=5))
    assert links.candidate_pairs_by_pass["family_name"].over_budget


@pytest.mark.parametrize(("contact_share", "added"), [(0.0, True), (0.3, True), (0.8, False)])
def test_passes_are_added_where_emails_and_phones_are_sparse(
    synthetic_customers: Callable[..., tuple[pd.DataFrame, pd.Series]],
    contact_share: float,
    added: bool,
) -> None:
    records, _ = synthetic_customers(300)
    rng = np.random.default_rng(1)
    keep = rng.random(len(records)) < contact_share
    records = records.assign(
        email=records["email"].where(keep & records["email"].notna(), None),
        phone=records["phone"].where(keep & records["phone"].notna(), None),
    )
    fields = prepare_match_fields(records)
    defaults = MatchSettings()

    passes = passes_in_force(fields, defaults)

    sparse = [pass_name(p) for p in SPARSE_CONTACT_PASSES]
    assert [pass_name(p) for p in passes[: len(defaults.blocking_passes)]] == [
        pass_name(p) for p in defaults.blocking_passes
    ]
    assert all((name in map(pass_name, passes)) == added for name in sparse)
    only_declared = MatchSettings(default_blocking_passes=False, blocking_passes=[["email"]])
    assert passes_in_force(fields, only_declared) == [["email"]]


def test_each_pass_reports_the_links_it_found_and_found_alone(
    synthetic_customers: Callable[..., tuple[pd.DataFrame, pd.Series]],
) -> None:
    records, _ = synthetic_customers(400)

    links = link_records(records)

    linked = links.pairs[links.pairs["decision"] == "link"]
    reports = links.candidate_pairs_by_pass
    assert reports["email"].links is not None and reports["email"].links > 0
    # Every link was found by some pass; those found by one only are counted once.
    assert max(r.links or 0 for r in reports.values()) <= len(linked)
    assert sum(r.links_alone or 0 for r in reports.values()) <= len(linked)
    assert all((r.links_alone or 0) <= (r.links or 0) for r in reports.values())


@pytest.mark.parametrize(
    "passes",
    [
        [["email"], ["phone"]],
        [["email"], ["birth_date", "family_name_metaphone"]],
        [["full_name"]],
    ],
    ids=lambda passes: ",".join(map(pass_name, passes)),
)
def test_the_label_free_estimate_follows_the_true_blocking_recall(
    synthetic_customers: Callable[..., tuple[pd.DataFrame, pd.Series]],
    passes: list[BlockingPass],
) -> None:
    records, person = synthetic_customers(1_500)
    narrow = MatchSettings(default_blocking_passes=False, blocking_passes=passes)

    links = link_records(records, narrow)

    assert links.blocking_estimate is not None
    truth = person.reindex(records["record_id"]).reset_index(drop=True)
    true_recall = float(blocking_recall(records, truth, narrow).iloc[-1]["recall"])
    assert true_recall < 0.95, "the passes should miss pairs for this test to mean much"
    assert links.blocking_estimate.recall == pytest.approx(true_recall, abs=0.05)
