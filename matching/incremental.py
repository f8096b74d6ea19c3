"""Incremental matching: what a run keeps so the next one compares only what changed.

Comparing candidate pairs is the costly part of a run. A pair's levels depend on
nothing but the match fields of its two records, so a later run reuses the levels of
every pair whose records are both unchanged — same fingerprint of the fields the
comparisons read — and compares only pairs that touch a new or changed record.
Blocking, weights (term frequencies move as records come and go), decisions and
clustering are redone over all records, so with the same model the result is the
one a full run gives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from matching.blocking import CandidatePairs
from matching.comparison import LevelComparison, compare_pairs
from matching.match_fields import FROM_OTHERS


@dataclass(frozen=True)
class ComparedPairs:
    """Every candidate pair of a run with its levels, and what its records looked like."""

    record_ids: np.ndarray
    """The run's record ids, sorted."""
    left: np.ndarray
    """Position of each pair's first record in `record_ids`."""
    right: np.ndarray
    """Position of each pair's second record in `record_ids`."""
    levels: dict[str, np.ndarray]
    """Each pair's level, by comparison name."""
    fingerprints: pd.Series
    """Hash of the compared match fields of each record, indexed by record id."""
    own_fingerprints: pd.Series
    """Hash of the compared match fields each record holds of its own (not those it takes
    from other records, `FROM_OTHERS`), indexed by record id: what tells a record that
    changed from one another record merely sheds new light on."""
    compared: int
    """Pairs the run compared itself rather than reusing from an earlier run."""

    def __len__(self) -> int:
        return len(self.left)

    @property
    def record_id_l(self) -> np.ndarray:
        """Each pair's first record id."""
        ids: np.ndarray = self.record_ids[self.left]
        return ids

    @property
    def record_id_r(self) -> np.ndarray:
        """Each pair's second record id."""
        ids: np.ndarray = self.record_ids[self.right]
        return ids


def record_fingerprints(
    match_fields: pd.DataFrame,
    comparisons: Sequence[LevelComparison],
    leaving_out: Sequence[str] = (),
) -> np.ndarray:
    """A hash per record of the match fields `comparisons` read (but those `leaving_out`):
    equal hashes of all of them, equal levels."""
    read = sorted({f for c in comparisons for f in c.match_fields} - set(leaving_out))
    return pd.util.hash_pandas_object(match_fields[read], index=False).to_numpy()


def compare_candidates(
    match_fields: pd.DataFrame,
    candidates: CandidatePairs,
    comparisons: Sequence[LevelComparison],
    chunk_pairs: int,
    previous: ComparedPairs | None = None,
) -> ComparedPairs:
    """Levels of every candidate pair, reusing `previous` levels where both records are unchanged.

    Args:
        match_fields: Output of `prepare_match_fields`, ordered by record id.
        candidates: This run's candidate pairs.
        comparisons: The comparisons to run.
        chunk_pairs: Pairs compared at once, to bound memory.
        previous: What an earlier run with the same comparisons compared.
    """
    record_ids = match_fields["record_id"].to_numpy(dtype=object)
    fingerprints = record_fingerprints(match_fields, comparisons)
    names = [c.comparison_name for c in comparisons]
    levels = {name: np.empty(len(candidates), dtype=np.int8) for name in names}
    reused = np.zeros(len(candidates), dtype=bool)
    if previous is not None and list(previous.levels) == names:
        reused, source = _reusable(previous, record_ids, fingerprints, candidates)
        for name in names:
            levels[name][reused] = previous.levels[name][source]
    fresh = ~reused
    compared = compare_pairs(
        match_fields,
        (candidates.left[fresh], candidates.right[fresh]),
        comparisons,
        chunk_pairs,
    )
    for name in names:
        levels[name][fresh] = compared[name]
    return ComparedPairs(
        record_ids=record_ids,
        left=candidates.left,
        right=candidates.right,
        levels=levels,
        fingerprints=pd.Series(fingerprints, index=pd.Index(record_ids, name="record_id")),
        own_fingerprints=pd.Series(
            record_fingerprints(match_fields, comparisons, FROM_OTHERS),
            index=pd.Index(record_ids, name="record_id"),
        ),
        compared=int(fresh.sum()),
    )


def _reusable(
    previous: ComparedPairs,
    record_ids: np.ndarray,
    fingerprints: np.ndarray,
    candidates: CandidatePairs,
) -> tuple[np.ndarray, np.ndarray]:
    """Which candidates the previous run compared with both records unchanged, and where.

    Returns:
        A mask over the candidates, and for the masked ones their index in `previous`.
    """
    record_count = len(record_ids)
    if not record_count or not len(previous):
        return np.zeros(len(candidates), dtype=bool), np.empty(0, dtype=np.int64)
    # Where each of the previous run's records is in this run, and whether it is unchanged;
    # record ids sort the same way in both runs, so pairs keep left < right.
    at = np.searchsorted(record_ids, previous.record_ids).clip(max=record_count - 1)
    unchanged = (record_ids[at] == previous.record_ids) & (
        fingerprints[at] == previous.fingerprints.to_numpy()
    )
    usable = np.flatnonzero(unchanged[previous.left] & unchanged[previous.right])
    usable_codes = at[previous.left[usable]] * record_count + at[previous.right[usable]]
    order = np.argsort(usable_codes, kind="stable")
    usable_codes, usable = usable_codes[order], usable[order]

    codes = candidates.left * record_count + candidates.right
    found = np.zeros(len(codes), dtype=bool)
    at_code = np.searchsorted(usable_codes, codes).clip(max=max(len(usable_codes) - 1, 0))
    if len(usable_codes):
        found = usable_codes[at_code] == codes
    return found, usable[at_code[found]]
