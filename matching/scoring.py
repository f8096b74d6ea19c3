"""Scoring: a Fellegi–Sunter model trained by expectation–maximisation, and from labels.

For each comparison level the model holds ``m`` (how often true matches show the
level) and ``u`` (how often non-matches do). A pair's match weight is the prior
log-odds plus, per comparison, ``log2(m / u)`` of its level; level 0 (missing)
adds nothing. ``u`` is estimated from random record pairs, which are almost all
non-matches; ``m`` and the prior come from EM over the candidate pairs.

Labelled pairs (a data steward's "same person" or "not the same person") are known
evidence: inside EM they keep their label as their match probability, and
`fit_from_labels` estimates a model from them alone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from matching.comparison import MISSING_LEVEL, LevelComparison

# Each comparison's typical m and u (see `LevelComparison`) count as this many pairs
# of evidence, so small inputs get sensible weights and no level gets probability 0,
# while on real volumes the data outweighs them.
_TYPICAL_U_PAIRS = 1_000.0
_TYPICAL_M_PAIRS = 10.0
_PROBABILITY_FLOOR = 1e-6
#: Status of a pair not known to match or not, beside 1 (a match) and 0 (a non-match).
_UNKNOWN = -1


@dataclass(frozen=True)
class ComparisonParameters:
    """The fitted m and u probabilities of one comparison, indexed by level."""

    name: str
    level_labels: tuple[str, ...]
    m: tuple[float, ...]
    u: tuple[float, ...]

    def weights(self) -> np.ndarray:
        """``log2(m / u)`` per level; 0 for the missing level."""
        weights: np.ndarray = np.log2(np.asarray(self.m) / np.asarray(self.u))
        weights[MISSING_LEVEL] = 0.0
        return weights


@dataclass(frozen=True)
class FellegiSunterModel:
    """A fitted match model: prior match probability and per-comparison m/u tables."""

    prior: float
    """Probability that two records drawn at random are the same customer (λ)."""
    comparisons: tuple[ComparisonParameters, ...]
    iterations: int = 0
    """EM rounds the fit took."""
    converged: bool = False

    @property
    def fingerprint(self) -> str:
        """Identifies the comparisons and levels the model scores; see `comparisons_fingerprint`."""
        return _fingerprint((p.name, p.level_labels) for p in self.comparisons)

    @property
    def prior_weight(self) -> float:
        """The prior as a log2 odds: the starting match weight of every pair."""
        return float(np.log2(self.prior / (1.0 - self.prior)))

    def comparison_weights(
        self,
        levels: Mapping[str, np.ndarray],
        value_frequencies: Mapping[str, np.ndarray] | None = None,
    ) -> dict[str, np.ndarray]:
        """The weight each comparison contributes to each pair, by comparison name.

        Args:
            levels: Each pair's level, by comparison name.
            value_frequencies: For comparisons adjusted by term frequency, the share of
                records holding each pair's value (the larger of its two sides).
        """
        weights = {
            parameters.name: parameters.weights()[np.asarray(levels[parameters.name])]
            for parameters in self.comparisons
        }
        for name, frequency in (value_frequencies or {}).items():
            weights[name] = weights[name] + self.term_frequency_adjustment(
                name, levels[name], frequency
            )
        return weights

    def term_frequency_adjustment(
        self, name: str, levels: np.ndarray, value_frequency: np.ndarray
    ) -> np.ndarray:
        """Bits added to exact agreement on a value as rare (or common) as it is.

        The exact level's ``u`` is the chance that two random records agree on *some*
        value; agreeing on one particular value happens by chance as often as that
        value is held, so the weight becomes ``log2(m / frequency)``: the adjustment is
        ``log2(u / frequency)`` at the exact level (the highest), 0 elsewhere.
        """
        parameters = next(p for p in self.comparisons if p.name == name)
        exact = len(parameters.level_labels) - 1
        at_exact = (np.asarray(levels) == exact) & np.isfinite(value_frequency)
        adjustment = np.zeros(len(levels), dtype=np.float64)
        frequency = np.clip(value_frequency[at_exact], _PROBABILITY_FLOOR, 1.0)
        adjustment[at_exact] = np.log2(parameters.u[exact] / frequency)
        return adjustment

    def match_weights(
        self,
        levels: Mapping[str, np.ndarray],
        value_frequencies: Mapping[str, np.ndarray] | None = None,
    ) -> np.ndarray:
        """Match weight (prior + sum of comparison weights, in bits) of each pair."""
        weights = self.comparison_weights(levels, value_frequencies)
        total = np.full(len(next(iter(levels.values()), [])), self.prior_weight)
        for values in weights.values():
            total = total + values
        return total

    def explain(
        self, levels: Mapping[str, int], adjustments: Mapping[str, float] | None = None
    ) -> pd.DataFrame:
        """How one pair's match weight arises: one row for the prior, one per comparison.

        Args:
            levels: The pair's level for each comparison.
            adjustments: The pair's term-frequency adjustment (bits) per comparison.

        Returns:
            Columns ``comparison, level, label, m, u, term_frequency, weight``;
            ``term_frequency`` is the part of ``weight`` that the shared value's rarity
            adds, and ``weight`` sums to the pair's match weight.
        """
        rows: list[dict[str, Any]] = [
            {
                "comparison": "prior",
                "level": None,
                "label": f"prior match probability {self.prior:.4g}",
                "m": None,
                "u": None,
                "term_frequency": 0.0,
                "weight": self.prior_weight,
            }
        ]
        for parameters in self.comparisons:
            level = int(levels[parameters.name])
            adjustment = float((adjustments or {}).get(parameters.name, 0.0))
            rows.append(
                {
                    "comparison": parameters.name,
                    "level": level,
                    "label": parameters.level_labels[level],
                    "m": parameters.m[level],
                    "u": parameters.u[level],
                    "term_frequency": adjustment,
                    "weight": float(parameters.weights()[level]) + adjustment,
                }
            )
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON/YAML-ready) that `from_dict` turns back into the model."""
        return {
            "prior": self.prior,
            "iterations": self.iterations,
            "converged": self.converged,
            "comparisons": [
                {
                    "name": p.name,
                    "level_labels": list(p.level_labels),
                    "m": list(p.m),
                    "u": list(p.u),
                }
                for p in self.comparisons
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FellegiSunterModel:
        """Rebuild a model saved with `to_dict`."""
        return cls(
            prior=float(data["prior"]),
            iterations=int(data.get("iterations", 0)),
            converged=bool(data.get("converged", False)),
            comparisons=tuple(
                ComparisonParameters(
                    name=str(c["name"]),
                    level_labels=tuple(c["level_labels"]),
                    m=tuple(float(x) for x in c["m"]),
                    u=tuple(float(x) for x in c["u"]),
                )
                for c in data["comparisons"]
            ),
        )


def comparisons_fingerprint(comparisons: Sequence[LevelComparison]) -> str:
    """Identifies comparisons by their names and level labels, in order.

    A model fits the comparisons it was trained with and any others with the same
    fingerprint (`FellegiSunterModel.fingerprint`).
    """
    return _fingerprint((c.comparison_name, c.level_labels) for c in comparisons)


def _fingerprint(comparisons: Iterable[tuple[str, Sequence[str]]]) -> str:
    text = json.dumps([[name, list(labels)] for name, labels in comparisons])
    return hashlib.sha256(text.encode()).hexdigest()


def match_probability(match_weight: np.ndarray) -> np.ndarray:
    """Match probability from a match weight in bits: ``2^w / (1 + 2^w)``."""
    return 1.0 / (1.0 + np.exp2(-np.asarray(match_weight, dtype=np.float64)))


def level_counts(
    comparisons: Sequence[LevelComparison], random_pair_levels: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """How many random record pairs fall in each level of each comparison."""
    return {
        c.comparison_name: np.bincount(
            np.asarray(random_pair_levels[c.comparison_name]), minlength=len(c.level_labels)
        )[: len(c.level_labels)].astype(np.float64)
        for c in comparisons
    }


def fit_fellegi_sunter(
    comparisons: Sequence[LevelComparison],
    candidate_levels: Mapping[str, np.ndarray],
    random_pair_counts: Mapping[str, np.ndarray],
    iterations: int = 50,
    tolerance: float = 1e-5,
    total_pairs: int | None = None,
    known_matches: np.ndarray | None = None,
    counted_levels: Mapping[str, Collection[int]] | None = None,
) -> FellegiSunterModel:
    """Train m and the prior by EM over the candidate pairs; u is what the random pairs
    show once the matches EM finds among the candidate pairs are taken out.

    Because u describes random pairs, the prior is the match probability of two
    random records: EM runs over all ``total_pairs`` record pairs, taking the pairs
    blocking left out as non-matches. Scores are then correct for any pair,
    whichever blocking pass found it. Pairs are grouped by their pattern of levels,
    so each EM round costs the number of distinct patterns, not of pairs.

    Pairs whose status is known (`known_matches`, e.g. steward decisions) keep it as
    their match probability in every round, 1 or 0, where EM would use its own guess.
    m and the prior move towards what the labels show, the further the larger the share
    of labelled pairs, and the unlabelled pairs are judged by the model the labels moved.
    Labelled pairs are record pairs like the others, so this is sound however they were
    chosen. Known non-matches also count towards u, each as one of the ``total_pairs``
    record pairs that the random pairs stand for: with many records they hardly move it,
    as a handful of chosen pairs says little about random ones.

    Args:
        comparisons: The comparisons the levels come from.
        candidate_levels: Level arrays of the candidate pairs, by comparison name.
        random_pair_counts: Level counts among random record pairs, from `level_counts`;
            u is what remains of them once the matches among them are taken out.
        iterations: Most EM rounds.
        tolerance: Stop once no probability moves more than this.
        total_pairs: Number of record pairs in the whole input (``n (n - 1) / 2``);
            the candidate pairs when omitted.
        known_matches: Per candidate pair, 1 for a known match, 0 for a known
            non-match, NaN where unknown; all unknown when omitted.
        counted_levels: Per comparison, levels whose `random_pair_counts` were counted
            over all record pairs (see `LevelComparison.counted_levels`), scaled to the
            random pairs; their u is then what the count says, however small.
    """
    counted = counted_levels or {}
    names = [c.comparison_name for c in comparisons]
    typical_m = {c.comparison_name: c.typical_m for c in comparisons}
    typical_u = {c.comparison_name: c.typical_u for c in comparisons}
    m = {name: np.asarray(typical_m[name], dtype=np.float64) for name in names}
    pair_count = len(candidate_levels[names[0]]) if names else 0
    total_pairs = max(total_pairs or pair_count, pair_count, 1)
    prior, rounds, converged = min(0.1, pair_count / total_pairs / 2 or 0.1), 0, False
    known = np.full(pair_count, np.nan) if known_matches is None else known_matches
    status = np.where(np.isnan(known), _UNKNOWN, known).astype(np.int8)
    share = _random_pair_share(random_pair_counts, total_pairs, counted)
    non_matches = _known_non_matches(comparisons, candidate_levels, status, share)
    # Before EM has judged any pair, the matches among the random pairs are the prior's.
    matches_found = _matches_by_prior(random_pair_counts, m, prior)
    if pair_count:
        matrix = np.column_stack(
            [np.asarray(candidate_levels[n], dtype=np.int8) for n in names] + [status]
        )
        rows, counts = np.unique(matrix, axis=0, return_counts=True)
        patterns, pattern_status = rows[:, :-1], rows[:, -1]
        counts = counts.astype(np.float64)
        while rounds < iterations and not converged:
            rounds += 1
            u = _non_match(
                random_pair_counts, matches_found, typical_u, non_matches, counted, share
            )
            log_u = sum(np.log(u[n][patterns[:, k]]) for k, n in enumerate(names))
            log_m = sum(np.log(m[n][patterns[:, k]]) for k, n in enumerate(names))
            log_odds = np.log(prior) - np.log1p(-prior) + log_m - log_u
            posterior = 1.0 / (1.0 + np.exp(-np.clip(log_odds, -700, 700)))
            posterior = np.where(pattern_status == _UNKNOWN, posterior, pattern_status)
            matches_found = _matches_per_level(comparisons, patterns, counts * posterior, share)
            new_m = {
                n: _frequencies(patterns[:, k], counts * posterior, typical_m[n], _TYPICAL_M_PAIRS)
                for k, n in enumerate(names)
            }

            new_prior = float(np.clip((counts * posterior).sum() / total_pairs, 1e-12, 1 - 1e-6))
            change = max(
                [abs(new_prior - prior)] + [float(np.abs(new_m[n] - m[n]).max()) for n in names]
            )
            m, prior = new_m, new_prior
            converged = change < tolerance
    u = _non_match(random_pair_counts, matches_found, typical_u, non_matches, counted, share)
    return _model(comparisons, prior, m, u, rounds, converged)


def fit_from_labels(
    comparisons: Sequence[LevelComparison],
    labelled_levels: Mapping[str, np.ndarray],
    is_match: np.ndarray,
    random_pair_counts: Mapping[str, np.ndarray],
    prior: float,
    total_pairs: int,
) -> FellegiSunterModel:
    """Estimate a model from labelled pairs alone, without EM.

    m is each level's share among the labelled matches; u comes from the random pairs
    with the matches among them (spread over the levels as the labelled ones are) taken
    out, and from the labelled non-matches, counted as `fit_fellegi_sunter` counts known
    non-matches. Both are drawn towards each comparison's typical shares, as in EM. The
    estimate of m is only as typical as the labelled matches are: pairs a steward was
    asked about are the hard ones, so with such labels prefer EM with known matches
    (`fit_fellegi_sunter`).

    Labelled pairs are chosen, not drawn at random, so their share of matches says
    nothing about how often two records are the same person: the prior is given.

    Args:
        comparisons: The comparisons the levels come from.
        labelled_levels: Level arrays of the labelled pairs, by comparison name.
        is_match: Per labelled pair, whether it is a match.
        random_pair_counts: Level counts among random record pairs, from `level_counts`.
        prior: Probability that two records drawn at random are the same customer,
            e.g. expected duplicates over ``total_pairs``.
        total_pairs: Number of record pairs the random pairs were drawn from.

    Returns:
        The model, with ``iterations`` 0 and ``converged`` true: nothing is iterated.
    """
    matches = np.asarray(is_match, dtype=bool)
    status = matches.astype(np.int8)
    m = {
        c.comparison_name: _frequencies(
            np.asarray(labelled_levels[c.comparison_name])[matches],
            np.ones(int(matches.sum())),
            c.typical_m,
            _TYPICAL_M_PAIRS,
        )
        for c in comparisons
    }
    typical_u = {c.comparison_name: c.typical_u for c in comparisons}
    share = _random_pair_share(random_pair_counts, total_pairs, {})
    non_matches = _known_non_matches(comparisons, labelled_levels, status, share)
    # All record pairs hold prior·total_pairs matches, spread over the levels as the
    # labelled matches are.
    match_patterns = np.column_stack(
        [np.asarray(labelled_levels[c.comparison_name])[matches] for c in comparisons]
    )
    spread = prior * total_pairs / max(int(matches.sum()), 1)
    matches_found = _matches_per_level(
        comparisons, match_patterns, np.full(len(match_patterns), spread), share
    )
    u = _non_match(random_pair_counts, matches_found, typical_u, non_matches, {}, share)
    return _model(comparisons, prior, m, u, rounds=0, converged=True)


def _known_non_matches(
    comparisons: Sequence[LevelComparison],
    levels: Mapping[str, np.ndarray],
    status: np.ndarray,
    share: float,
) -> dict[str, np.ndarray]:
    """Level counts of the known non-matches, in units of random pairs.

    Each random pair stands for ``total_pairs / sample`` record pairs, so one known
    non-match counts ``share = sample / total_pairs`` of a random pair.
    """
    counts = {}
    for c in comparisons:
        found = np.asarray(levels[c.comparison_name])[status == 0]
        tally = np.bincount(found, minlength=len(c.level_labels))[: len(c.level_labels)]
        counts[c.comparison_name] = tally * share
    return counts


def _random_pair_share(
    random_pair_counts: Mapping[str, np.ndarray],
    total_pairs: int,
    counted_levels: Mapping[str, Collection[int]],
) -> float:
    """Random pairs per record pair: what turns a count of record pairs into random pairs.

    The sample's size is read off a comparison whose counts are all of the sample, not
    partly counted over all record pairs.
    """
    if not random_pair_counts:
        return 0.0
    sampled = [name for name in random_pair_counts if not counted_levels.get(name)]
    counts = random_pair_counts[sampled[0]] if sampled else next(iter(random_pair_counts.values()))
    return float(counts.sum() / max(total_pairs, 1))


def _matches_per_level(
    comparisons: Sequence[LevelComparison],
    patterns: np.ndarray,
    expected_matches: np.ndarray,
    share: float,
) -> dict[str, np.ndarray]:
    """Matches EM expects at each level of each comparison, in units of random pairs.

    Args:
        comparisons: The comparisons, in the order of the patterns' columns.
        patterns: Distinct level patterns of the candidate pairs.
        expected_matches: Per pattern, its pairs times their match probability.
        share: Random pairs per record pair (`_random_pair_share`).
    """
    return {
        c.comparison_name: np.bincount(
            patterns[:, k], weights=expected_matches, minlength=len(c.level_labels)
        )[: len(c.level_labels)]
        * share
        for k, c in enumerate(comparisons)
    }


def _model(
    comparisons: Sequence[LevelComparison],
    prior: float,
    m: Mapping[str, np.ndarray],
    u: Mapping[str, np.ndarray],
    rounds: int,
    converged: bool,
) -> FellegiSunterModel:
    return FellegiSunterModel(
        prior=prior,
        iterations=rounds,
        converged=converged,
        comparisons=tuple(
            ComparisonParameters(
                name=c.comparison_name,
                level_labels=c.level_labels,
                m=tuple(float(x) for x in m[c.comparison_name]),
                u=tuple(float(x) for x in u[c.comparison_name]),
            )
            for c in comparisons
        ),
    )


def _matches_by_prior(
    random_pair_counts: Mapping[str, np.ndarray], m: Mapping[str, np.ndarray], prior: float
) -> dict[str, np.ndarray]:
    """Matches at each level among the random pairs as the prior and m put them: the
    ``prior`` share of the pairs where both sides are known, spread as m is."""
    return {
        name: prior * m[name] * (counts.sum() - counts[MISSING_LEVEL])
        for name, counts in random_pair_counts.items()
    }


def _non_match(
    random_pair_counts: Mapping[str, np.ndarray],
    matches: Mapping[str, np.ndarray],
    typical_u: Mapping[str, Sequence[float]],
    known_non_matches: Mapping[str, np.ndarray],
    counted_levels: Mapping[str, Collection[int]],
    share: float,
) -> dict[str, np.ndarray]:
    """u of every comparison; see `_non_match_shares`.

    Args:
        matches: Matches at each level among the random pairs, in their units (from
            `_matches_per_level` or `_matches_by_prior`).
        counted_levels: Per comparison, the levels whose random pair counts were counted
            over all record pairs rather than sampled.
        share: Random pairs per record pair (`_random_pair_share`).
    """
    return {
        name: _non_match_shares(
            counts,
            matches[name],
            typical_u[name],
            known_non_matches[name],
            sorted(counted_levels.get(name, ())),
            share,
        )
        for name, counts in random_pair_counts.items()
    }


def _non_match_shares(
    random_counts: np.ndarray,
    matches: np.ndarray,
    typical: Sequence[float],
    known_non_matches: np.ndarray,
    counted: list[int],
    share: float,
) -> np.ndarray:
    """u from the level counts of random pairs, with the matches among them taken out,
    and of the known non-matches.

    Random pairs are a mixture of matches and non-matches. The matches in it are few,
    but for rare levels (the same e-mail, the same phone) they are most of what agrees,
    and leaving them in would make agreeing on an identifier look like chance. So the
    matches are best counted where they are, among the candidate pairs at that level:
    ``prior·m`` of all pairs is a difference of two near-equal numbers there, and a
    prior a little off (records with an e-mail address hold more duplicates than
    others) made a person's own address look 25 times more common among strangers.
    """
    counts = random_counts.copy()
    counts[MISSING_LEVEL] = 0.0
    non_matches = np.maximum(counts - matches, 0.0)
    non_matches[MISSING_LEVEL] = 0.0
    shares = _frequencies(
        np.arange(len(counts)), non_matches + known_non_matches, typical, _TYPICAL_U_PAIRS
    )
    # A counted level is known over all record pairs, the known non-matches among them, so
    # it is drawn towards its typical share as much as the others, but over all the pairs
    # the count stands for rather than a sample of them: on many records the count decides,
    # and agreeing on an identifier weighs more as strangers sharing one get rarer.
    if counted:
        record_pairs = 1.0 / share
        non_matching_pairs = (non_matches + known_non_matches).sum() * record_pairs
        shares[counted] = (
            non_matches[counted] * record_pairs
            + _TYPICAL_U_PAIRS * np.asarray(typical, dtype=np.float64)[counted]
        ) / (non_matching_pairs + _TYPICAL_U_PAIRS)
    return shares


def _frequencies(
    levels: np.ndarray, weights: np.ndarray, typical: Sequence[float], typical_pairs: float
) -> np.ndarray:
    """Weighted share of each non-missing level, drawn towards its typical share.

    The missing slot is set to 1: a missing value is no evidence either way.
    """
    typical_shares = np.asarray(typical, dtype=np.float64)
    levels = np.asarray(levels)
    weights = np.broadcast_to(weights, levels.shape)
    totals = np.bincount(levels, weights=weights, minlength=len(typical_shares))
    totals = totals[: len(typical_shares)].astype(np.float64)
    totals[MISSING_LEVEL] = 0.0
    present = totals[1:].sum()
    shares: np.ndarray = (totals + typical_pairs * typical_shares) / (present + typical_pairs)
    shares = np.maximum(shares, _PROBABILITY_FLOOR)
    shares[MISSING_LEVEL] = 1.0
    return shares
