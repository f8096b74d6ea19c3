from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from matching import (
    FellegiSunterModel,
    MatchSettings,
    comparisons_fingerprint,
    comparisons_for,
    link_records,
)
from matching.comparison import DEFAULT_COMPARISONS
from matching.scoring import match_probability


def test_model_round_trips_through_plain_data(trained_model: FellegiSunterModel) -> None:
    restored = FellegiSunterModel.from_dict(json.loads(json.dumps(trained_model.to_dict())))
    assert restored == trained_model


def test_the_fingerprint_names_the_comparisons_a_model_fits(
    trained_model: FellegiSunterModel,
) -> None:
    assert trained_model.fingerprint == comparisons_fingerprint(DEFAULT_COMPARISONS)
    with_tax_id = MatchSettings.model_validate({"attributes": {"tax_id": {}}})
    by_edit_distance = MatchSettings.model_validate(
        {"attributes": {"tax_id": {"comparison": "edit_distance"}}}
    )
    fingerprints = {
        comparisons_fingerprint(comparisons_for(settings))
        for settings in (MatchSettings(), with_tax_id, by_edit_distance)
    }
    assert len(fingerprints) == 3


def test_prior_is_a_small_probability(trained_model: FellegiSunterModel) -> None:
    assert 0.0 < trained_model.prior < 0.01
    assert [p.name for p in trained_model.comparisons] == [
        c.comparison_name for c in DEFAULT_COMPARISONS
    ]


def test_explanation_weights_add_up_to_match_weight(
    synthetic_customers: Callable[..., tuple[pd.DataFrame, pd.Series]],
) -> None:
    records, _ = synthetic_customers(300)
    links = link_records(records)
    assert len(links.pairs) > 50
    for row in links.pairs.head(50).itertuples():
        explanation = links.explain(row.record_id_r, row.record_id_l)
        assert np.isclose(explanation["weight"].sum(), row.match_weight)
        assert np.isclose(match_probability(explanation["weight"].sum()), row.match_probability)
    weight_columns = [
        c for c in links.pairs.columns if c.endswith("_weight") and c != "match_weight"
    ]
    assert np.allclose(
        links.pairs[weight_columns].sum(axis=1) + links.model.prior_weight,
        links.pairs["match_weight"],
    )


def test_variant_spellings_outscore_different_people(
    record: Callable[..., dict[str, Any]],
    records_frame: Callable[..., pd.DataFrame],
    trained_model: FellegiSunterModel,
) -> None:
    shared = {"birth_date": "1984-05-06", "street": "Storgata 3", "postcode": "0150"}
    records = records_frame(
        record("crm:1", given_name="William", family_name="Müller", **shared),
        record("web:1", given_name="Bill", family_name="Mueller", **shared),
        record("web:2", given_name="Wiliam", family_name="Muller", **shared),
        record(
            "crm:2",
            given_name="Anna",
            family_name="Hansen",
            birth_date="1990-01-01",
            street="Storgata 3",
            postcode="0150",
        ),
    )
    links = link_records(records, model=trained_model)
    pairs = links.pairs.set_index(["record_id_l", "record_id_r"])["match_weight"]
    different_people = links.model.explain(
        {"given_name": 1, "family_name": 1, "birth_date": 1, "email": 0, "phone": 0, "address": 6}
        | {"email_birth_year": 0}
    )
    for same_person in [("crm:1", "web:1"), ("crm:1", "web:2"), ("web:1", "web:2")]:
        # Bill ~ Wiliam: a nickname of a misspelling.
        assert pairs[same_person] > different_people["weight"].sum()
    assert ("crm:1", "crm:2") not in pairs.index
    assert links.clusters["crm:1"] == links.clusters["web:1"] == links.clusters["web:2"]


def test_sharing_a_rare_family_name_counts_for_more_than_a_common_one(
    record: Callable[..., dict[str, Any]],
    records_frame: Callable[..., pd.DataFrame],
    trained_model: FellegiSunterModel,
) -> None:
    town = {"city": "Oslo", "postcode": "0150"}
    crowd = [
        record(f"crm:{n}", given_name=given, family_name="Hansen", **town)
        for n, given in enumerate(["Anna", "Lars", "Erik", "Nora", "Ole", "Ingrid", "Jonas"])
    ]
    records = records_frame(
        *crowd,
        record("web:1", given_name="Jonas", family_name="Hansen", **town),
        record("crm:z", given_name="Jonas", family_name="Zyskowski", **town),
        record("web:z", given_name="Jonas", family_name="Zyskowski", **town),
    )
    # Keep every scored pair, however weak, to compare the two.
    every_pair = MatchSettings(review_threshold=1e-9)
    links = link_records(records, every_pair, model=trained_model)
    common = links.explain("crm:6", "web:1").set_index("comparison")
    rare = links.explain("crm:z", "web:z").set_index("comparison")
    assert common.loc["family_name", "level"] == rare.loc["family_name", "level"] == 5
    assert rare.loc["family_name", "term_frequency"] > common.loc["family_name", "term_frequency"]
    assert rare["weight"].sum() > common["weight"].sum()


def test_namesakes_in_the_records_make_sharing_both_names_count_for_less(
    record: Callable[..., dict[str, Any]],
    records_frame: Callable[..., pd.DataFrame],
    trained_model: FellegiSunterModel,
) -> None:
    # Kari and Ola are as common as each other, and so are Nordmann and Hansen; but only
    # one person is called Kari Nordmann, while the CRM knows three people called Ola Hansen.
    others = [
        record(f"crm:x{n}", given_name=f"Anne{letter}", family_name=f"Dahl{letter}")
        for n, letter in enumerate("bcdfghjklmnprstvwz")
    ]
    records = records_frame(
        *others,
        record("crm:k", given_name="Kari", family_name="Nordmann"),
        record("web:k", given_name="Kari", family_name="Nordmann"),
        record("crm:k2", given_name="Kari", family_name="Berg"),
        record("crm:k3", given_name="Kari", family_name="Lie"),
        record("crm:n2", given_name="Per", family_name="Nordmann"),
        record("crm:n3", given_name="Liv", family_name="Nordmann"),
        *(record(f"crm:o{n}", given_name="Ola", family_name="Hansen") for n in range(3)),
        record("web:o", given_name="Ola", family_name="Hansen"),
    )
    links = link_records(records, MatchSettings(review_threshold=1e-9), model=trained_model)
    one_holder = links.explain("crm:k", "web:k").set_index("comparison")
    namesakes = links.explain("crm:o0", "web:o").set_index("comparison")
    assert one_holder.loc["given_name", "weight"] == namesakes.loc["given_name", "weight"]
    # Three holders of four records: others hold 4 − 4/3 of the four Olas' records.
    family = next(p for p in trained_model.comparisons if p.name == "family_name")
    expected = np.log2(family.u[-1] / ((4 - 4 / 3) / 4))
    assert namesakes.loc["family_name", "term_frequency"] == pytest.approx(expected)
    # Nordmann and Hansen are 4 of 28 family names; Ola Hansen is two thirds namesakes'.
    assert one_holder.loc["family_name", "weight"] - namesakes.loc[
        "family_name", "weight"
    ] == pytest.approx(np.log2((4 - 4 / 3) / 4 / (4 / 28)))


def test_strangers_sharing_an_email_address_are_counted_not_floored(
    synthetic_customers: Callable[..., tuple[pd.DataFrame, pd.Series]],
) -> None:
    # Every person has an address of their own, so no two strangers share one.
    records, _ = synthetic_customers(3_000)
    model = link_records(records).model
    email = next(p for p in model.comparisons if p.name == "email")
    exact = email.level_labels.index("exact")
    holders = int(records["email"].notna().sum())
    # Below one in all the pairs that hold two addresses: not a fixed floor, which
    # would cap the address's weight however many records there are.
    assert email.u[exact] < 1 / (holders * (holders - 1) / 2)
    # So sharing an address, and nothing else known, is a link.
    assert match_probability(model.prior_weight + email.weights()[exact]) > 0.95
