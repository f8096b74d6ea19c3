"""Steward decisions as constraints, and the review queue they shape."""

from __future__ import annotations

import pandas as pd
import pytest

from matching import MatchingError
from stewardship.constraints import check_agreement, steward_constraints
from stewardship.queue import review_queue
from warehouse import StewardDecision


def _decided(*decisions: tuple) -> list[StewardDecision]:
    return [
        StewardDecision(decision_id=number, action=action, record_ids=tuple(records))
        for number, (action, *records) in enumerate(decisions, start=1)
    ]


def test_the_latest_decision_about_a_pair_counts_and_undone_ones_do_not() -> None:
    decisions = [
        *_decided(
            ("same_customer", "a:1", "b:1"),
            ("not_same_customer", "b:1", "a:1"),  # the same pair, the other way round
            ("same_customer", "a:2", "b:2"),
        ),
        StewardDecision(decision_id=4, action="undo", undoes=3),
    ]
    constraints = steward_constraints(decisions)
    assert constraints.must_link == ()
    assert constraints.cannot_link == (("a:1", "b:1"),)


def test_taking_out_keeps_the_record_apart_from_each_other_record() -> None:
    constraints = steward_constraints(
        _decided(("take_out", "c:9", "a:1", "b:1"), ("confirm", "a:1", "b:1", "d:1"))
    )
    assert set(constraints.cannot_link) == {("a:1", "c:9"), ("b:1", "c:9")}
    assert set(constraints.must_link) == {("a:1", "b:1"), ("a:1", "d:1")}
    assert constraints.confirmed == (frozenset({"a:1", "b:1", "d:1"}),)


def test_the_latest_override_of_a_field_counts() -> None:
    overrides = [
        StewardDecision(1, "override", golden_id="GC-1", field="email", value="x@y.no"),
        StewardDecision(2, "override", golden_id="GC-1", field="email", value="z@y.no"),
        StewardDecision(3, "override", golden_id="GC-1", field="phone", value="+4712345678"),
        StewardDecision(4, "undo", undoes=3),
    ]
    assert steward_constraints(overrides).overrides == {("GC-1", "email"): ("z@y.no", 2)}


def test_a_chain_of_same_customers_against_a_different_one_is_refused() -> None:
    chain = steward_constraints(
        _decided(("same_customer", "a:1", "b:1"), ("same_customer", "b:1", "c:1"))
    )
    check_agreement(chain)
    with pytest.raises(MatchingError, match="a:1 and c:1 must not be linked"):
        check_agreement(chain, cannot_link=[("a:1", "c:1")])


def _records() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "record_id": ["a:1", "a:2", "b:1", "b:2", "c:1"],
            "birth_date": pd.to_datetime(["1980-01-02", "1980-02-01", None, "1970-05-05", None]),
        }
    )


def _pairs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "record_id_l": ["a:1", "b:2", "a:2"],
            "record_id_r": ["b:1", "c:1", "c:1"],
            "match_probability": [0.55, 0.9, 0.75],
            "match_weight": [0.3, 3.2, 1.6],
            "decision": ["review", "review", "link"],
            "decided_by": ["score", "clustering", "score"],
            "evidence": [{}, {}, {}],
        }
    )


def test_the_queue_puts_suspicious_customers_first_then_the_closest_calls() -> None:
    clusters = pd.Series(["a:1", "a:1", "b:1", "b:2", "b:2"], index=_records()["record_id"])
    queue = review_queue(_pairs(), _records(), clusters, review_customer_size=6)
    assert queue["reason"].tolist() == ["conflicting_birth_dates", "uncertain_match", "kept_apart"]
    customer = queue.iloc[0]
    assert customer["evidence"] == {
        "records": ["a:1", "a:2"],
        "birth_dates": ["1980-01-02", "1980-02-01"],
    }
    assert queue["priority"].tolist() == pytest.approx([1.02, 0.9, 0.2])
    # The same item has the same id whatever the order of the input.
    shuffled = review_queue(
        _pairs().iloc[::-1], _records().iloc[::-1], clusters.iloc[::-1], review_customer_size=6
    )
    assert shuffled["review_id"].tolist() == queue["review_id"].tolist()


def test_a_confirmed_customer_is_not_asked_about_again_nor_a_small_one() -> None:
    clusters = pd.Series(["a:1", "a:1", "b:1", "b:2", "b:2"], index=_records()["record_id"])
    confirmed = review_queue(
        _pairs(),
        _records(),
        clusters,
        review_customer_size=6,
        confirmed=[frozenset({"a:1", "a:2", "x:1"})],
    )
    assert "customer" not in set(confirmed["kind"])
    one = pd.Series("a:1", index=_records()["record_id"])
    undated = _records().assign(birth_date=pd.NaT)
    large = review_queue(_pairs().iloc[:0], undated, one, review_customer_size=5)
    assert large["reason"].tolist() == ["large_customer"]
    assert len(large.iloc[0]["evidence"]["records"]) == 5
    assert review_queue(_pairs().iloc[:0], undated, one, review_customer_size=6).empty
