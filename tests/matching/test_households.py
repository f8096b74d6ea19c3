"""Whether plain disagreement on given name or birth date keeps records apart is the data's
to say: a rule where the records hold households, evidence where they show none."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from matching import MatchSettings, link_records
from matching.evaluation import pairwise_scores
from matching.households import MIN_SHARED_HOME_PAIRS


def _other_given_names(
    records: pd.DataFrame, person: pd.Series, share: float, seed: int = 5
) -> pd.DataFrame:
    """A `share` of the second and later records of a person with another person's given
    name, the rest of the record intact: a register's duplicates, not a household."""
    rng = np.random.default_rng(seed)
    later = records["record_id"].str.startswith(("src1:", "src2:")).to_numpy()
    replaced = later & (rng.random(len(records)) < share)
    names = records["given_name"].to_numpy(dtype=object).copy()
    names[replaced] = np.roll(names, 7)[replaced]
    differs = names != records["given_name"].to_numpy(dtype=object)
    assert differs.sum() > 50, "the test needs records whose given name changed"
    return records.assign(given_name=names)


def test_a_register_without_households_weighs_a_different_given_name_as_evidence(
    synthetic_customers: Callable[..., tuple[pd.DataFrame, pd.Series]],
) -> None:
    records, person = synthetic_customers(1_500)
    records = _other_given_names(records, person, share=0.3)
    truth = person.reindex(records["record_id"])

    links = link_records(records)

    assert links.households is not None
    assert links.households.shared_home_pairs >= MIN_SHARED_HOME_PAIRS
    assert not links.households.present
    assert links.conflicting_attributes == ()
    by_evidence = pairwise_scores(links.clusters.reindex(records["record_id"]), truth)
    as_a_rule = link_records(
        records, MatchSettings(conflicting_attributes=["birth_date", "given_name"])
    )
    by_rule = pairwise_scores(as_a_rule.clusters.reindex(records["record_id"]), truth)
    # The rule would keep every record with another given name from its person.
    assert by_evidence.recall > by_rule.recall + 0.05
    assert by_evidence.precision > 0.99


def test_households_keep_their_members_apart(
    households: Callable[..., tuple[pd.DataFrame, pd.Series]],
) -> None:
    records, person = households(300)
    truth = person.reindex(records["record_id"])

    links = link_records(records)

    assert links.households is not None
    assert links.households.present
    assert links.households.share > 0.2
    assert links.conflicting_attributes == ("birth_date", "given_name")
    kept_apart = pairwise_scores(links.clusters.reindex(records["record_id"]), truth)
    weighed = link_records(records, MatchSettings(conflicting_attributes=[]))
    merged = pairwise_scores(weighed.clusters.reindex(records["record_id"]), truth)
    assert kept_apart.precision > 0.99
    assert merged.precision < kept_apart.precision - 0.1, "the rule is what keeps them apart"


def test_declared_conflicts_apply_whatever_the_records_hold(
    households: Callable[..., tuple[pd.DataFrame, pd.Series]],
) -> None:
    records, _ = households(300)

    links = link_records(records, MatchSettings(conflicting_attributes=[]))

    assert links.households is None
    assert links.conflicting_attributes == ()


def test_too_few_pairs_to_tell_keep_the_rule(
    record: Callable[..., dict[str, object]],
    records_frame: Callable[..., pd.DataFrame],
) -> None:
    home = {"family_name": "Berg", "street": "Parkveien 12", "postcode": "5003", "city": "Bergen"}
    records = records_frame(
        record("crm:1", given_name="Ingrid", birth_date="2001-07-14", **home),
        record("crm:2", given_name="Marte", birth_date="1970-01-02", **home),
    )

    links = link_records(records)

    assert links.households is not None
    assert links.households.shared_home_pairs < MIN_SHARED_HOME_PAIRS
    assert links.households.present
    assert "too few to tell" in links.households.describe()
    assert links.clusters["crm:1"] != links.clusters["crm:2"]


def test_a_pair_the_rule_keeps_apart_is_not_put_to_a_steward(
    households: Callable[..., tuple[pd.DataFrame, pd.Series]],
) -> None:
    records, _ = households(300)
    # A wide review band: household members sharing a home score in it.
    wide = MatchSettings(review_threshold=0.01, link_threshold=0.99)

    links = link_records(records, wide)

    assert links.conflicting_attributes == ("birth_date", "given_name")
    pairs = links.pairs
    conflicts = pairs[pairs["decided_by"] == "conflict"]
    assert (conflicts["decision"] == "non_link").all()
    in_review_band = conflicts["match_probability"].between(
        wide.review_threshold, wide.link_threshold, inclusive="left"
    )
    assert in_review_band.sum() > 20, "scored for review, but the rule says two people"


def test_an_identifier_joining_plainly_different_records_does_not_teach_that_names_differ(
    households: Callable[..., tuple[pd.DataFrame, pd.Series]],
) -> None:
    records, person = households(300)
    rng = np.random.default_rng(2)
    # One number per person in every record; some later records hold a placeholder for
    # the given name, as registers write "Sister" or "Infant".
    later = records["record_id"].str.startswith("src1:").to_numpy()
    placeholder = later & (rng.random(len(records)) < 0.5)
    records = records.assign(
        given_name=np.where(placeholder, "Sister", records["given_name"]),
        person_no=[f"P{n:06d}" for n in pd.factorize(person.reindex(records["record_id"]))[0]],
    )
    assert placeholder.sum() > 50
    settings = MatchSettings.model_validate(
        {"attributes": {"person_no": {"comparison": "exact", "identifies_person": True}}}
    )

    links = link_records(records, settings)

    given = next(p for p in links.model.comparisons if p.name == "given_name")
    # Plainly different given names stay strong evidence of two people...
    assert given.weights()[1] < -8
    # ...while the number still joins each placeholder record to its person.
    truth = person.reindex(records["record_id"])
    scores = pairwise_scores(links.clusters.reindex(records["record_id"]), truth)
    assert scores.precision > 0.99 and scores.recall > 0.95
