"""Where the heavy steps of a matching run execute: the one seam for another engine.

`link_records` runs blocking, comparisons and clustering through a `MatchingEngine`, and
everything else (match fields, training, scoring, decisions) on what the engine hands
back: position arrays and level arrays, whatever computed them. The local engine runs
the steps in this process with pandas and numpy; an engine for a cluster (Spark)
implements the same four methods with the same comparison functions, and no caller of
`link_records` changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import pandas as pd

from matching.blocking import CandidatePairs, candidate_pairs
from matching.clustering import ConflictCheck, PairSet, cluster_records
from matching.comparison import LevelComparison, compare_pairs
from matching.incremental import ComparedPairs, compare_candidates
from matching.settings import BlockingPass


class MatchingEngine(Protocol):
    """The heavy steps of a matching run. Positions index the match fields' rows."""

    def block(
        self,
        fields: pd.DataFrame,
        passes: Sequence[BlockingPass],
        max_block_size: int,
        max_pairs: int | None = None,
    ) -> CandidatePairs:
        """The candidate pairs of every blocking pass (see `blocking.candidate_pairs`)."""
        ...

    def compare_candidates(
        self,
        fields: pd.DataFrame,
        candidates: CandidatePairs,
        comparisons: Sequence[LevelComparison],
        chunk_pairs: int,
        previous: ComparedPairs | None,
    ) -> ComparedPairs:
        """Each candidate pair's level per comparison, reusing ``previous`` where its
        records did not change (see `incremental.compare_candidates`)."""
        ...

    def compare_pairs(
        self,
        fields: pd.DataFrame,
        pairs: tuple[np.ndarray, np.ndarray],
        comparisons: Sequence[LevelComparison],
        chunk_pairs: int,
    ) -> dict[str, np.ndarray]:
        """Levels of arbitrary pairs (the random sample that ``u`` is learned from)."""
        ...

    def cluster(
        self,
        record_count: int,
        links: PairSet,
        link_weights: np.ndarray,
        non_matches: PairSet,
        conflicts: ConflictCheck,
        max_cluster_size: int,
        must_link: PairSet,
    ) -> np.ndarray:
        """Each record's cluster, as the position of its smallest member (see
        `clustering.cluster_records`)."""
        ...


class LocalEngine:
    """The steps in this process, with pandas and numpy."""

    def block(
        self,
        fields: pd.DataFrame,
        passes: Sequence[BlockingPass],
        max_block_size: int,
        max_pairs: int | None = None,
    ) -> CandidatePairs:
        return candidate_pairs(fields, passes, max_block_size, max_pairs)

    def compare_candidates(
        self,
        fields: pd.DataFrame,
        candidates: CandidatePairs,
        comparisons: Sequence[LevelComparison],
        chunk_pairs: int,
        previous: ComparedPairs | None,
    ) -> ComparedPairs:
        return compare_candidates(fields, candidates, comparisons, chunk_pairs, previous)

    def compare_pairs(
        self,
        fields: pd.DataFrame,
        pairs: tuple[np.ndarray, np.ndarray],
        comparisons: Sequence[LevelComparison],
        chunk_pairs: int,
    ) -> dict[str, np.ndarray]:
        return compare_pairs(fields, pairs, comparisons, chunk_pairs)

    def cluster(
        self,
        record_count: int,
        links: PairSet,
        link_weights: np.ndarray,
        non_matches: PairSet,
        conflicts: ConflictCheck,
        max_cluster_size: int,
        must_link: PairSet,
    ) -> np.ndarray:
        return cluster_records(
            record_count, links, link_weights, non_matches, conflicts, max_cluster_size, must_link
        )
