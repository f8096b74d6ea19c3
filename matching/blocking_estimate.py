"""How many matching pairs blocking missed, estimated without labels.

Blocking recall bounds what matching can find, and no label says what it is on a user's
own data. The estimate samples what the passes leave out: record pairs that share a
loose key (`LOOSE_KEYS`: a family or given name that sounds alike, a birth date, a
postcode), which nearly every pair of one person's records does, drawn uniformly from
all of them however large their blocks. The run's own model scores each; the pairs no
pass put up add up, weighted by their match probability, to the matches expected outside
the candidate pairs, against those expected among them.

It counts what the model would call a match, so it cannot see pairs that share no loose
key at all, nor pairs the model itself would not recognise. Measured against the truth
(bench/README.md, "Blocking that adapts"): within 0.002 on FEBRL 1–4, 0.006 above on
pseudopeople, 0.05 above on the demo generator, where most missed pairs are records with
only a given name and an e-mail address no other record holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from matching.blocking import CandidatePairs, key_blocks

#: Keys that nearly every pair of one person's records shares at least one of.
LOOSE_KEYS: Final = ("family_name_soundex", "given_name_soundex", "birth_date", "postcode")
#: Pairs drawn among those sharing each loose key.
SAMPLE_PAIRS: Final = 50_000

#: Match probabilities of record pairs given as position arrays ``(left, right)``.
PairScorer = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class BlockingEstimate:
    """Matches expected among the candidate pairs, and outside them."""

    matches_found: float
    """The candidate pairs' match probabilities, summed."""
    matches_missed: float
    """Estimated matches among the pairs sharing a loose key that no pass put up."""

    @property
    def recall(self) -> float:
        """The share of the expected matches that blocking put up."""
        total = self.matches_found + self.matches_missed
        return self.matches_found / total if total else 1.0

    def as_dict(self) -> dict[str, float]:
        """For a run summary."""
        return {
            "estimated_recall": round(self.recall, 4),
            "matches_found": round(self.matches_found, 1),
            "matches_missed": round(self.matches_missed, 1),
        }


def estimate_blocking_recall(
    match_fields: pd.DataFrame,
    candidates: CandidatePairs,
    candidate_probabilities: np.ndarray,
    score: PairScorer,
    seed: int,
) -> BlockingEstimate:
    """Estimate the matches blocking missed, by sampling pairs that share a loose key.

    Args:
        match_fields: Output of `prepare_match_fields`.
        candidates: The run's candidate pairs.
        candidate_probabilities: Their match probabilities.
        score: Scores sampled pairs with the run's model.
        seed: Seeds the sample, so a run on the same records gives the same estimate.
    """
    record_count = len(match_fields)
    rng = np.random.default_rng(seed)
    blocks = [key_blocks(match_fields, [key]) for key in LOOSE_KEYS]
    candidate_codes = candidates.left * record_count + candidates.right
    missed = 0.0
    for block in blocks:
        pairs, (left, right) = _uniform_pairs(block, SAMPLE_PAIRS, rng)
        if not pairs:
            continue
        # Few records draw the same pairs many times: score each once.
        codes, drawn = np.unique(left * record_count + right, return_counts=True)
        left, right = codes // record_count, codes % record_count
        outside = ~np.isin(codes, candidate_codes)
        # A pair sharing several loose keys is drawn under each: count it once in all.
        sharing = sum(((other[left] == other[right]) & (other[left] >= 0)) for other in blocks)
        probabilities = np.zeros(len(codes))
        if outside.any():
            probabilities[outside] = score(left[outside], right[outside])
        missed += pairs * float(np.sum(drawn * probabilities / sharing)) / SAMPLE_PAIRS
    return BlockingEstimate(float(np.sum(candidate_probabilities)), missed)


def _uniform_pairs(
    block: np.ndarray, count: int, rng: np.random.Generator
) -> tuple[int, tuple[np.ndarray, np.ndarray]]:
    """How many record pairs share a block, and `count` of them drawn uniformly.

    Args:
        block: Each record's block (-1: in none).

    Returns:
        The number of pairs, and the drawn pairs as positions (``left < right``).
    """
    members = np.flatnonzero(block >= 0)
    sizes = np.bincount(block[members]) if len(members) else np.zeros(0, dtype=np.int64)
    pairs = int((sizes * (sizes - 1) // 2).sum())
    if pairs == 0:
        return 0, (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))
    # A record drawn by how many partners it has, then one of them: each pair is as likely.
    order = members[np.argsort(block[members], kind="stable")]
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    place = np.empty(len(block), dtype=np.int64)
    place[order] = np.arange(len(order))
    partners = (sizes[block[members]] - 1).astype(float)
    first = rng.choice(members, size=count, p=partners / partners.sum())
    own = block[first]
    at = starts[own] + rng.integers(0, sizes[own] - 1)
    at += at >= place[first]  # skip the record itself
    second = order[at]
    return pairs, (np.minimum(first, second), np.maximum(first, second))
