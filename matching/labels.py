"""Labelled pairs: record pairs known to be the same customer or not, as training evidence.

Labels are what a data steward decides ("same person", "not the same person"). A frame
of them has ``record_id_l``, ``record_id_r`` and ``is_match``; which id comes first does
not matter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from matching.blocking import CandidatePairs
from matching.comparison import LevelComparison, compare_pairs
from matching.exceptions import MatchingError

LABEL_COLUMNS = ("record_id_l", "record_id_r", "is_match")


@dataclass(frozen=True)
class LabelledPairs:
    """Labelled pairs as positions into the records (``left < right``), each once."""

    left: np.ndarray
    right: np.ndarray
    is_match: np.ndarray
    """Whether each pair is the same customer."""


def locate_labels(record_ids: np.ndarray, labelled_pairs: pd.DataFrame) -> LabelledPairs:
    """Find the records of each labelled pair; a pair labelled twice alike counts once.

    Args:
        record_ids: The records' ids, by position.
        labelled_pairs: Columns ``record_id_l``, ``record_id_r``, ``is_match``.

    Raises:
        MatchingError: If a column is missing, a label is not true or false, a pair names
            a record that is not among the records or pairs a record with itself, or one
            pair is labelled both ways.
    """
    missing = [column for column in LABEL_COLUMNS if column not in labelled_pairs.columns]
    if missing:
        raise MatchingError(
            f"labelled pairs lack {', '.join(missing)}; they need {', '.join(LABEL_COLUMNS)}"
        )
    labels = labelled_pairs["is_match"]
    if labels.isna().any() or not labels.isin([True, False]).all():
        raise MatchingError("labelled pairs: `is_match` must be true or false on every pair")
    index = pd.Index(record_ids)
    ends = [
        index.get_indexer(pd.Index(labelled_pairs[column].astype(str)))
        for column in ("record_id_l", "record_id_r")
    ]
    for column, positions in zip(("record_id_l", "record_id_r"), ends, strict=True):
        unknown = labelled_pairs[column][positions < 0].astype(str).unique()
        if len(unknown):
            raise MatchingError(
                f"labelled pairs name records that are not among the records: "
                f"{', '.join(unknown[:5])}{' …' if len(unknown) > 5 else ''}"
            )
    left, right = np.minimum(*ends), np.maximum(*ends)
    if (left == right).any():
        same = record_ids[left[left == right][0]]
        raise MatchingError(f"labelled pair ({same}, {same}) pairs a record with itself")
    pairs = pd.DataFrame({"left": left, "right": right, "is_match": labels.astype(bool).to_numpy()})
    pairs = pairs.drop_duplicates()
    both_ways = pairs[pairs.duplicated(["left", "right"])]
    if len(both_ways):
        first = both_ways.iloc[0]
        raise MatchingError(
            f"labelled pair ({record_ids[first['left']]}, {record_ids[first['right']]}) is "
            "labelled both a match and a non-match; keep one decision"
        )
    return LabelledPairs(
        left=pairs["left"].to_numpy(),
        right=pairs["right"].to_numpy(),
        is_match=pairs["is_match"].to_numpy(),
    )


def training_levels(
    match_fields: pd.DataFrame,
    candidates: CandidatePairs,
    candidate_levels: dict[str, np.ndarray],
    labelled: LabelledPairs,
    comparisons: Sequence[LevelComparison],
    chunk_pairs: int,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The pairs to train on, and what is known of each.

    They are the candidate pairs nobody labelled, unknown (NaN), then every labelled
    pair, 1.0 or 0.0, blocking having found it or not.

    Returns:
        The pairs' levels by comparison name, and their known match status (the
        ``known_matches`` of `scoring.fit_fellegi_sunter`).
    """
    record_count = len(match_fields)
    labelled_codes = labelled.left.astype(np.int64) * record_count + labelled.right
    candidate_codes = candidates.left.astype(np.int64) * record_count + candidates.right
    unlabelled = ~np.isin(candidate_codes, labelled_codes)
    labelled_levels = compare_pairs(
        match_fields, (labelled.left, labelled.right), comparisons, chunk_pairs
    )
    levels = {
        name: np.concatenate([values[unlabelled], labelled_levels[name]])
        for name, values in candidate_levels.items()
    }
    known = np.concatenate(
        [np.full(int(unlabelled.sum()), np.nan), labelled.is_match.astype(np.float64)]
    )
    return levels, known
