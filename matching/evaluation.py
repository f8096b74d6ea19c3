"""Accuracy against known true identities: of a clustering, and of blocking."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from matching.blocking import candidate_pairs, pass_name, passes_in_force
from matching.mapped_attributes import with_mapped_attributes
from matching.match_fields import prepare_match_fields
from matching.settings import MatchSettings
from quality import RECORD_ID


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


def blocking_recall(
    records: pd.DataFrame, truth: pd.Series, settings: MatchSettings | None = None
) -> pd.DataFrame:
    """How many of the true pairs each blocking pass puts up for comparison.

    Pairs that blocking misses can only be joined through other records, so blocking
    recall bounds what matching can find.

    Args:
        records: Canonical customer records.
        truth: True entity label of each record, aligned by position.
        settings: The blocking passes, block size cap and pair budget to measure; defaults
            when omitted.

    Returns:
        One row per pass, in order: ``pass``, ``pairs``, ``true_pairs`` (found by the
        pass), ``new_pairs`` and ``new_true_pairs`` (not found by earlier passes), and
        ``recall`` of all passes so far; then a ``total`` row.
    """
    settings = with_mapped_attributes(settings or MatchSettings(), records)
    # Records in record-id order, as `link_records` blocks them: ties in a sort key go by it.
    order = np.argsort(records[RECORD_ID].astype(str).to_numpy(), kind="stable")
    fields = prepare_match_fields(records.iloc[order], list(settings.attributes))
    entity = pd.factorize(truth.to_numpy()[order])[0]
    true_total = _pairs(pd.Series(entity).value_counts())
    count = len(records)
    seen = np.empty(0, dtype=np.int64)
    rows: list[tuple[str, int, int, int, int]] = []
    passes = passes_in_force(fields, settings)
    budget = int(settings.max_pairs_per_record * count)
    ran = candidate_pairs(fields, passes, settings.max_block_size, budget).reports
    for blocking_pass in passes:
        if ran[pass_name(blocking_pass)].over_budget:
            rows.append((pass_name(blocking_pass), 0, 0, 0, 0))
            continue
        found = candidate_pairs(fields, [blocking_pass], settings.max_block_size)
        codes = found.left * count + found.right
        new = np.setdiff1d(codes, seen, assume_unique=True)
        seen = np.union1d(seen, codes)
        true_found = int((entity[found.left] == entity[found.right]).sum())
        new_true = int((entity[new // count] == entity[new % count]).sum())
        rows.append((pass_name(blocking_pass), len(codes), true_found, len(new), new_true))
    all_true = sum(row[4] for row in rows)
    rows.append(("total", len(seen), all_true, len(seen), all_true))
    report = pd.DataFrame(
        rows, columns=["pass", "pairs", "true_pairs", "new_pairs", "new_true_pairs"]
    )
    report["recall"] = report["new_true_pairs"].cumsum() / max(true_total, 1)
    report.loc[report.index[-1], "recall"] = all_true / max(true_total, 1)
    return report
