"""Pairwise precision, recall and F1 of a clustering, and recall of blocking."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching import MatchSettings
from matching.evaluation import blocking_recall, pairwise_scores


def test_counts_pairs_within_clusters() -> None:
    predicted = pd.Series(["a", "a", "a", "b", "c"])
    truth = pd.Series([1, 1, 2, 2, 3])
    scores = pairwise_scores(predicted, truth)
    # predicted pairs: (0,1) (0,2) (1,2); true pairs: (0,1) (2,3); one in common
    assert (scores.true_positives, scores.predicted_pairs, scores.true_pairs) == (1, 3, 2)
    assert scores.precision == 1 / 3
    assert scores.recall == 1 / 2
    assert abs(scores.f1 - 0.4) < 1e-12


def test_nothing_predicted_and_nothing_true_is_perfect() -> None:
    scores = pairwise_scores(pd.Series(["a", "b"]), pd.Series([1, 2]))
    assert (scores.precision, scores.recall, scores.f1) == (1.0, 1.0, 1.0)


@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=1, max_size=30))
def test_agrees_with_counting_every_pair(labels: list[tuple[int, int]]) -> None:
    predicted = pd.Series([p for p, _ in labels])
    truth = pd.Series([t for _, t in labels])
    pairs = list(itertools.combinations(range(len(labels)), 2))
    same_predicted = {(i, j) for i, j in pairs if labels[i][0] == labels[j][0]}
    same_truth = {(i, j) for i, j in pairs if labels[i][1] == labels[j][1]}
    scores = pairwise_scores(predicted, truth)
    assert scores.true_positives == len(same_predicted & same_truth)
    assert scores.predicted_pairs == len(same_predicted)
    assert scores.true_pairs == len(same_truth)


@pytest.mark.parametrize("seed", [1, 2], ids=["shuffle-1", "shuffle-2"])
def test_blocking_recall_does_not_depend_on_input_order(
    synthetic_customers: Callable[..., tuple[pd.DataFrame, pd.Series]], seed: int
) -> None:
    records, truth = synthetic_customers(200)
    settings = MatchSettings.model_validate(
        {
            "default_blocking_passes": False,
            "blocking_passes": [{"sorted_neighbourhood": "family_name", "window": 3}, ["email"]],
        }
    )
    baseline = blocking_recall(records, truth, settings)
    shuffled = records.sample(frac=1.0, random_state=seed)
    reordered = blocking_recall(shuffled, truth.loc[shuffled["record_id"]], settings)
    pd.testing.assert_frame_equal(baseline, reordered)
    assert baseline["pass"].tolist() == [
        "sorted_neighbourhood(family_name, window=3)",
        "email",
        "total",
    ]
