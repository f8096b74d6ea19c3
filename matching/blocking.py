"""Blocking: which record pairs are worth comparing at all.

A pass pairs the records that share every key of the pass, or, as a sorted-neighbourhood
pass, the records close together in the order of one key; the candidate pairs are the
union of all passes. Pairs are integer positions into the match fields (``left < right``),
never a pandas MultiIndex, so memory stays at 16 bytes per pair however many there are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from matching.match_fields import blocking_key_field
from matching.settings import BlockingPass, SortedNeighbourhoodPass


@dataclass(frozen=True)
class BlockingPassReport:
    """What one blocking pass found."""

    pairs: int
    """Candidate pairs the pass produced (before removing pairs found by earlier passes)."""
    new_pairs: int
    """Pairs no earlier pass had found."""
    skipped_blocks: int
    """Blocks larger than ``max_block_size``, left unpaired."""
    skipped_records: int
    """Records in those skipped blocks."""


@dataclass(frozen=True)
class CandidatePairs:
    """Distinct record pairs to compare, as sorted position arrays."""

    left: np.ndarray
    right: np.ndarray
    reports: dict[str, BlockingPassReport] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.left)

    def including(
        self, left: np.ndarray, right: np.ndarray, record_count: int, reason: str
    ) -> CandidatePairs:
        """These pairs plus the given ones (``left < right``), reported under `reason`."""
        seen = self._codes(record_count)
        codes = np.unique(left.astype(np.int64) * record_count + right)
        merged = np.union1d(seen, codes)
        report = BlockingPassReport(len(codes), len(merged) - len(seen), 0, 0)
        return _from_codes(merged, record_count, {**self.reports, reason: report})

    def contains(self, left: np.ndarray, right: np.ndarray, record_count: int) -> np.ndarray:
        """Whether each of these pairs is one of the given ones (``left < right``)."""
        codes = left.astype(np.int64) * record_count + right
        return np.isin(self._codes(record_count), codes)

    def _codes(self, record_count: int) -> np.ndarray:
        codes: np.ndarray = self.left * record_count + self.right
        return codes


def pass_name(blocking_pass: BlockingPass) -> str:
    """The name a blocking pass is reported under.

    ``birth_date+family_name_metaphone``, or for a sorted-neighbourhood pass
    ``sorted_neighbourhood(family_name, window=5, block_on=birth_year+postcode)``.
    """
    if not isinstance(blocking_pass, SortedNeighbourhoodPass):
        return "+".join(blocking_pass)
    block_on = f", block_on={'+'.join(blocking_pass.block_on)}" if blocking_pass.block_on else ""
    return (
        f"sorted_neighbourhood({blocking_pass.sorted_neighbourhood}, "
        f"window={blocking_pass.window}{block_on})"
    )


def candidate_pairs(
    match_fields: pd.DataFrame,
    blocking_passes: Sequence[BlockingPass],
    max_block_size: int,
) -> CandidatePairs:
    """Union of the pairs of every blocking pass, deduplicated, without self-pairs.

    Args:
        match_fields: Output of `prepare_match_fields`.
        blocking_passes: Each pass is a list of blocking keys or a sorted-neighbourhood
            pass (see `settings.MatchSettings`).
        max_block_size: Blocks of a pass of keys with more records are skipped and reported.

    Returns:
        Pairs ordered by (left, right) position, with a report per pass.
    """
    record_count = len(match_fields)
    seen = np.empty(0, dtype=np.int64)
    reports: dict[str, BlockingPassReport] = {}
    for blocking_pass in blocking_passes:
        if isinstance(blocking_pass, SortedNeighbourhoodPass):
            left, right = sorted_neighbour_pairs(match_fields, blocking_pass)
            skipped_blocks, skipped_records = 0, 0
        else:
            left, right, skipped_blocks, skipped_records = pairs_sharing_keys(
                match_fields, blocking_pass, max_block_size
            )
        codes = left.astype(np.int64) * record_count + right
        merged = np.union1d(seen, codes)
        reports[pass_name(blocking_pass)] = BlockingPassReport(
            pairs=len(codes),
            new_pairs=len(merged) - len(seen),
            skipped_blocks=skipped_blocks,
            skipped_records=skipped_records,
        )
        seen = merged
    return _from_codes(seen, record_count, reports)


def _from_codes(
    codes: np.ndarray, record_count: int, reports: dict[str, BlockingPassReport]
) -> CandidatePairs:
    """Pairs from their sorted codes ``left * record_count + right``."""
    return CandidatePairs(
        left=(codes // max(record_count, 1)).astype(np.int64),
        right=(codes % max(record_count, 1)).astype(np.int64),
        reports=reports,
    )


def pairs_sharing_keys(
    match_fields: pd.DataFrame, keys: Sequence[str], max_block_size: int
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """All pairs of records that agree on every key and miss none of them.

    Returns:
        ``(left, right, skipped_blocks, skipped_records)`` with ``left < right``.
    """
    positions = _having_keys(match_fields, keys)
    if len(positions) < 2:
        return _no_pairs() + (0, 0)
    block = _shared_key_codes(match_fields, keys, positions)
    order = np.lexsort((positions, block))
    block, positions = block[order], positions[order]
    left_index, right_index, skipped_blocks, skipped_records = pairs_within_groups(
        block, max_block_size
    )
    return positions[left_index], positions[right_index], skipped_blocks, skipped_records


def sorted_neighbour_pairs(
    match_fields: pd.DataFrame, blocking_pass: SortedNeighbourhoodPass
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of records fewer than ``window`` places apart in the order of the sort key.

    Records missing the sort key or a `block_on` key are left out, and pairs never join
    records that differ on a `block_on` key. Ties in the sort key are ordered by position,
    so records sorted by record id give the same pairs whatever order they arrived in.
    Unlike recordlinkage's `SortedNeighbourhood`, which windows over distinct key values,
    the window counts records, so a pass yields at most ``records × (window - 1)`` pairs.

    Returns:
        ``(left, right)`` with ``left < right``, each pair once.
    """
    positions = _having_keys(match_fields, blocking_pass.keys)
    sort_values = match_fields[blocking_key_field(blocking_pass.sorted_neighbourhood)]
    rank = pd.factorize(sort_values.to_numpy(dtype=object)[positions], sort=True)[0]
    block = _shared_key_codes(match_fields, blocking_pass.block_on, positions)
    order = np.lexsort((positions, rank, block))
    block, positions = block[order], positions[order]
    lefts, rights = [np.empty(0, dtype=np.int64)], [np.empty(0, dtype=np.int64)]
    for distance in range(1, min(blocking_pass.window, len(positions))):
        same_block = block[distance:] == block[:-distance]
        lefts.append(positions[:-distance][same_block])
        rights.append(positions[distance:][same_block])
    left, right = np.concatenate(lefts), np.concatenate(rights)
    return np.minimum(left, right), np.maximum(left, right)


def pairs_within_groups(
    sorted_groups: np.ndarray, max_group_size: int | None = None
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Every pair of indices ``i < j`` with equal group, for a group array sorted ascending.

    Args:
        sorted_groups: Group code of each item, equal codes adjacent.
        max_group_size: Groups with more items are skipped.

    Returns:
        ``(left, right, skipped_groups, skipped_items)``, indices into `sorted_groups`.
    """
    if len(sorted_groups) < 2:
        return _no_pairs() + (0, 0)
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    sizes = np.diff(np.r_[starts, len(sorted_groups)])
    oversized = sizes > max_group_size if max_group_size else np.zeros(len(sizes), dtype=bool)
    keep = np.repeat(~oversized, sizes)
    skipped_groups = int(oversized.sum())
    skipped_items = int(sizes[oversized].sum())

    # Each item pairs with the items after it in its group.
    group_end = np.repeat(starts + sizes, sizes)
    index = np.arange(len(sorted_groups))
    partners = np.where(keep, group_end - index - 1, 0)
    total = int(partners.sum())
    if total == 0:
        return _no_pairs() + (skipped_groups, skipped_items)
    left = np.repeat(index, partners)
    offset = np.arange(total) - np.repeat(np.cumsum(partners) - partners, partners)
    return left, left + 1 + offset, skipped_groups, skipped_items


def _having_keys(match_fields: pd.DataFrame, keys: Sequence[str]) -> np.ndarray:
    """Positions of the records that miss none of `keys`."""
    present = [match_fields[blocking_key_field(key)].notna().to_numpy() for key in keys]
    return np.flatnonzero(np.logical_and.reduce(present))


def _shared_key_codes(
    match_fields: pd.DataFrame, keys: Sequence[str], positions: np.ndarray
) -> np.ndarray:
    """A code for each record at `positions`, equal where records agree on every key."""
    block = np.zeros(len(positions), dtype=np.int64)
    for key in keys:
        values = match_fields[blocking_key_field(key)].to_numpy(dtype=object)[positions]
        codes, distinct = pd.factorize(values)
        block = pd.factorize(block * (len(distinct) + 1) + codes)[0]
    return block


def _no_pairs() -> tuple[np.ndarray, np.ndarray]:
    return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
