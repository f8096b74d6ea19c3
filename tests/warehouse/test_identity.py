"""Golden ids that last: re-runs, merges, splits and input order."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from warehouse import GoldenIdentity, IssuedIds, assign_golden_ids

FIRST_RUN = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
NEXT_RUN = dt.datetime(2026, 2, 5, tzinfo=dt.UTC)


def _clusters(*groups: tuple[str, ...]) -> pd.Series:
    """Cluster id by record id, each cluster named after its smallest record id."""
    return pd.Series({record: min(group) for group in groups for record in group})


def _published(identity: GoldenIdentity, clusters: pd.Series, at: dt.datetime) -> IssuedIds:
    """What the warehouse holds after publishing `identity` at `at`."""
    return IssuedIds(
        of_record=clusters.map(identity.of_cluster),
        created_at=identity.created_at.fillna(pd.Timestamp(at)),
        retired=frozenset(identity.redirects["retired_id"]),
    )


def _ids_of_records(identity: GoldenIdentity, clusters: pd.Series) -> pd.Series:
    return clusters.map(identity.of_cluster).sort_index()


def test_a_rerun_on_unchanged_input_keeps_every_id() -> None:
    clusters = _clusters(("crm:1", "web:1"), ("crm:2",), ("web:2", "desk:9"))
    first = assign_golden_ids(clusters, IssuedIds.none())
    again = assign_golden_ids(clusters, _published(first, clusters, FIRST_RUN))
    assert _ids_of_records(again, clusters).equals(_ids_of_records(first, clusters))
    assert first.created_at.isna().all()  # all new: published with the run
    assert (again.created_at == pd.Timestamp(FIRST_RUN)).all()
    assert again.redirects.empty
    assert first.of_cluster.nunique() == 3


def test_shuffled_input_gives_the_same_ids() -> None:
    clusters = _clusters(("crm:1", "web:1"), ("crm:2",), ("web:2", "desk:9"))
    shuffled = clusters.sample(frac=1.0, random_state=3)
    assert list(shuffled.index) != list(clusters.index)
    forward = assign_golden_ids(clusters, IssuedIds.none())
    backward = assign_golden_ids(shuffled, IssuedIds.none())
    assert _ids_of_records(backward, shuffled).equals(_ids_of_records(forward, clusters))


def test_a_merge_keeps_the_oldest_id_and_redirects_the_other() -> None:
    # web:1 arrives a run after crm:1, so its customer's id is the younger one.
    first_clusters = _clusters(("crm:1",))
    first = assign_golden_ids(first_clusters, IssuedIds.none())
    second_clusters = _clusters(("crm:1",), ("web:1", "web:0"))
    second = assign_golden_ids(second_clusters, _published(first, first_clusters, FIRST_RUN))
    old_id, young_id = second.of_cluster["crm:1"], second.of_cluster["web:0"]
    assert old_id == first.of_cluster["crm:1"]

    merged_clusters = _clusters(("crm:1", "web:1", "web:0"))
    merged = assign_golden_ids(merged_clusters, _published(second, second_clusters, NEXT_RUN))
    # The younger customer holds more of the records; the older id wins all the same.
    assert merged.of_cluster.tolist() == [old_id]
    assert merged.redirects.to_dict("records") == [{"retired_id": young_id, "golden_id": old_id}]
    assert merged.created_at[old_id] == pd.Timestamp(FIRST_RUN)


def test_in_a_split_the_part_that_leaves_gets_a_new_id() -> None:
    together = _clusters(("crm:1", "web:1", "desk:1"))
    first = assign_golden_ids(together, IssuedIds.none())
    (customer,) = first.of_cluster

    # The part holding most of the records keeps the id, though it lost the smallest record.
    apart = _clusters(("crm:1",), ("web:1", "desk:1"))
    split = assign_golden_ids(apart, _published(first, together, FIRST_RUN))
    assert split.of_cluster["desk:1"] == customer
    leaving = split.of_cluster["crm:1"]
    assert leaving != customer
    assert pd.isna(split.created_at[leaving])  # published with the run
    assert split.created_at[customer] == pd.Timestamp(FIRST_RUN)
    assert split.redirects.empty
    assert split.split_from.to_dict() == {leaving: customer}
    assert first.split_from.empty


def test_a_new_id_is_never_one_issued_before() -> None:
    # crm:1's customer took the id derived from crm:1, then lost crm:1 to a split and kept
    # its id; crm:1 on its own must get another.
    together = _clusters(("crm:1", "web:1", "web:2"))
    first = assign_golden_ids(together, IssuedIds.none())
    apart = _clusters(("crm:1",), ("web:1", "web:2"))
    split = assign_golden_ids(apart, _published(first, together, FIRST_RUN))
    assert split.of_cluster["web:1"] == first.of_cluster["crm:1"]
    assert split.of_cluster["crm:1"] not in set(first.of_cluster)

    # Nor one retired by a merge, whose redirect readers still follow.
    alone = _clusters(("crm:1",))
    retired = assign_golden_ids(alone, IssuedIds.none()).of_cluster["crm:1"]
    nothing_live = IssuedIds.none()
    after_merge = IssuedIds(nothing_live.of_record, nothing_live.created_at, {retired})
    assert assign_golden_ids(alone, after_merge).of_cluster["crm:1"] != retired
