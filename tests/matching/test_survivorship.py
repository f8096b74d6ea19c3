from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest
from pydantic import ValidationError

from matching import MatchingError, SurvivorshipRules, survive


@pytest.fixture
def records(
    record: Callable[..., dict[str, Any]], records_frame: Callable[..., pd.DataFrame]
) -> pd.DataFrame:
    return records_frame(
        record(
            "crm:1",
            given_name="Kari",
            family_name="Nordmann",
            phone="+4711111111",
            source_updated_at="2020-01-01",
        ),
        record(
            "web:7",
            given_name="Karianne",
            email="kari@new.no",
            phone="+4722222222",
            source_updated_at="2024-06-01",
        ),
        record(
            "web:3",
            given_name="Kari",
            email="kari@old.no",
            city="Oslo",
            source_updated_at="2021-03-01",
        ),
        record("web:9", email="other@x.no", source_updated_at="2024-06-01"),
        record("shop:1", given_name="Ola", source_updated_at="2024-01-01"),
    )


def test_trusted_source_then_most_recent_then_record_id(records: pd.DataFrame) -> None:
    clusters = pd.Series(
        {"crm:1": "crm:1", "web:7": "crm:1", "web:3": "crm:1", "web:9": "crm:1", "shop:1": "shop:1"}
    )
    result = survive(records, clusters, {"crm": 1, "web": 2})

    golden = result.golden.set_index("cluster_id")
    kari = golden.loc["crm:1"]
    assert kari["given_name"] == "Kari"
    assert kari["phone"] == "+4711111111"
    assert kari["email"] == "kari@new.no"
    assert kari["city"] == "Oslo"
    assert pd.isna(kari["street"])
    assert kari["record_count"] == 4
    assert kari["sources"] == "crm,web"
    assert golden.loc["shop:1", "given_name"] == "Ola"

    lineage = result.lineage.set_index(["cluster_id", "field"])
    assert tuple(lineage.loc[("crm:1", "given_name")]) == ("crm:1", "source_trust")
    assert tuple(lineage.loc[("crm:1", "email")]) == ("web:7", "record_id_order")
    assert tuple(lineage.loc[("crm:1", "city")]) == ("web:3", "only_value")
    assert tuple(lineage.loc[("shop:1", "given_name")]) == ("shop:1", "only_value")
    assert ("crm:1", "street") not in lineage.index


def test_most_recent_wins_among_equally_trusted(records: pd.DataFrame) -> None:
    clusters = pd.Series(
        {"crm:1": "crm:1", "web:7": "web:3", "web:3": "web:3", "web:9": "web:9", "shop:1": "shop:1"}
    )
    result = survive(records, clusters, {"crm": 1, "web": 2})
    lineage = result.lineage.set_index(["cluster_id", "field"])
    assert tuple(lineage.loc[("web:3", "email")]) == ("web:7", "most_recent")
    assert result.golden.set_index("cluster_id").loc["web:3", "email"] == "kari@new.no"


def test_unclustered_record_is_an_error(records: pd.DataFrame) -> None:
    with pytest.raises(MatchingError, match="have no cluster"):
        survive(records, pd.Series({"crm:1": "crm:1"}), {})


def test_each_field_follows_its_own_rule_chain(
    record: Callable[..., dict[str, Any]], records_frame: Callable[..., pd.DataFrame]
) -> None:
    records = records_frame(
        record(
            "crm:1",
            given_name="Kari",
            birth_date="1980-05-04",
            city="Oslo",
            source_updated_at="2019-01-01",
        ),
        record(
            "web:1",
            given_name="Kari",
            birth_date="1980-04-05",
            email="kari@new.no",
            city="Bergen",
            phone="+4711111111",
            street="Storgata 1",
            postcode="0155",
            source_updated_at="2024-01-01",
        ),
        record(
            "desk:1",
            given_name="Karianne",
            birth_date="1980-04-05",
            city="Oslo",
            source_updated_at="2022-01-01",
        ),
    )
    clusters = pd.Series("crm:1", index=records["record_id"])
    rules = SurvivorshipRules(
        default=["source_trust"],
        fields={
            "given_name": ["most_recent"],
            "birth_date": ["most_frequent", "source_trust"],
            "city": ["most_complete"],
        },
    )
    result = survive(records, clusters, {"crm": 1, "web": 2, "desk": 3}, rules)

    golden = result.golden.iloc[0]
    lineage = result.lineage.set_index("field")
    # Two records write the birth date one way; the most trusted writes it the other.
    assert str(golden["birth_date"].date()) == "1980-04-05"
    assert tuple(lineage.loc["birth_date", ["record_id", "rule"]]) == ("web:1", "most_frequent")
    # The web shop's record is the most complete; its city wins although Oslo is twice.
    assert golden["city"] == "Bergen"
    assert lineage.loc["city", "rule"] == "most_complete"
    # The most recent given name is the web shop's Kari; the support desk's is younger
    # than the CRM's, but another value.
    assert golden["given_name"] == "Kari"
    assert tuple(lineage.loc["given_name", ["record_id", "rule"]]) == ("web:1", "most_recent")
    assert lineage.loc["email", "rule"] == "only_value"


def test_records_that_agree_are_credited_to_the_first_in_the_chain(
    record: Callable[..., dict[str, Any]], records_frame: Callable[..., pd.DataFrame]
) -> None:
    records = records_frame(
        record("web:2", family_name="Nordmann", source_updated_at="2024-01-01"),
        record("crm:1", family_name="Nordmann", source_updated_at="2019-01-01"),
    )
    result = survive(records, pd.Series("crm:1", index=records["record_id"]), {"crm": 1})
    lineage = result.lineage.set_index("field")
    assert tuple(lineage.loc["family_name", ["record_id", "rule"]]) == ("crm:1", "same_value")


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"fields": {"shoe_size": ["most_recent"]}}, "'shoe_size' is not a person field"),
        ({"fields": {"email": []}}, "email: give at least one rule"),
        ({"default": ["most_recent", "most_recent"]}, "'most_recent' appears twice"),
        ({"default": ["longest"]}, "most_frequent"),
    ],
)
def test_a_rule_chain_the_hub_cannot_follow_is_refused(rules: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        SurvivorshipRules.model_validate(rules)
