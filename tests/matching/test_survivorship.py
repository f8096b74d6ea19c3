from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from matching import MatchingError, survive


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
