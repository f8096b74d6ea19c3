"""A saved model is kept while the data looks like its training data, and no longer."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from matching import CustomerLinks, MatchSettings, ModelDrift, TrainingProfile, link_records
from matching.linking import comparisons_for


@pytest.fixture(scope="module")
def trained(
    synthetic_customers: Callable[..., tuple[pd.DataFrame, pd.Series]],
) -> CustomerLinks:
    records, _ = synthetic_customers(400, seed=5)
    return link_records(records)


def test_the_profile_holds_each_comparisons_share_of_pairs_per_level() -> None:
    comparisons = comparisons_for(MatchSettings())
    levels = {c.comparison_name: np.zeros(4, dtype=np.int8) for c in comparisons}
    levels["given_name"] = np.array([0, 1, 1, len(comparisons[0].level_labels) - 1])

    profile = TrainingProfile.of(10, comparisons, levels)

    shares = profile.level_shares["given_name"]
    assert shares[0] == 0.25 and shares[1] == 0.5 and shares[-1] == 0.25
    assert sum(shares) == pytest.approx(1.0)
    assert TrainingProfile.from_dict(profile.to_dict()) == profile


def test_the_same_records_keep_the_model(
    synthetic_customers: Callable[..., tuple[pd.DataFrame, pd.Series]], trained: CustomerLinks
) -> None:
    records, _ = synthetic_customers(400, seed=5)
    assert trained.training_profile is not None

    again = link_records(records, model=trained.model, trained_on=trained.training_profile)

    assert again.model is trained.model
    assert again.model_drift is not None and not again.model_drift.past_limits
    assert again.model_drift.level_shift == 0.0 and again.model_drift.record_change == 0.0
    pd.testing.assert_frame_equal(again.pairs, trained.pairs)


def test_a_few_more_people_keep_the_model(
    synthetic_customers: Callable[..., tuple[pd.DataFrame, pd.Series]], trained: CustomerLinks
) -> None:
    records, _ = synthetic_customers(410, seed=5)
    assert trained.training_profile is not None

    grown = link_records(records, model=trained.model, trained_on=trained.training_profile)

    drift = grown.model_drift
    assert drift is not None and not drift.past_limits
    assert 0.0 < drift.record_change < 0.05 and drift.level_shift < 0.02
    assert grown.model is trained.model


def test_records_without_a_field_the_model_learnt_from_train_a_new_one(
    synthetic_customers: Callable[..., tuple[pd.DataFrame, pd.Series]], trained: CustomerLinks
) -> None:
    records, _ = synthetic_customers(400, seed=5)
    assert trained.training_profile is not None
    # As if the source of the phone numbers were taken away.
    without_phones = records.assign(phone=None)

    relinked = link_records(
        without_phones, model=trained.model, trained_on=trained.training_profile
    )

    drift = relinked.model_drift
    assert drift is not None and drift.past_limits
    assert drift.shifted_comparison == "phone" and drift.level_shift > 0.05
    assert relinked.model is not trained.model
    assert "records +0.0% (limit ±25%)" in drift.describe()


def test_drift_is_judged_on_either_limit() -> None:
    then = TrainingProfile(records=1000, level_shares={"email": (0.5, 0.1, 0.4)})

    def drift(records: int, shares: tuple[float, ...]) -> ModelDrift:
        now = TrainingProfile(records=records, level_shares={"email": shares})
        return ModelDrift.between(then, now, record_limit=0.25, level_limit=0.05)

    assert not drift(1200, (0.52, 0.1, 0.38)).past_limits
    assert drift(1300, (0.5, 0.1, 0.4)).past_limits
    assert drift(700, (0.5, 0.1, 0.4)).past_limits
    shifted = drift(1000, (0.6, 0.1, 0.3))
    assert shifted.past_limits and shifted.level_shift == pytest.approx(0.1)


def test_changed_steward_labels_call_for_a_new_model() -> None:
    comparisons = comparisons_for(MatchSettings())
    levels = {c.comparison_name: np.zeros(3, dtype=np.int8) for c in comparisons}
    labels = pd.DataFrame(
        {"record_id_l": ["a:1", "a:2"], "record_id_r": ["b:1", "b:2"], "is_match": [True, False]}
    )
    then = TrainingProfile.of(100, comparisons, levels, labels)
    flipped = labels.assign(is_match=[True, True])

    same = ModelDrift.between(
        then, TrainingProfile.of(100, comparisons, levels, labels[::-1]), 0.25, 0.05
    )
    other = ModelDrift.between(
        then, TrainingProfile.of(100, comparisons, levels, flipped), 0.25, 0.05
    )

    assert not same.past_limits
    assert other.past_limits and "the stewards' labels changed" in other.describe()
