from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from matching import FellegiSunterModel, MatchSettings, link_records
from matching.clustering import PairSet, cluster_records


def _no_conflicts(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    return np.zeros(len(left), dtype=bool)


def _pairs(*pairs: tuple[int, int]) -> PairSet:
    return PairSet(
        np.array([p[0] for p in pairs], dtype=np.int64),
        np.array([p[1] for p in pairs], dtype=np.int64),
    )


def test_chain_with_known_non_match_is_split() -> None:
    labels = cluster_records(
        3, _pairs((0, 1), (1, 2)), np.array([20.0, 10.0]), _pairs((0, 2)), _no_conflicts, 10
    )
    assert labels.tolist() == [0, 0, 2]


def test_cluster_size_is_capped() -> None:
    chain = _pairs(*[(i, i + 1) for i in range(9)])
    labels = cluster_records(10, chain, np.arange(9, 0, -1.0), _pairs(), _no_conflicts, 4)
    assert np.bincount(labels).max() <= 4
    assert labels.tolist() == [0, 0, 0, 0, 4, 4, 4, 4, 8, 8]


def test_chain_through_different_birth_dates_is_split(
    record: Callable[..., dict[str, Any]],
    records_frame: Callable[..., pd.DataFrame],
    trained_model: FellegiSunterModel,
) -> None:
    home = {"family_name": "Hansen", "street": "Storgata 3", "postcode": "0150", "city": "Oslo"}
    records = records_frame(
        # A ~ B by e-mail and phone, B ~ C by name and address; A and C were born apart.
        record(
            "crm:a",
            given_name="Ola",
            birth_date="1950-02-03",
            email="hansen@x.no",
            phone="+4791234567",
            **home,
        ),
        record("web:b", given_name="Ola", email="hansen@x.no", phone="+4791234567", **home),
        record("shop:c", given_name="Ola", birth_date="1983-09-30", **home),
    )
    # Among three records all named Ola Hansen, sharing that name is no evidence at all
    # by term frequency; the chain needs the plain weights to form.
    plain = MatchSettings(term_frequency_adjustments=[])
    links = link_records(records, plain, model=trained_model)
    scored_links = links.pairs[links.pairs["match_probability"] >= plain.link_threshold]
    assert len(scored_links) >= 2, "the chain should score as links for this test to mean much"
    assert links.clusters["crm:a"] != links.clusters["shop:c"]
    # The link clustering refused goes to a steward.
    assert set(links.pairs["decision"]) == {"link", "review"}
    assert links.pairs.loc[links.pairs["decision"] == "review", "decided_by"].eq("clustering").all()


def test_twins_stay_apart(
    record: Callable[..., dict[str, Any]],
    records_frame: Callable[..., pd.DataFrame],
    trained_model: FellegiSunterModel,
) -> None:
    shared = {
        "family_name": "Berg",
        "birth_date": "2001-07-14",
        "street": "Parkveien 12",
        "postcode": "5003",
        "city": "Bergen",
        "email": "familien.berg@x.no",
    }
    records = records_frame(
        record("crm:1", given_name="Ingrid", **shared),
        record("crm:2", given_name="Marte", **shared),
        record("web:1", given_name="Ingrid", phone="+4790000001", **shared),
        record("web:2", given_name="Marte", phone="+4790000002", **shared),
    )
    clusters = link_records(records, model=trained_model).clusters
    assert clusters["crm:1"] == clusters["web:1"] == "crm:1"
    assert clusters["crm:2"] == clusters["web:2"] == "crm:2"


def test_a_birth_year_in_an_email_address_tells_father_from_son(
    record: Callable[..., dict[str, Any]],
    records_frame: Callable[..., pd.DataFrame],
    trained_model: FellegiSunterModel,
) -> None:
    home = {
        "given_name": "Fernando",
        "family_name": "Muro Valderrama",
        "street": "Paseo Reinaldo Puga, 15",
        "postcode": "11868",
        "city": "Cádiz",
    }
    records = records_frame(
        record("crm:1", birth_date="1981-07-16", **home),
        record("crm:2", birth_date="1954-06-28", **home),
        # Name and address alike fit both; only the address's year tells whose it is.
        record("support:1", email="fernando1954@yahoo.es", **home),
    )
    # Three records alone would make the name look common: weigh it as the model does.
    plain_names = MatchSettings(term_frequency_adjustments=[])
    clusters = link_records(records, plain_names, model=trained_model).clusters
    assert clusters["support:1"] == clusters["crm:2"] != clusters["crm:1"]


def test_a_single_record_is_a_customer_of_its_own(
    record: Callable[..., dict[str, Any]], records_frame: Callable[..., pd.DataFrame]
) -> None:
    links = link_records(records_frame(record("crm:1", given_name="Anna", email="a@x.no")))
    assert links.clusters.to_dict() == {"crm:1": "crm:1"}
    assert links.pairs.empty


def test_every_record_gets_a_cluster_named_by_its_smallest_id(
    synthetic_customers: Callable[..., tuple[pd.DataFrame, pd.Series]],
) -> None:
    records, _ = synthetic_customers(200)
    clusters = link_records(records).clusters
    assert set(clusters.index) == set(records["record_id"])
    smallest_member = clusters.index.to_series().groupby(clusters.to_numpy()).min()
    assert (smallest_member.index == smallest_member.to_numpy()).all()


@pytest.mark.parametrize("seed", [1, 2, 3], ids=["shuffle-1", "shuffle-2", "shuffle-3"])
def test_clusters_do_not_depend_on_input_order(
    synthetic_customers: Callable[..., tuple[pd.DataFrame, pd.Series]], seed: int
) -> None:
    records, _ = synthetic_customers(300)
    settings = MatchSettings(max_cluster_size=2)  # force splits, where order could leak in
    baseline = link_records(records, settings)
    shuffled = link_records(records.sample(frac=1.0, random_state=seed), settings)
    pd.testing.assert_series_equal(baseline.clusters, shuffled.clusters)
    pd.testing.assert_frame_equal(baseline.pairs, shuffled.pairs)
    assert baseline.model == shuffled.model


def test_an_identifying_attribute_outweighs_a_given_name_conflict(
    record: Callable[..., dict[str, Any]],
    records_frame: Callable[..., pd.DataFrame],
    synthetic_customers: Callable[..., tuple[pd.DataFrame, pd.Series]],
) -> None:
    # Among others with their own numbers, so that sharing one is as rare as it is.
    others, person = synthetic_customers(300)
    others = others.assign(
        national_id=[f"{9_000_000 + int(p)}" for p in person.reindex(others["record_id"])]
    )
    shared = {"family_name": "Ryan", "birth_date": "1916-05-08", "street": "49 Dallas Place"}
    records = pd.concat(
        [
            others,
            records_frame(
                record("a:1", given_name="Amy", national_id="1804974", **shared),
                record("b:1", given_name="Alexander", national_id="1804974", **shared),
                record("a:2", given_name="Ingrid", national_id="5550001", **shared),
            ),
        ],
        ignore_index=True,
    )
    # The rule applies whatever the records show of households.
    rule = ["birth_date", "given_name"]
    identifying = MatchSettings(
        attributes={"national_id": {"comparison": "edit_distance", "identifies_person": True}},
        conflicting_attributes=rule,
    )
    clusters = link_records(records, identifying).clusters
    assert clusters["a:1"] == clusters["b:1"]
    assert clusters["a:2"] == "a:2"

    merely_compared = MatchSettings(
        attributes={"national_id": {"comparison": "edit_distance"}}, conflicting_attributes=rule
    )
    clusters = link_records(records, merely_compared).clusters
    assert clusters["a:1"] != clusters["b:1"]
