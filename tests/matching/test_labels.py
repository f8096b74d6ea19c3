"""Training from labelled pairs: EM with known matches, and a model from labels alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from matching import MatchingError, MatchSettings, link_records
from matching.blocking import CandidatePairs
from matching.comparison import DEFAULT_COMPARISONS, DIFFERENT_LEVEL, compare_pairs
from matching.labels import locate_labels, training_levels
from matching.linking import comparisons_for
from matching.match_fields import prepare_match_fields
from matching.scoring import FellegiSunterModel, fit_fellegi_sunter, fit_from_labels, level_counts

Households = Callable[..., tuple[pd.DataFrame, pd.Series]]

#: Compare the households' gender attribute; keep every scored pair, however weak; and no
#: conflict rule, which would tell EM on its own that couples are two people.
GENDER = MatchSettings.model_validate(
    {
        "attributes": {"gender": {"comparison": "exact"}},
        "review_threshold": 1e-9,
        "conflicting_attributes": [],
    }
)
SAME_GENDER = 2


def _household_pairs(records: pd.DataFrame, person: pd.Series) -> pd.DataFrame:
    """Every pair of records of one household, labelled with the truth."""
    ids = records[["record_id"]].assign(
        person=person.reindex(records["record_id"]).to_numpy(),
        household=lambda frame: frame["person"].str.split("-").str[0].astype(int),
    )
    pairs = ids.merge(ids, on="household", suffixes=("_l", "_r"))
    pairs = pairs[pairs["record_id_l"] < pairs["record_id_r"]]
    return pairs.assign(is_match=pairs["person_l"] == pairs["person_r"]).reset_index(drop=True)


def _gender_weights(model: FellegiSunterModel) -> np.ndarray:
    return next(p for p in model.comparisons if p.name == "gender").weights()


def _true_prior(records: pd.DataFrame, person: pd.Series) -> float:
    duplicates = person.value_counts()
    true_pairs = int((duplicates * (duplicates - 1) // 2).sum())
    return true_pairs / (len(records) * (len(records) - 1) / 2)


def test_labels_correct_what_em_gets_wrong_also_for_unlabelled_pairs(
    households: Households,
) -> None:
    records, person = households(100)
    labels = _household_pairs(records, person)
    reviewed = labels[labels["household"] < 75]

    unsupervised = link_records(records, GENDER)
    supervised = link_records(records, GENDER, labelled_pairs=reviewed)

    # EM alone takes couples for one person each: to it, different genders are evidence
    # of the same person, and agreement evidence against.
    em_weights = _gender_weights(unsupervised.model)
    assert em_weights[DIFFERENT_LEVEL] > 0 > em_weights[SAME_GENDER]
    weights = _gender_weights(supervised.model)
    assert weights[DIFFERENT_LEVEL] < 0 < weights[SAME_GENDER]
    # The couples of the households nobody labelled score lower too.
    couples = labels[(labels["household"] >= 75) & ~labels["is_match"]]
    keys = ["record_id_l", "record_id_r"]
    before = couples.merge(unsupervised.pairs, on=keys)["match_weight"]
    after = couples.merge(supervised.pairs, on=keys)["match_weight"]
    assert len(before) == len(after) == len(couples)
    assert after.mean() < before.mean() - 3
    truth = _true_prior(records, person)
    assert abs(np.log(supervised.model.prior / truth)) < abs(
        np.log(unsupervised.model.prior / truth)
    )


def test_training_takes_people_the_conflict_rule_tells_apart_for_non_matches(
    households: Households,
) -> None:
    records, _ = households(100)
    with_rule = GENDER.model_copy(update={"conflicting_attributes": ["given_name"]})
    weights = _gender_weights(link_records(records, with_rule).model)
    # Couples' given names differ, so EM no longer learns a couple as one person.
    assert weights[DIFFERENT_LEVEL] < 0 < weights[SAME_GENDER]


def _model_from_labels(
    records: pd.DataFrame, labels: pd.DataFrame, settings: MatchSettings, prior: float
) -> FellegiSunterModel:
    """`fit_from_labels` on the labelled pairs' levels, u from 20,000 random pairs."""
    ordered = records.sort_values("record_id")
    fields = prepare_match_fields(ordered, list(settings.attributes))
    comparisons = comparisons_for(settings)
    labelled = locate_labels(ordered["record_id"].to_numpy(dtype=object), labels)
    levels = compare_pairs(fields, (labelled.left, labelled.right), comparisons)
    rng = np.random.default_rng(0)
    count = len(ordered)
    left = rng.integers(0, count, size=20_000)
    right = rng.integers(0, count - 1, size=20_000)
    random_levels = compare_pairs(fields, (left, right + (right >= left)), comparisons)
    return fit_from_labels(
        comparisons,
        levels,
        labelled.is_match,
        level_counts(comparisons, random_levels),
        prior=prior,
        total_pairs=count * (count - 1) // 2,
    )


def test_a_model_from_labels_alone_links_other_records(households: Households) -> None:
    records, person = households(100)
    labels = _household_pairs(records, person)
    # The labels hold every duplicate, so their share of all pairs is the prior.
    model = _model_from_labels(records, labels, GENDER, _true_prior(records, person))
    weights = _gender_weights(model)
    assert weights[DIFFERENT_LEVEL] < 0 < weights[SAME_GENDER]

    others, other_person = households(100, seed=4)
    links = link_records(others, GENDER, model=model)

    linked = links.pairs[links.pairs["decision"] == "link"]
    same_person = other_person.reindex(linked["record_id_l"]).to_numpy() == (
        other_person.reindex(linked["record_id_r"]).to_numpy()
    )
    assert same_person.all()
    assert len(linked) == _household_pairs(others, other_person)["is_match"].sum()


def test_em_with_every_pair_known_gives_the_model_from_labels() -> None:
    rng = np.random.default_rng(5)
    levels = {
        c.comparison_name: rng.integers(0, len(c.level_labels), size=500).astype(np.int8)
        for c in DEFAULT_COMPARISONS
    }
    is_match = rng.random(500) < 0.3
    random_counts = {
        c.comparison_name: rng.integers(100, 1_000, size=len(c.level_labels)).astype(np.float64)
        for c in DEFAULT_COMPARISONS
    }

    em = fit_fellegi_sunter(
        DEFAULT_COMPARISONS,
        levels,
        random_counts,
        total_pairs=100_000,
        known_matches=is_match.astype(np.float64),
    )
    alone = fit_from_labels(
        DEFAULT_COMPARISONS, levels, is_match, random_counts, em.prior, total_pairs=100_000
    )

    assert em.prior == pytest.approx(is_match.sum() / 100_000)
    assert em.converged
    for trained, estimated in zip(em.comparisons, alone.comparisons, strict=True):
        assert np.allclose(trained.m, estimated.m)
        assert np.allclose(trained.u, estimated.u)


def test_labelled_pairs_are_found_in_either_order_and_counted_once() -> None:
    record_ids = np.array(["a:1", "a:2", "b:1"], dtype=object)
    labels = pd.DataFrame(
        {
            "record_id_l": ["b:1", "a:1", "a:2"],
            "record_id_r": ["a:1", "b:1", "a:1"],
            "is_match": [True, True, False],
        }
    )
    labelled = locate_labels(record_ids, labels)
    found = sorted(zip(labelled.left, labelled.right, labelled.is_match, strict=True))
    assert found == [(0, 1, False), (0, 2, True)]


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ({"record_id_l": ["a:1"], "record_id_r": ["a:2"]}, "lack is_match"),
        ({"record_id_l": ["a:1"], "record_id_r": ["a:9"], "is_match": [True]}, "a:9"),
        ({"record_id_l": ["a:1"], "record_id_r": ["a:1"], "is_match": [True]}, "itself"),
        ({"record_id_l": ["a:1"], "record_id_r": ["a:2"], "is_match": ["yes"]}, "true or false"),
        (
            {"record_id_l": ["a:1", "a:2"], "record_id_r": ["a:2", "a:1"], "is_match": [1, 0]},
            "both a match and a non-match",
        ),
    ],
    ids=["no_label_column", "unknown_record", "same_record", "not_a_boolean", "contradicting"],
)
def test_unusable_labels_are_refused_with_the_reason(labels: dict[str, Any], message: str) -> None:
    record_ids = np.array(["a:1", "a:2"], dtype=object)
    with pytest.raises(MatchingError, match=message):
        locate_labels(record_ids, pd.DataFrame(labels))


def test_labelled_pairs_replace_their_candidates_and_join_when_blocking_missed_them(
    record: Callable[..., dict[str, Any]], records_frame: Callable[..., pd.DataFrame]
) -> None:
    names = ["Anna", "Anne", "Lars", "Ole"]
    records = records_frame(*(record(f"a:{n}", given_name=g) for n, g in enumerate(names)))
    fields = prepare_match_fields(records, [])
    candidates = CandidatePairs(left=np.array([0, 0, 1]), right=np.array([1, 2, 2]))
    candidate_levels = compare_pairs(fields, candidates, DEFAULT_COMPARISONS)
    labels = pd.DataFrame(
        {"record_id_l": ["a:0", "a:2"], "record_id_r": ["a:1", "a:3"], "is_match": [True, False]}
    )
    labelled = locate_labels(records["record_id"].to_numpy(dtype=object), labels)

    levels, known = training_levels(
        fields, candidates, candidate_levels, labelled, DEFAULT_COMPARISONS, 1_000
    )

    assert np.array_equal(known, [np.nan, np.nan, 1.0, 0.0], equal_nan=True)
    given = candidate_levels["given_name"]
    assert levels["given_name"][:3].tolist() == [given[1], given[2], given[0]]


def test_labelled_pairs_do_not_go_with_a_given_model(
    trained_model: FellegiSunterModel, synthetic_customers: Households
) -> None:
    records, _ = synthetic_customers(20)
    labels = pd.DataFrame({"record_id_l": ["src0:0"], "record_id_r": ["src0:1"], "is_match": [0]})
    with pytest.raises(MatchingError, match="not both"):
        link_records(records, model=trained_model, labelled_pairs=labels)
