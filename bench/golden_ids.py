"""Time of giving a run's clusters their golden ids, at a million records.

Usage: python bench/golden_ids.py [--records 1000000] [--seed 5]

Builds seeded clusters of one to three records (about 1.4 records a customer, as the
generated customer base has), then times `assign_golden_ids` three ways: a first run
(every id new), a re-run on the same clusters (every id kept), and a run where 1% of
the records moved to another customer (merges and splits).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from warehouse import IssuedIds, assign_golden_ids


def _clusters(records: int, rng: np.random.Generator) -> pd.Series:
    """Cluster id (the smallest record id) by record id; each record starts a new customer
    with probability 0.7, else joins the one before it."""
    ids = pd.Index([f"src:{n:08d}" for n in range(records)])
    starts = rng.random(records) < 0.7
    starts[0] = True
    anchor = np.maximum.accumulate(np.where(starts, np.arange(records), 0))
    return pd.Series(ids[anchor], index=ids)


def _timed(label: str, clusters: pd.Series, issued: IssuedIds) -> IssuedIds:
    started = time.perf_counter()
    identity = assign_golden_ids(clusters, issued)
    seconds = time.perf_counter() - started
    print(
        f"  {label:<24} {seconds:6.1f} s  {len(identity.of_cluster):>9,} customers, "
        f"{len(identity.redirects):,} ids retired, {len(identity.split_from):,} split off"
    )
    now = pd.Timestamp.now(tz="UTC")
    return IssuedIds(
        of_record=clusters.map(identity.of_cluster),
        created_at=identity.created_at.fillna(now),
        retired=frozenset(identity.redirects["retired_id"]),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    clusters = _clusters(args.records, rng)
    print(f"{args.records:,} records in {clusters.nunique():,} clusters")
    issued = _timed("first run", clusters, IssuedIds.none())
    issued = _timed("re-run, nothing changed", clusters, issued)
    moved = clusters.copy()
    movers = rng.random(len(moved)) < 0.01
    moved[movers] = moved.to_numpy()[rng.integers(0, len(moved), int(movers.sum()))]
    # A moved record may now be its cluster's smallest; clusters are named after it.
    moved = moved.groupby(moved).transform(lambda members: min(members.index))
    _timed("1% of records moved", moved, issued)


if __name__ == "__main__":
    main()
