"""Golden customer ids that last: kept through re-runs, merges and splits.

A run's clusters inherit the ids their records had in the warehouse:

- each earlier id follows most of its records, to the cluster holding most of them
  (ties: the smallest cluster id);
- a cluster that several ids follow keeps the oldest of them (ties: the smallest id):
  when customers merge, the oldest id survives, and the others are retired with a
  redirect to it;
- a cluster that no id follows gets a new one, derived from its smallest record id so
  that the same records give the same id in any input order: when a customer splits,
  the part holding most of its records keeps the id and the part that leaves gets a
  new one.

Unchanged input keeps every id, and a record absent for a while comes back with the id it
had last (see `warehouse.reads.issued_ids`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Set
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class IssuedIds:
    """The ids the warehouse holds before a run."""

    of_record: pd.Series
    """Golden id of each record, indexed by record id (the published crosswalk)."""
    created_at: pd.Series
    """When each live golden id was first published, indexed by golden id."""
    retired: Set[str] = frozenset()
    """Ids no longer live, merged into another or removed with their records: never
    issued to other records (a removed id follows its own records when they return)."""

    @classmethod
    def none(cls) -> IssuedIds:
        """No ids issued yet: an empty warehouse."""
        return cls(pd.Series(dtype=object), pd.Series(dtype="datetime64[ns, UTC]"))


@dataclass(frozen=True)
class GoldenIdentity:
    """The golden id of each cluster of a run, and what became of the earlier ids."""

    of_cluster: pd.Series
    """Golden id by cluster id."""
    created_at: pd.Series
    """When each of the run's golden ids was first published, indexed by golden id; empty
    (NaT) for the ids this run issues, which are published with the run."""
    redirects: pd.DataFrame
    """Ids this run retires: ``retired_id`` and the ``golden_id`` now holding most of its
    records."""
    split_from: pd.Series
    """For each new id given to records that had another id, that id (the one most of
    them had), indexed by the new id: the customer they split from."""


def assign_golden_ids(
    clusters: pd.Series, issued: IssuedIds, leaving: Set[str] = frozenset()
) -> GoldenIdentity:
    """Give each cluster of a run its golden id.

    Args:
        clusters: Cluster id by record id (`matching.CustomerLinks.clusters`).
        issued: The ids the warehouse held before the run.
        leaving: Records a steward took out of the customer they had: their earlier id
            follows the records that stay, unless no record of it stays.
    """
    # Ids and cluster ids as integer codes in sorted order: sorting strings is slow.
    cluster_codes, cluster_ids = pd.factorize(clusters.to_numpy(), sort=True)
    earlier = issued.of_record.reindex(clusters.index).to_numpy()
    placed = pd.notna(earlier)
    id_codes, earlier_ids = pd.factorize(earlier[placed], sort=True)
    staying = ~clusters.index[placed].isin(list(leaving))
    held = (
        pd.DataFrame({"golden_id": id_codes, "cluster": cluster_codes[placed], "staying": staying})
        .groupby(["golden_id", "cluster"])
        .agg(records=("staying", "size"), staying=("staying", "sum"))
        .reset_index()
    )
    followed = held.sort_values(
        ["golden_id", "staying", "records", "cluster"],
        ascending=[True, False, False, True],
        kind="stable",
    ).drop_duplicates("golden_id")
    issued_at = issued.created_at.reindex(earlier_ids).to_numpy()
    followed["created_at"] = issued_at[followed["golden_id"].to_numpy()]
    by_age = followed.sort_values(["created_at", "golden_id"], kind="stable")
    kept = by_age.drop_duplicates("cluster")
    id_of_cluster = pd.Series(kept["golden_id"].to_numpy(), index=kept["cluster"].to_numpy())
    merged = by_age[~by_age["golden_id"].isin(kept["golden_id"])]
    redirects = pd.DataFrame(
        {
            "retired_id": earlier_ids[merged["golden_id"].to_numpy()],
            "golden_id": earlier_ids[id_of_cluster[merged["cluster"]].to_numpy()],
        },
        dtype=object,
    )
    golden_ids = np.full(len(cluster_ids), None, dtype=object)
    golden_ids[id_of_cluster.index] = earlier_ids[id_of_cluster.to_numpy()]
    taken = set(issued.created_at.index) | set(issued.retired) | set(earlier_ids)
    for position in np.flatnonzero(pd.isna(golden_ids)):
        golden_ids[position] = _new_id(str(cluster_ids[position]), taken)
        taken.add(golden_ids[position])
    ids = pd.Series(golden_ids, index=cluster_ids, dtype=object)
    new = ~np.isin(np.arange(len(cluster_ids)), id_of_cluster.index.to_numpy())
    left = (
        held[new[held["cluster"].to_numpy()]]
        .sort_values(
            ["cluster", "records", "golden_id"], ascending=[True, False, True], kind="stable"
        )
        .drop_duplicates("cluster")
    )
    split_from = pd.Series(
        earlier_ids[left["golden_id"].to_numpy()],
        index=golden_ids[left["cluster"].to_numpy()],
        dtype=object,
    )
    created_at = pd.to_datetime(issued.created_at.reindex(ids.to_numpy()), utc=True)
    return GoldenIdentity(
        of_cluster=ids,
        created_at=created_at,
        redirects=redirects.reset_index(drop=True),
        split_from=split_from,
    )


def _new_id(anchor: str, taken: Set[str]) -> str:
    """An id derived from a cluster's smallest record id, unlike every id in `taken`."""
    attempt = 0
    while True:
        salted = anchor if attempt == 0 else f"{anchor}#{attempt}"
        golden_id = "GC-" + hashlib.sha1(salted.encode()).hexdigest()[:12].upper()
        if golden_id not in taken:
            return golden_id
        attempt += 1
