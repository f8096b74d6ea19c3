"""Customers no change touched, which a run keeps whole.

A run re-scores every candidate pair, and scores move for reasons that have nothing to do
with a customer: a model trained again, a name that became more common. Were every
customer clustered anew, such moves would merge and split customers that no new or
changed record concerns. So, given the customers as last published, a run keeps each
customer none of whose records is new, changed in a value of its own that the comparisons
read (not one it takes from others, as whether its e-mail address is shared), or gone,
and none of whose records a constraint (a steward's decision) names:

- its records stay together, whatever their pairs now score;
- it gains a new or changed record linked to it, and joins another customer only through
  such a record linked to both;
- a link the scores now make between one of its records and any record that did not
  change is left for a steward to review rather than merged.

The other customers are clustered anew; a full run re-evaluates every customer.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

#: Code of a record that is clustered anew rather than kept with its customer.
NOT_KEPT = -1


def kept_customers(
    record_ids: np.ndarray,
    last_customers: pd.Series,
    changed: np.ndarray,
    constrained: Iterable[np.ndarray],
) -> np.ndarray:
    """Which kept customer each record is in, by position, or `NOT_KEPT`.

    Args:
        record_ids: The run's record ids, sorted.
        last_customers: The customer of each record as last published, indexed by record id.
        changed: Per position, whether the record is new or its compared fields changed.
        constrained: Positions of records that constraints name.

    Returns:
        Per position, a number shared by the records of one kept customer, or `NOT_KEPT`.
    """
    customer = last_customers.reindex(record_ids)
    codes, names = pd.factorize(customer.to_numpy(dtype=object), use_na_sentinel=True)
    touched = np.zeros(len(names) + 1, dtype=bool)
    touched[NOT_KEPT] = True  # records new to the customers: indexed by the sentinel
    touched[codes[changed]] = True
    for positions in constrained:
        touched[codes[positions]] = True
    gone = last_customers[~last_customers.index.isin(record_ids)].unique()
    touched[:-1] |= pd.Index(names).isin(gone)
    return np.where(touched[codes], NOT_KEPT, codes)


def keeping_together(kept: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs that hold each kept customer's records together: its first record with each
    of its others, as positions."""
    positions = np.flatnonzero(kept != NOT_KEPT)
    positions = positions[np.argsort(kept[positions], kind="stable")]
    codes = kept[positions]
    starts = np.r_[True, codes[1:] != codes[:-1]] if len(codes) else np.empty(0, dtype=bool)
    first = np.maximum.accumulate(np.where(starts, np.arange(len(codes)), 0))
    others = ~starts
    return positions[first[others]], positions[others]


def kept_whole(kept: np.ndarray, cluster_positions: np.ndarray) -> int:
    """How many kept customers the clusters hold exactly as they were: neither joined to
    another nor grown by a record."""
    positions = np.flatnonzero(kept != NOT_KEPT)
    if not len(positions):
        return 0
    sizes = np.bincount(kept[positions])
    cluster_sizes = np.bincount(cluster_positions, minlength=len(cluster_positions))
    cluster_of = np.zeros(len(sizes), dtype=np.int64)
    cluster_of[kept[positions]] = cluster_positions[positions]
    present = sizes > 0
    return int((cluster_sizes[cluster_of[present]] == sizes[present]).sum())
