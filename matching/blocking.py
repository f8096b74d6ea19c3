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
from matching.settings import (
    SPARSE_CONTACT_PASSES,
    SPARSE_CONTACT_SHARE,
    BlockingPass,
    MatchSettings,
    SortedNeighbourhoodPass,
    pass_identity,
)


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
    estimated_pairs: int = 0
    """Pairs the pass would produce, counted from its block sizes before it ran."""
    over_budget: bool = False
    """Whether the pass was skipped: its estimate would have taken the candidate pairs
    past the budget (`MatchSettings.max_pairs_per_record`)."""
    links: int | None = None
    """Links among the pairs the pass produced, once the run has decided them."""
    links_alone: int | None = None
    """Of those, the links no other pass produced: what the run would lose without it."""


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


def passes_in_force(match_fields: pd.DataFrame, settings: MatchSettings) -> list[BlockingPass]:
    """The settings' passes, and `SPARSE_CONTACT_PASSES` where the records' e-mail
    addresses and phone numbers are sparse (unless the settings leave out the built-in
    passes). A sparse-contact pass the settings hold already counts once."""
    passes = list(settings.blocking_passes)
    if not settings.default_blocking_passes or match_fields.empty:
        return passes
    contact = match_fields["email"].notna() | match_fields["phone"].notna()
    if contact.mean() >= SPARSE_CONTACT_SHARE:
        return passes
    held = {pass_identity(blocking_pass) for blocking_pass in passes}
    return passes + [p for p in SPARSE_CONTACT_PASSES if pass_identity(p) not in held]


def estimated_pairs(
    match_fields: pd.DataFrame, blocking_pass: BlockingPass, max_block_size: int
) -> int:
    """The pairs a pass would produce, from its block sizes alone (nothing is paired).

    For a sorted-neighbourhood pass, the most it can produce: ``window - 1`` per record.
    """
    if isinstance(blocking_pass, SortedNeighbourhoodPass):
        return len(_having_keys(match_fields, blocking_pass.keys)) * (blocking_pass.window - 1)
    block = key_blocks(match_fields, blocking_pass)
    sizes = np.bincount(block[block >= 0])
    sizes = sizes[sizes <= max_block_size]
    return int((sizes * (sizes - 1) // 2).sum())


def candidate_pairs(
    match_fields: pd.DataFrame,
    blocking_passes: Sequence[BlockingPass],
    max_block_size: int,
    max_pairs: int | None = None,
) -> CandidatePairs:
    """Union of the pairs of every blocking pass, deduplicated, without self-pairs.

    Args:
        match_fields: Output of `prepare_match_fields`.
        blocking_passes: Each pass is a list of blocking keys or a sorted-neighbourhood
            pass (see `settings.MatchSettings`).
        max_block_size: Blocks of a pass of keys with more records are skipped and reported.
        max_pairs: Budget of candidate pairs: a pass whose `estimated_pairs`, added to the
            pairs found so far, exceed it is skipped and reported as over budget. The
            estimate counts every pair of the pass as new, so the check errs on the side
            of the budget; passes are taken in order, the built-in ones first.

    Returns:
        Pairs ordered by (left, right) position, with a report per pass.
    """
    record_count = len(match_fields)
    seen = np.empty(0, dtype=np.int64)
    reports: dict[str, BlockingPassReport] = {}
    for blocking_pass in blocking_passes:
        estimate = estimated_pairs(match_fields, blocking_pass, max_block_size)
        if max_pairs is not None and len(seen) + estimate > max_pairs:
            reports[pass_name(blocking_pass)] = BlockingPassReport(
                0, 0, 0, 0, estimated_pairs=estimate, over_budget=True
            )
            continue
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
            estimated_pairs=estimate,
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
    order, block = _sorted_neighbour_order(match_fields, blocking_pass, positions)
    block, positions = block[order], positions[order]
    lefts, rights = [np.empty(0, dtype=np.int64)], [np.empty(0, dtype=np.int64)]
    for distance in range(1, min(blocking_pass.window, len(positions))):
        same_block = block[distance:] == block[:-distance]
        lefts.append(positions[:-distance][same_block])
        rights.append(positions[distance:][same_block])
    left, right = np.concatenate(lefts), np.concatenate(rights)
    return np.minimum(left, right), np.maximum(left, right)


def _sorted_neighbour_order(
    match_fields: pd.DataFrame, blocking_pass: SortedNeighbourhoodPass, positions: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The order of the records at `positions` in a sorted-neighbourhood pass (by its
    `block_on` keys, then its sort key, then position), and their `block_on` codes."""
    sort_values = match_fields[blocking_key_field(blocking_pass.sorted_neighbourhood)]
    rank = pd.factorize(sort_values.to_numpy(dtype=object)[positions], sort=True)[0]
    block = _shared_key_codes(match_fields, blocking_pass.block_on, positions)
    order: np.ndarray = np.lexsort((positions, rank, block))
    return order, block


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


def found_by(
    match_fields: pd.DataFrame,
    blocking_passes: Sequence[BlockingPass],
    max_block_size: int,
    left: np.ndarray,
    right: np.ndarray,
) -> np.ndarray:
    """Which of the passes pair each of the given record pairs (``left < right``).

    Returns:
        A boolean matrix, a row per pair and a column per pass.
    """
    found = np.zeros((len(left), len(blocking_passes)), dtype=bool)
    for column, blocking_pass in enumerate(blocking_passes):
        if isinstance(blocking_pass, SortedNeighbourhoodPass):
            positions = _having_keys(match_fields, blocking_pass.keys)
            order, codes = _sorted_neighbour_order(match_fields, blocking_pass, positions)
            block = np.full(len(match_fields), -1, dtype=np.int64)
            block[positions] = codes
            place = np.zeros(len(match_fields), dtype=np.int64)
            place[positions[order]] = np.arange(len(positions))
            near = np.abs(place[left] - place[right]) < blocking_pass.window
        else:
            block = key_blocks(match_fields, blocking_pass)
            sizes = np.bincount(block[block >= 0], minlength=1)
            near = sizes[np.maximum(block[left], 0)] <= max_block_size
        found[:, column] = (block[left] >= 0) & (block[left] == block[right]) & near
    return found


def key_blocks(match_fields: pd.DataFrame, keys: Sequence[str]) -> np.ndarray:
    """Each record's block of a pass of `keys`: equal where records share every key,
    -1 where a record misses one."""
    positions = _having_keys(match_fields, keys)
    block = np.full(len(match_fields), -1, dtype=np.int64)
    block[positions] = _shared_key_codes(match_fields, keys, positions)
    return block


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
