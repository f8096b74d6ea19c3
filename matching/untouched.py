"""Customers no change touched, which a run keeps exactly as they were.

A run re-scores every candidate pair, and scores move for reasons that have nothing to do
with a customer: a model trained again, a name that became more common. Were every
customer clustered anew, such moves would merge and split customers that no new or
changed record concerns. So, given the customers as last published, a run keeps each
customer that none of these touches, with exactly its records:

- one of its records is new, changed in a field the comparisons read, or gone;
- a new or changed record is linked to one of its records (it may join it);
- a must-link or cannot-link constraint (a steward's decision) names one of its records.

The other records are clustered as usual. A link between a kept customer and another
customer is left for a steward to review rather than merged; a full run re-evaluates
every customer.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

#: Position code of a record that is clustered anew rather than kept.
NOT_KEPT = -1


def kept_customers(
    record_ids: np.ndarray,
    last_customers: pd.Series,
    changed: np.ndarray,
    links: tuple[np.ndarray, np.ndarray],
    constrained: Iterable[np.ndarray],
) -> np.ndarray:
    """Which customer each record is kept in, by position, or `NOT_KEPT`.

    Args:
        record_ids: The run's record ids, sorted.
        last_customers: The customer of each record as last published, indexed by record id.
        changed: Per position, whether the record is new or its compared fields changed.
        links: Positions of the linked pairs' two records (must-link pairs included).
        constrained: Positions of records that constraints name.

    Returns:
        Per position, a number shared by the records of one kept customer, or `NOT_KEPT`.
    """
    customer = last_customers.reindex(record_ids)
    codes, names = pd.factorize(customer.to_numpy(dtype=object), use_na_sentinel=True)
    touched = np.zeros(len(names) + 1, dtype=bool)
    touched[NOT_KEPT] = True  # records new to the customers: indexed by the sentinel
    touched[codes[changed]] = True
    left, right = links
    touched[codes[left[changed[right]]]] = True
    touched[codes[right[changed[left]]]] = True
    for positions in constrained:
        touched[codes[positions]] = True
    gone = last_customers[~last_customers.index.isin(record_ids)].unique()
    touched[:-1] |= pd.Index(names).isin(gone)
    return np.where(touched[codes], NOT_KEPT, codes)
