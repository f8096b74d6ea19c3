"""Constraints: pairs of records whose fate is decided beforehand, whatever they score.

A must-link pair is always linked and never split apart by clustering; a cannot-link
pair is never linked and its records never share a cluster. They come from the
``must_link`` and ``cannot_link`` settings (later: stewards' decisions). A constraint
naming a record that is not in the run (deleted at its source) does not apply and
is reported, not an error; constraints that contradict each other are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from matching.clustering import PairSet
from matching.exceptions import MatchingError


@dataclass(frozen=True)
class PairConstraints:
    """Constrained record pairs by position (``left < right``) into the run's records."""

    must_link: PairSet
    cannot_link: PairSet
    absent_records: tuple[str, ...]
    """Record ids named by a constraint but not among the records, so not applied."""

    def pairs(self) -> PairSet:
        """Every constrained pair, must-link first."""
        return PairSet(
            np.r_[self.must_link.left, self.cannot_link.left],
            np.r_[self.must_link.right, self.cannot_link.right],
        )


def pair_constraints(
    record_ids: np.ndarray,
    must_link: Sequence[tuple[str, str]],
    cannot_link: Sequence[tuple[str, str]],
) -> PairConstraints:
    """Place constraints on the records of a run.

    Args:
        record_ids: The run's record ids, sorted ascending.
        must_link: Pairs of record ids that are one customer.
        cannot_link: Pairs of record ids that are different customers.

    Raises:
        MatchingError: If a cannot-link pair is joined by a chain of must-link pairs.
    """
    absent: set[str] = set()
    must = _positions(record_ids, must_link, absent)
    cannot = _positions(record_ids, cannot_link, absent)
    _check_agreement(record_ids, must, cannot)
    return PairConstraints(must, cannot, tuple(sorted(absent)))


def _positions(
    record_ids: np.ndarray, pairs: Sequence[tuple[str, str]], absent: set[str]
) -> PairSet:
    """Positions of the pairs whose records are both present; the others' ids go to `absent`."""
    if not pairs or not len(record_ids):
        absent.update(record_id for pair in pairs for record_id in pair)
        return PairSet(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))
    ids = np.asarray(pairs, dtype=object)
    positions = np.searchsorted(record_ids, ids).clip(max=len(record_ids) - 1)
    found = record_ids[positions] == ids
    absent.update(ids[~found].tolist())
    kept = positions[found.all(axis=1)]
    return PairSet(kept.min(axis=1).astype(np.int64), kept.max(axis=1).astype(np.int64))


def _check_agreement(record_ids: np.ndarray, must: PairSet, cannot: PairSet) -> None:
    if not len(must.left) or not len(cannot.left):
        return
    graph = coo_matrix(
        (np.ones(len(must.left), dtype=np.int8), (must.left, must.right)),
        shape=(len(record_ids), len(record_ids)),
    )
    _, group = connected_components(graph, directed=False)
    joined = np.flatnonzero(group[cannot.left] == group[cannot.right])
    if len(joined):
        first, second = record_ids[cannot.left[joined[0]]], record_ids[cannot.right[joined[0]]]
        raise MatchingError(
            f"records {first} and {second} must not be linked, yet must-link pairs join "
            f"them; drop one of the contradicting constraints ({len(joined)} such pairs)"
        )
