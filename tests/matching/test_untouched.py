"""Customers that no new or changed record touches keep their records, whatever the scores."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from matching import CustomerLinks, MatchSettings, link_records
from matching.untouched import NOT_KEPT, kept_customers

Synthetic = Callable[..., tuple[pd.DataFrame, pd.Series]]


@pytest.fixture(scope="module")
def yesterday(synthetic_customers: Synthetic) -> CustomerLinks:
    records, _ = synthetic_customers(500, seed=11)
    return link_records(records)


def _groups(clusters: pd.Series) -> set[frozenset[str]]:
    return {frozenset(group.index) for _, group in clusters.groupby(clusters)}


def test_a_stricter_run_splits_only_customers_new_records_touch(
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
    new = set(grown["record_id"]) - set(yesterday.clusters.index)
    linked = kept.pairs[kept.pairs["decision"] == "link"]
    touching = linked["record_id_l"].isin(new) | linked["record_id_r"].isin(new)
    reached = set(linked.loc[touching, ["record_id_l", "record_id_r"]].to_numpy().ravel()) - new
    touched = set(yesterday.clusters[list(reached)])
    untouched = {g for g in before if not {yesterday.clusters[r] for r in g} & touched}
    assert untouched <= _groups(kept.clusters)
    assert kept.customers_kept == len(untouched) > 0.95 * len(before)


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
    record_ids = np.array(["a:1", "a:2", "a:3", "a:4", "a:5"], dtype=object)
    last = pd.Series(["G1", "G1", "G2", "G3", "G4", "G4"], index=[*record_ids, "a:6"])
    nothing = np.empty(0, dtype=np.int64)

    kept = kept_customers(
        record_ids,
        last,
        changed=np.zeros(5, dtype=bool),
        links=(nothing, nothing),
        constrained=[np.array([2])],
    )

    # a:6 is gone, so G4 is touched; a steward named a:3 (G2).
    assert (kept[[2, 4]] == NOT_KEPT).all()
    assert kept[0] == kept[1] != NOT_KEPT and kept[3] not in (NOT_KEPT, kept[0])


def test_a_new_record_linked_to_a_customer_touches_it() -> None:
    record_ids = np.array(["a:1", "a:2", "a:3", "b:1"], dtype=object)
    last = pd.Series(["G1", "G1", "G2"], index=record_ids[:3])

    kept = kept_customers(
        record_ids,
        last,
        changed=np.array([False, False, False, True]),
        links=(np.array([2]), np.array([3])),
        constrained=[],
    )

    assert kept[0] == kept[1] != NOT_KEPT
    assert kept[2] == kept[3] == NOT_KEPT
