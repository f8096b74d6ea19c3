"""How close the matching model comes to what its candidate pairs allow.

Usage: python bench/matching_ceiling.py --people 20000 [--seed 11] [--out /tmp/hub-bench]

Generates and standardizes the demo sources as ``matching_speed.py`` does, runs
``link_records`` with the default settings, then scores the same candidate pairs in
other ways and clusters each one by the hub's rules (strongest links first, conflict
checks, no chaining, the size cap; the pairs the model's comparisons speak against kept
apart, whoever scores them):

- ``model``: the hub's own weights (unsupervised Fellegi–Sunter), as a run gives them;
- ``supervised``: a gradient-boosted classifier trained on the truth, given what the
  model is given (each pair's comparison levels and term frequencies) and the model's
  weight;
- ``supervised+``: the same with what the model does not use: the two records' sources,
  plain string similarities (names, e-mail local part, street), the same e-mail domain,
  postcode, city or house number, days between birth dates, and how the pair compares
  with each record's other candidates (how many it has, how far ahead of the best other
  one this pair is);
- ``truth``: every candidate pair decided by the truth, clustered by the same rules;
- ``blocking``: the true candidate pairs joined without any rule, the bound blocking sets.

The classifiers are cross-fitted over two folds of people (a pair belongs to the fold of
its first record's person): no pair is scored by a classifier trained on it. Trained on
half the truth and given more than the model knows, they show how much of the distance
to a target lies in the model and how much in what the records say. They bound nothing
but themselves; a scorer that has seen the answers is still a high bar. Prints the pairs
each leaves for review and its precision, recall and F1 at link thresholds 0.5, 0.65
and 0.8 (the default), and how often the model's pairs are true in bands of its match
probability.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from matching_speed import standardized_demo
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.ensemble import HistGradientBoostingClassifier

from matching import MatchSettings, link_records
from matching.blocking import CandidatePairs
from matching.comparison import jaro_winkler
from matching.constraints import pair_constraints
from matching.decisions import REVIEW
from matching.evaluation import pairwise_scores
from matching.linking import _decide_and_cluster, _shared_value_frequencies, comparisons_for
from matching.match_fields import prepare_match_fields
from matching.scoring import match_probability
from quality.canonical import RECORD_ID

THRESHOLDS = (0.5, 0.65, 0.8)
CALIBRATION_BANDS = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", type=Path, default=Path("/tmp/hub-bench"))
    args = parser.parse_args()

    out = args.out / f"people-{args.people}-seed-{args.seed}"
    records, person = standardized_demo(args.people, args.seed, out)
    links = link_records(records)
    ordered = records.assign(person=person.to_numpy()).sort_values(RECORD_ID, kind="stable")
    assert (ordered[RECORD_ID].to_numpy() == links.compared.record_ids).all()
    persons = ordered["person"].to_numpy()
    truth = pd.Series(persons)
    settings = MatchSettings()
    fields = prepare_match_fields(ordered.drop(columns="person"), list(settings.attributes))
    candidates = CandidatePairs(links.compared.left, links.compared.right)
    left, right = candidates.left, candidates.right
    same_person = persons[left] == persons[right]
    people = pd.unique(persons)
    person_fold = dict(
        zip(people, np.random.default_rng(0).integers(0, 2, len(people)), strict=True)
    )
    fold = np.array([person_fold[p] for p in persons[left]])
    frequencies = _shared_value_frequencies(fields, candidates, settings)
    weights = links.model.match_weights(links.compared.levels, frequencies)

    known = pd.DataFrame(dict(links.compared.levels))
    for name, values in frequencies.items():
        known[f"{name}_frequency"] = np.log2(values)
    known["match_weight"] = weights
    more = known.join(_unused_evidence(ordered, fields, candidates, weights))
    categorical = set(links.compared.levels) | {"source_l", "source_r"}

    print(
        f"people {args.people:,}, seed {args.seed}: {len(records):,} records, "
        f"{len(candidates):,} candidate pairs, {int(same_person.sum()):,} of them true"
    )
    scorers = {
        "model": weights,
        "supervised": _cross_fitted(known, same_person, fold, categorical),
        "supervised+": _cross_fitted(more, same_person, fold, categorical),
    }
    against = weights < links.model.prior_weight
    constraints = pair_constraints(links.compared.record_ids, (), ())
    comparisons = comparisons_for(settings)
    for threshold in THRESHOLDS:
        at = settings.model_copy(update={"link_threshold": threshold})
        for name, scores in scorers.items():
            decisions, _, clusters = _decide_and_cluster(
                fields,
                candidates,
                scores,
                against,
                constraints,
                at,
                links.conflicting_attributes,
                comparisons,
            )
            review = int((decisions == REVIEW).sum())
            print(
                f"  {threshold:<4} {name:<12} review {review:>7,}  "
                f"{pairwise_scores(pd.Series(clusters), truth)}"
            )
    print("  the model's match probability against the truth (band: pairs, share true):")
    bands = pd.cut(match_probability(weights), CALIBRATION_BANDS)
    for band, share in (
        pd.Series(same_person).groupby(bands, observed=True).agg(["size", "mean"]).iterrows()
    ):
        print(f"    {str(band):<14} {int(share['size']):>9,} {share['mean']:6.1%}")
    decisions, _, clusters = _decide_and_cluster(
        fields,
        candidates,
        np.where(same_person, 30.0, -30.0),
        ~same_person,
        constraints,
        settings,
        links.conflicting_attributes,
        comparisons,
    )
    print(
        f"  {'truth':<17} review {int((decisions == REVIEW).sum()):>7,}  "
        f"{pairwise_scores(pd.Series(clusters), truth)}"
    )
    true_links = coo_matrix(
        (np.ones(int(same_person.sum())), (left[same_person], right[same_person])),
        shape=(len(persons), len(persons)),
    )
    _, clusters = connected_components(true_links, directed=False)
    print(f"  {'blocking':<17} review {0:>7,}  {pairwise_scores(pd.Series(clusters), truth)}")


def _unused_evidence(
    records: pd.DataFrame, fields: pd.DataFrame, candidates: CandidatePairs, weights: np.ndarray
) -> pd.DataFrame:
    """Per candidate pair, evidence the model's comparison levels leave out."""
    left, right = candidates.left, candidates.right
    evidence: dict[str, np.ndarray] = {}
    sources = records["source"].astype("category").cat.codes.to_numpy()
    evidence["source_l"], evidence["source_r"] = sources[left], sources[right]
    for field in ("given", "family", "full_name", "email_local", "street_name"):
        values = fields[field].to_numpy(dtype=object)
        evidence[f"{field}_similarity"] = jaro_winkler(values[left], values[right])
    domains = fields["email"].str.split("@").str[-1].to_numpy(dtype=object)
    for name, values in (
        ("email_domain", domains),
        ("postcode", fields["postcode"].to_numpy(dtype=object)),
        ("city", fields["city"].to_numpy(dtype=object)),
        ("house_number", fields["house_number"].to_numpy(dtype=object)),
    ):
        present = pd.notna(values[left]) & pd.notna(values[right])
        evidence[f"same_{name}"] = np.where(present, values[left] == values[right], np.nan)
    births = pd.to_datetime(fields["birth_date"], errors="coerce").to_numpy()
    evidence["birth_days_apart"] = np.abs((births[left] - births[right]) / np.timedelta64(1, "D"))
    # Each record's candidates: how many, and how this pair stands to the best other one.
    ends = np.r_[left, right]
    both = np.r_[weights, weights]
    order = np.lexsort((-both, ends))
    first = np.r_[True, ends[order][1:] != ends[order][:-1]]
    second = np.r_[False, first[:-1]] & ~first
    best = np.full(len(records), np.nan)
    runner_up = np.full(len(records), np.nan)
    best[ends[order][first]] = both[order][first]
    runner_up[ends[order][second]] = both[order][second]
    degree = np.bincount(ends, minlength=len(records))
    for side, positions in (("l", left), ("r", right)):
        other = np.where(weights >= best[positions], runner_up[positions], best[positions])
        evidence[f"candidates_{side}"] = degree[positions]
        evidence[f"ahead_of_others_{side}"] = weights - other
    return pd.DataFrame(evidence)


def _cross_fitted(
    features: pd.DataFrame, same_person: np.ndarray, fold: np.ndarray, categorical: set[str]
) -> np.ndarray:
    """Match weights (log2 odds) from a classifier trained on the other fold."""
    probabilities = np.zeros(len(features))
    for held_out in (0, 1):
        classifier = HistGradientBoostingClassifier(
            categorical_features=[c in categorical for c in features.columns],
            max_iter=300,
            random_state=0,
        )
        train = fold != held_out
        classifier.fit(features[train], same_person[train])
        probabilities[~train] = classifier.predict_proba(features[~train])[:, 1]
    probabilities = np.clip(probabilities, 1e-9, 1 - 1e-9)
    return np.log2(probabilities / (1 - probabilities))


if __name__ == "__main__":
    main()
