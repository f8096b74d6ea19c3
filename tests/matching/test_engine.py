"""The matching engine seam: every heavy step of `link_records` goes through the engine,
so an engine that runs them elsewhere gives the same links."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from matching import ComparedPairs, LocalEngine, link_records
from matching.blocking import CandidatePairs
from matching.comparison import LevelComparison


class PartitionedEngine(LocalEngine):
    """Runs each step as the local engine does, but compares sampled pairs in partitions
    (as an engine on a cluster would) and notes which steps it ran."""

    def __init__(self, partitions: int) -> None:
        self.partitions = partitions
        self.steps: list[str] = []

    def block(self, *args: Any, **kwargs: Any) -> CandidatePairs:
        self.steps.append("block")
        return super().block(*args, **kwargs)

    def compare_candidates(self, *args: Any, **kwargs: Any) -> ComparedPairs:
        self.steps.append("compare_candidates")
        return super().compare_candidates(*args, **kwargs)

    def compare_pairs(
        self,
        fields: pd.DataFrame,
        pairs: tuple[np.ndarray, np.ndarray],
        comparisons: Sequence[LevelComparison],
        chunk_pairs: int,
    ) -> dict[str, np.ndarray]:
        self.steps.append("compare_pairs")
        left, right = pairs
        compare = super().compare_pairs
        parts = [
            compare(fields, (lefts, rights), comparisons, chunk_pairs)
            for lefts, rights in zip(
                np.array_split(left, self.partitions),
                np.array_split(right, self.partitions),
                strict=True,
            )
        ]
        return {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}

    def cluster(self, *args: Any, **kwargs: Any) -> np.ndarray:
        self.steps.append("cluster")
        return super().cluster(*args, **kwargs)


def test_an_engine_that_partitions_the_work_links_the_same_records(
    synthetic_customers: Callable[..., tuple[pd.DataFrame, pd.Series]],
) -> None:
    records, _ = synthetic_customers(400, seed=3)
    engine = PartitionedEngine(partitions=3)

    local = link_records(records)
    elsewhere = link_records(records, engine=engine)

    # Sampled pairs are compared to learn u and to estimate what blocking missed.
    assert set(engine.steps) == {"block", "cluster", "compare_candidates", "compare_pairs"}
    assert elsewhere.blocking_estimate == local.blocking_estimate
    pd.testing.assert_frame_equal(elsewhere.pairs, local.pairs)
    pd.testing.assert_series_equal(elsewhere.clusters, local.clusters)
    assert elsewhere.model.to_dict() == local.model.to_dict()
