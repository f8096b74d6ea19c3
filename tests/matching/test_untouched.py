"""Customers that no new or changed record touches keep their records, whatever the scores."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from matching import CustomerLinks, MatchSettings, link_records
from matching.untouched import NOT_KEPT, keeping_together, kept_customers

Synthetic = Callable[..., tuple[pd.DataFrame, pd.Series]]


@pytest.fixture(scope="module")
def yesterday(synthetic_customers: Synthetic) -> CustomerLinks:
    records, _ = synthetic_customers(500, seed=11)
    return link_records(records)


def _groups(clusters: pd.Series) -> set[frozenset[str]]:
    return {frozenset(group.index) for _, group in clusters.groupby(clusters)}


def test_a_stricter_run_splits_no_customer_and_merges_only_through_new_records(
    synthetic_customers: Synthetic, yesterday: CustomerLinks
) -> None:
    grown, _ = synthetic_customers(505, seed=11)
    # Scores moved against every pair, as a model trained again may move them.
    stricter = MatchSettings(link_threshold=0.99999)
    full = link_records(grown, stricter, model=yesterday.model)
    kept = link_records(
        grown,
        stricter,
        model=yesterday.model,
        previous=yesterday,
        last_customers=yesterday.clusters,
    )

    before = _groups(yesterday.clusters)
    assert len(before - _groups(full.clusters)) > 20  # a full run re-evaluates them all
    after = _groups(kept.clusters)
    assert all(any(group <= cluster for cluster in after) for group in before)
    new = set(grown["record_id"]) - set(yesterday.clusters.index)
    joined = [c for c in after if len({yesterday.clusters.get(r) for r in c} - {None}) > 1]
    assert all(cluster & new for cluster in joined)
    assert kept.customers_kept == len(before & after) > 0.95 * len(before)
    # Records kept together that no link of this run placed say so.
    placed = kept.placing(kept.clusters.index)["placed_by"]
    sizes = kept.clusters.map(kept.clusters.value_counts())
    assert (placed == "kept").any() and not ((placed == "single") & (sizes > 1)).any()


def test_links_between_kept_customers_wait_for_a_steward(
    synthetic_customers: Synthetic, yesterday: CustomerLinks
) -> None:
    records, _ = synthetic_customers(500, seed=11)
    # Yesterday's strict run left customers apart that today's scores link.
    strict = link_records(records, MatchSettings(link_threshold=0.99999), model=yesterday.model)

    kept = link_records(
        records, model=yesterday.model, previous=yesterday, last_customers=strict.clusters
    )

    assert _groups(kept.clusters) == _groups(strict.clusters)
    waiting = kept.pairs[kept.pairs["decided_by"] == "kept"]
    assert len(waiting) > 20 and set(waiting["decision"]) == {"review"}
    assert (waiting["match_probability"] >= 0.8).all()


def test_a_customer_that_lost_a_record_is_clustered_anew_but_absorbs_no_kept_one(
    synthetic_customers: Synthetic, yesterday: CustomerLinks
) -> None:
    records, _ = synthetic_customers(500, seed=11)
    # Yesterday's strict run split customers that today's scores join again.
    strict = link_records(records, MatchSettings(link_threshold=0.99999), model=yesterday.model)
    split = [
        sorted(set(strict.clusters[group.index]))
        for _, group in yesterday.clusters.groupby(yesterday.clusters)
        if strict.clusters[group.index].nunique() > 1
    ]
    sizes = strict.clusters.value_counts()
    losing, other = next(parts for parts in split if sizes[parts[0]] > 1)[:2]
    gone = strict.clusters.index[strict.clusters == losing][0]

    kept = link_records(
        records[records["record_id"] != gone],
        model=yesterday.model,
        previous=yesterday,
        last_customers=strict.clusters,
    )

    stays = strict.clusters.index[(strict.clusters == losing) & (strict.clusters.index != gone)]
    others = strict.clusters.index[strict.clusters == other]
    assert kept.clusters[stays].nunique() == 1
    assert kept.clusters[stays[0]] not in set(kept.clusters[others])
    assert _groups(kept.clusters) - _groups(strict.clusters) <= {frozenset(stays)}
    waiting = kept.pairs[kept.pairs["decided_by"] == "kept"]
    between = waiting["record_id_l"].isin(stays) | waiting["record_id_r"].isin(stays)
    assert between.any()


def test_a_newcomer_sharing_an_address_changes_no_existing_record(
    synthetic_customers: Synthetic, yesterday: CustomerLinks
) -> None:
    records, _ = synthetic_customers(500, seed=11)
    sizes = yesterday.clusters.map(yesterday.clusters.value_counts())
    with_email = records.set_index("record_id")["email"].notna()
    holder = str(sizes[(sizes == 2) & with_email.reindex(sizes.index)].index[0])
    email = records.loc[records["record_id"] == holder, "email"].iloc[0]
    # Another person, of a name nothing like the holder's, gives the same address.
    newcomer = records[records["record_id"] == holder].assign(
        record_id="new:1",
        given_name="Xerxes",
        family_name="Quigley",
        email=email,
        birth_date=pd.Timestamp("1901-01-01"),
        phone=None,
        street="Elsewhere 1",
        postcode="0001",
    )

    today = link_records(
        pd.concat([records, newcomer], ignore_index=True),
        model=yesterday.model,
        previous=yesterday,
        last_customers=yesterday.clusters,
    )

    shared = today.compared.fingerprints[holder] != yesterday.compared.fingerprints[holder]
    assert shared  # the address is now a family's: the holder's levels may move
    assert today.customers_kept == yesterday.clusters.nunique()
    assert _groups(yesterday.clusters) <= _groups(today.clusters)


def test_a_changed_record_moves_and_takes_both_customers_with_it(
    synthetic_customers: Synthetic, yesterday: CustomerLinks
) -> None:
    records, _ = synthetic_customers(500, seed=11)
    sizes = yesterday.clusters.map(yesterday.clusters.value_counts())
    mover = str(sizes[sizes == 3].index[0])
    target = str(sizes[(sizes == 1)].index[0])
    fields = [c for c in records.columns if c != "record_id"]
    today = records.copy()
    today.loc[today["record_id"] == mover, fields] = records.loc[
        records["record_id"] == target, fields
    ].to_numpy()

    moved = link_records(
        today, model=yesterday.model, previous=yesterday, last_customers=yesterday.clusters
    )

    assert moved.clusters[mover] == moved.clusters[target]
    left_behind = yesterday.clusters.index[
        (yesterday.clusters == yesterday.clusters[mover]) & (yesterday.clusters.index != mover)
    ]
    assert moved.clusters[left_behind].nunique() == 1
    assert moved.customers_kept == yesterday.clusters.nunique() - 2


def test_without_what_was_compared_before_every_customer_is_clustered_anew(
    synthetic_customers: Synthetic, yesterday: CustomerLinks
) -> None:
    records, _ = synthetic_customers(500, seed=11)

    anew = link_records(records, model=yesterday.model, last_customers=yesterday.clusters)

    assert anew.customers_kept == 0
    pd.testing.assert_series_equal(anew.clusters, yesterday.clusters)


def test_a_gone_record_or_a_steward_decision_touches_its_customer() -> None:
    record_ids = np.array(["a:1", "a:2", "a:3", "a:4", "a:5", "b:1"], dtype=object)
    last = pd.Series(["G1", "G1", "G2", "G3", "G4", "G4"], index=[*record_ids[:5], "a:6"])

    kept = kept_customers(
        record_ids,
        last,
        changed=np.zeros(6, dtype=bool),
        constrained=[np.array([2])],
    )

    # a:6 is gone, so G4 is touched; a steward named a:3 (G2); b:1 is new.
    assert (kept[[2, 4, 5]] == NOT_KEPT).all()
    assert kept[0] == kept[1] != NOT_KEPT and kept[3] not in (NOT_KEPT, kept[0])
    left, right = keeping_together(kept)
    assert list(zip(left, right, strict=True)) == [(0, 1)]
