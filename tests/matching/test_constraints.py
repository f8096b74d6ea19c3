from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from matching import FellegiSunterModel, MatchingError, MatchSettings, link_records


@pytest.fixture
def namesakes(
    record: Callable[..., dict[str, Any]], records_frame: Callable[..., pd.DataFrame]
) -> pd.DataFrame:
    """Two records of one person who changed everything, and two strangers who share it all."""
    return records_frame(
        record("crm:1", given_name="Kari", family_name="Nordmann", birth_date="1970-03-04",
               street="Storgata 3", postcode="0150", city="Oslo"),
        record("web:1", given_name="Kari", family_name="Lie", email="kari@lie.no",
               street="Fjordgata 9", postcode="7010", city="Trondheim"),
        record("crm:2", given_name="Ola", family_name="Hansen", birth_date="1980-05-06",
               email="ola.hansen@x.no", phone="+4791234567", street="Parkveien 12",
               postcode="5003", city="Bergen"),
        record("web:2", given_name="Ola", family_name="Hansen", birth_date="1980-05-06",
               email="ola.hansen@x.no", phone="+4791234567", street="Parkveien 12",
               postcode="5003", city="Bergen"),
    )  # fmt: skip


def _pair(links: Any, first: str, second: str) -> pd.Series:
    pairs = links.pairs
    row = pairs[(pairs["record_id_l"] == first) & (pairs["record_id_r"] == second)]
    assert len(row) == 1, f"pair {first}, {second} should be in the pairs"
    return row.iloc[0]


def test_constraints_overrule_the_scores(
    namesakes: pd.DataFrame, trained_model: FellegiSunterModel
) -> None:
    unconstrained = link_records(namesakes, model=trained_model)
    assert unconstrained.clusters["crm:1"] != unconstrained.clusters["web:1"]
    assert unconstrained.clusters["crm:2"] == unconstrained.clusters["web:2"]

    settings = MatchSettings(must_link=[("web:1", "crm:1")], cannot_link=[("crm:2", "web:2")])
    links = link_records(namesakes, settings, model=trained_model)
    assert links.clusters["crm:1"] == links.clusters["web:1"]
    assert links.clusters["crm:2"] != links.clusters["web:2"]
    must, cannot = _pair(links, "crm:1", "web:1"), _pair(links, "crm:2", "web:2")
    assert (must["decision"], must["decided_by"]) == ("link", "must_link")
    assert (cannot["decision"], cannot["decided_by"]) == ("non_link", "cannot_link")
    # Constrained pairs are still scored, so a steward sees what the model thought.
    assert must["match_probability"] < 0.5 < cannot["match_probability"]


def test_a_cannot_link_is_not_bridged_by_a_third_record(
    record: Callable[..., dict[str, Any]],
    records_frame: Callable[..., pd.DataFrame],
    trained_model: FellegiSunterModel,
) -> None:
    same = {"given_name": "Ola", "family_name": "Hansen", "birth_date": "1980-05-06",
            "email": "ola.hansen@x.no", "phone": "+4791234567"}  # fmt: skip
    records = records_frame(record("a:1", **same), record("b:1", **same), record("c:1", **same))
    links = link_records(records, MatchSettings(cannot_link=[("a:1", "c:1")]), model=trained_model)
    assert links.clusters["a:1"] != links.clusters["c:1"]
    # The link the constraint broke goes to a steward instead of vanishing.
    kept_apart = links.pairs[links.pairs["decided_by"] == "clustering"]
    assert len(kept_apart) == 1
    assert set(kept_apart["decision"]) == {"review"}


def test_must_link_holds_against_conflicting_birth_dates_and_the_size_cap(
    record: Callable[..., dict[str, Any]],
    records_frame: Callable[..., pd.DataFrame],
    trained_model: FellegiSunterModel,
) -> None:
    records = records_frame(
        *(
            record(f"crm:{n}", given_name="Per", family_name="Lie", birth_date=f"19{50 + n}-01-01")
            for n in range(4)
        )
    )
    chain = [(f"crm:{n}", f"crm:{n + 1}") for n in range(3)]
    settings = MatchSettings(must_link=chain, max_cluster_size=2)
    clusters = link_records(records, settings, model=trained_model).clusters
    assert clusters.nunique() == 1


def test_contradicting_constraints_are_refused(
    namesakes: pd.DataFrame, trained_model: FellegiSunterModel
) -> None:
    settings = MatchSettings(
        must_link=[("crm:1", "web:1"), ("web:1", "crm:2")], cannot_link=[("crm:1", "crm:2")]
    )
    with pytest.raises(MatchingError, match="crm:1 and crm:2 must not be linked"):
        link_records(namesakes, settings, model=trained_model)


def test_constraints_on_records_not_in_the_run_are_reported(
    namesakes: pd.DataFrame, trained_model: FellegiSunterModel
) -> None:
    settings = MatchSettings(must_link=[("crm:1", "gone:7")], cannot_link=[("gone:8", "web:2")])
    links = link_records(namesakes, settings, model=trained_model)
    assert links.absent_constraint_records == ("gone:7", "gone:8")
    assert set(links.pairs["decided_by"]) == {"score"}
