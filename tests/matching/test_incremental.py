from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from matching import CustomerLinks, MatchSettings, link_records


@pytest.fixture(scope="module")
def base_and_update(
    synthetic_customers: Callable[..., tuple[pd.DataFrame, pd.Series]],
) -> tuple[pd.DataFrame, pd.DataFrame, set[str]]:
    """Yesterday's records, today's (some changed, some gone, some new) and the changed ids."""
    records, _ = synthetic_customers(500, seed=11)
    rng = np.random.default_rng(5)
    arriving = rng.random(len(records)) < 0.1
    base = records[~arriving]
    today = records.copy()
    kept = rng.random(len(today)) > 0.03
    moved = kept & ~arriving & (rng.random(len(today)) < 0.05)
    new_email = kept & ~arriving & (rng.random(len(today)) < 0.05)
    today.loc[moved, "street"] = "Nyveien 1"
    today.loc[new_email, "email"] = (
        today.loc[new_email, "record_id"].str.replace(":", ".") + "@n.no"
    )
    changed = set(today.loc[arriving | moved | new_email, "record_id"])
    return base, today[kept], changed & set(today.loc[kept, "record_id"])


@pytest.fixture(scope="module")
def yesterday_and_today(
    base_and_update: tuple[pd.DataFrame, pd.DataFrame, set[str]],
) -> tuple[CustomerLinks, CustomerLinks]:
    """A full run on yesterday's records, and an incremental run on today's after it."""
    base, today, _ = base_and_update
    yesterday = link_records(base)
    return yesterday, link_records(today, previous=yesterday)


def test_incremental_run_equals_a_full_run(
    base_and_update: tuple[pd.DataFrame, pd.DataFrame, set[str]],
    yesterday_and_today: tuple[CustomerLinks, CustomerLinks],
) -> None:
    _, today, _ = base_and_update
    yesterday, incremental = yesterday_and_today
    full = link_records(today, model=yesterday.model)

    pd.testing.assert_series_equal(incremental.clusters, full.clusters)
    pd.testing.assert_frame_equal(incremental.pairs, full.pairs)
    assert not incremental.clusters.equals(yesterday.clusters.reindex(incremental.clusters.index))


def test_incremental_run_compares_only_pairs_touching_new_or_changed_records(
    base_and_update: tuple[pd.DataFrame, pd.DataFrame, set[str]],
    yesterday_and_today: tuple[CustomerLinks, CustomerLinks],
) -> None:
    _, today, changed = base_and_update
    yesterday, incremental = yesterday_and_today

    pairs = incremental.compared
    # Changed: the record itself, or what its comparisons read about others (a new record
    # now sharing its e-mail address under another given name).
    earlier = yesterday.compared.fingerprints
    known = earlier.index.get_indexer(pairs.fingerprints.index)
    same = (known >= 0) & (earlier.to_numpy()[known] == pairs.fingerprints.to_numpy())
    differs = pairs.fingerprints.index[~same]
    assert changed <= set(differs)
    touching = np.isin(pairs.record_id_l, differs) | np.isin(pairs.record_id_r, differs)
    assert 0 < pairs.compared == int(touching.sum()) < len(pairs) / 2

    again = link_records(today, previous=incremental)
    assert again.compared.compared == 0
    pd.testing.assert_series_equal(again.clusters, incremental.clusters)


def test_a_run_with_other_comparisons_compares_everything_again(
    base_and_update: tuple[pd.DataFrame, pd.DataFrame, set[str]],
    yesterday_and_today: tuple[CustomerLinks, CustomerLinks],
) -> None:
    base, _, _ = base_and_update
    yesterday, _ = yesterday_and_today
    with_attribute = MatchSettings(attributes={"tier": {"comparison": "exact"}})
    today = link_records(base.assign(tier="gold"), with_attribute)
    again = link_records(base.assign(tier="gold"), with_attribute, previous=today)
    assert again.compared.compared == 0
    other = link_records(base, previous=again, model=yesterday.model)
    assert other.compared.compared == len(other.compared)
