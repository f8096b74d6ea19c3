"""Properties of golden ids over successive runs: input order does not matter, a retired
id never comes back, and a kept id goes where most of its records went."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from warehouse import GoldenIdentity, IssuedIds, assign_golden_ids

FIRST_RUN = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
RECORD_IDS = [f"{source}:{key}" for source in ("crm", "web") for key in range(1, 6)]


@st.composite
def _clusters(draw: st.DrawFn) -> pd.Series:
    """One run's clusters over some of `RECORD_IDS`, each named after its smallest record."""
    groups = draw(
        st.lists(
            st.one_of(st.none(), st.integers(0, 4)),
            min_size=len(RECORD_IDS),
            max_size=len(RECORD_IDS),
        ).filter(lambda groups: any(g is not None for g in groups))
    )
    members: dict[int, list[str]] = {}
    for record, group in zip(RECORD_IDS, groups, strict=True):
        if group is not None:
            members.setdefault(group, []).append(record)
    return pd.Series({record: min(group) for group in members.values() for record in group})


_runs = st.lists(_clusters(), min_size=2, max_size=3)


@dataclass
class _Warehouse:
    """What the hub reads back as `IssuedIds` (see `warehouse.reads.issued_ids`)."""

    of_record: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))
    created_at: pd.Series = field(default_factory=lambda: pd.Series(dtype="datetime64[ns, UTC]"))
    ever_published: set[str] = field(default_factory=set)

    def issued(self) -> IssuedIds:
        # Retired: redirected by a merge or versioned in the history, and not live.
        retired = frozenset(self.ever_published - set(self.created_at.index))
        return IssuedIds(self.of_record, self.created_at, retired)

    def publish(self, identity: GoldenIdentity, clusters: pd.Series, at: dt.datetime) -> None:
        self.of_record = clusters.map(identity.of_cluster)
        self.created_at = identity.created_at.fillna(pd.Timestamp(at))
        self.ever_published |= set(identity.of_cluster)


def _run_at(run: int) -> dt.datetime:
    return FIRST_RUN + dt.timedelta(days=30 * run)


def _shuffled(series: pd.Series, rng: np.random.Generator) -> pd.Series:
    return series.iloc[rng.permutation(len(series))]


def _ids_by_cluster(identity: GoldenIdentity) -> dict[str, str]:
    return identity.of_cluster.to_dict()


@settings(max_examples=30, deadline=None, derandomize=True)
@given(runs=_runs, seed=st.integers(0, 2**32 - 1))
def test_golden_ids_do_not_depend_on_input_order(runs: list[pd.Series], seed: int) -> None:
    rng = np.random.default_rng(seed)
    in_order, shuffled = _Warehouse(), _Warehouse()
    for run, clusters in enumerate(runs):
        expected = assign_golden_ids(clusters, in_order.issued())
        # The crosswalk comes back from the warehouse in no particular order either.
        issued = shuffled.issued()
        issued = IssuedIds(
            _shuffled(issued.of_record, rng), _shuffled(issued.created_at, rng), issued.retired
        )
        shuffled_clusters = _shuffled(clusters, rng)
        got = assign_golden_ids(shuffled_clusters, issued)

        assert _ids_by_cluster(got) == _ids_by_cluster(expected)
        in_order.publish(expected, clusters, _run_at(run))
        shuffled.publish(got, shuffled_clusters, _run_at(run))


@settings(max_examples=40, deadline=None, derandomize=True)
@given(runs=_runs)
def test_an_id_that_was_retired_or_issued_before_is_never_issued_again(
    runs: list[pd.Series],
) -> None:
    warehouse = _Warehouse()
    for run, clusters in enumerate(runs):
        issued = warehouse.issued()
        live_before = set(issued.created_at.index)
        identity = assign_golden_ids(clusters, issued)
        ids = list(identity.of_cluster)

        assert len(set(ids)) == len(ids), "two customers of one run share an id"
        assert not set(ids) & issued.retired
        new_ids = set(ids) - live_before
        assert not new_ids & warehouse.ever_published
        warehouse.publish(identity, clusters, _run_at(run))


@settings(max_examples=40, deadline=None, derandomize=True)
@given(runs=_runs)
def test_a_kept_id_follows_most_of_its_records_and_the_oldest_survives_a_merge(
    runs: list[pd.Series],
) -> None:
    warehouse = _Warehouse()
    for run, clusters in enumerate(runs):
        issued = warehouse.issued()
        identity = assign_golden_ids(clusters, issued)
        # Where each earlier id's records are now: records per cluster.
        earlier = issued.of_record.reindex(clusters.index)
        held = (
            pd.DataFrame({"golden_id": earlier, "cluster": clusters})
            .dropna()
            .groupby(["golden_id", "cluster"])
            .size()
        )
        # Most records, ties to the smallest cluster id.
        followed = {
            golden_id: min(counts.index, key=lambda cluster: (-counts[cluster], cluster))
            for golden_id, counts in (
                (g, held[g]) for g in held.index.get_level_values("golden_id").unique()
            )
        }

        for cluster, golden_id in identity.of_cluster.items():
            if golden_id in set(issued.created_at.index):
                assert followed.get(golden_id) == cluster, (
                    f"{golden_id} went to {cluster}, not to where most of its records are"
                )
        for retired_id, golden_id in identity.redirects.itertuples(index=False):
            assert golden_id == identity.of_cluster[followed[retired_id]]
        # Of the ids that follow one cluster, the oldest stays (ties: the smallest id).
        for cluster in set(followed.values()):
            following = [g for g, c in followed.items() if c == cluster]
            oldest = min(following, key=lambda g: (issued.created_at[g], g))
            assert identity.of_cluster[cluster] == oldest
        warehouse.publish(identity, clusters, _run_at(run))


@settings(max_examples=20, deadline=None, derandomize=True)
@given(runs=_runs)
def test_a_rerun_on_unchanged_input_keeps_every_id(runs: list[pd.Series]) -> None:
    warehouse = _Warehouse()
    for run, clusters in enumerate(runs):
        identity = assign_golden_ids(clusters, warehouse.issued())
        warehouse.publish(identity, clusters, _run_at(run))
    again = assign_golden_ids(runs[-1], warehouse.issued())

    assert _ids_by_cluster(again) == _ids_by_cluster(identity)
    assert again.redirects.empty
    assert again.created_at.notna().all()
