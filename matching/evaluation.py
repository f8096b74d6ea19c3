"""Pairwise accuracy of a clustering against known true identities."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class PairwiseScores:
    """Precision, recall and F1 over record pairs placed together."""

    true_positives: int
    predicted_pairs: int
    true_pairs: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0

    def __str__(self) -> str:
        return (
            f"precision {self.precision:.4f}, recall {self.recall:.4f}, F1 {self.f1:.4f} "
            f"({self.true_positives:,} of {self.predicted_pairs:,} predicted pairs true; "
            f"{self.true_pairs:,} true pairs)"
        )


def pairwise_scores(predicted: pd.Series, truth: pd.Series) -> PairwiseScores:
    """Score predicted cluster labels against true entity labels, record by record.

    A pair of records is predicted when both carry the same predicted label and true
    when both carry the same true label; the two series are aligned by position.
    """
    if len(predicted) != len(truth):
        raise ValueError(f"{len(predicted)} predicted labels for {len(truth)} true labels")
    labels = pd.DataFrame({"predicted": predicted.to_numpy(), "truth": truth.to_numpy()})
    return PairwiseScores(
        true_positives=_pairs(labels.groupby(["predicted", "truth"]).size()),
        predicted_pairs=_pairs(labels.groupby("predicted").size()),
        true_pairs=_pairs(labels.groupby("truth").size()),
    )


def _pairs(group_sizes: pd.Series) -> int:
    sizes = group_sizes.to_numpy(dtype="int64")
    return int((sizes * (sizes - 1) // 2).sum())
