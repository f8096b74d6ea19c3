"""Properties of survivorship on random customers: every golden value is held by the record
its lineage names, and the order the records arrive in changes nothing."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import GoldenRecords, SurvivorshipRules, survive
from quality import PERSON_FIELDS

# Spellings of a few values, so that folding, swapped names and ties are common.
_NAMES = ["Arthur", "ARTHUR", "arthur", "Walsh", "WALSH", "Hüseyin", "Huseyin", "HÜSEYİN", "", None]
_CITIES = ["FÜRSTENFELDBRUCK", "Fürstenfeldbruck", "fürstenfeldbruck", "Oslo", "OSLO", None]
_STREETS = ["Hauptstraße 5", "HAUPTSTRASSE 5", "Hauptstrasse 5", "Storgata 1", None]
_EMAILS = ["a@x.no", "b@x.no", None]
_DATES = ["2019-01-01", "2024-01-01", None]
_RULES = ["source_trust", "most_recent", "most_frequent", "most_complete"]


@st.composite
def _records(draw: st.DrawFn) -> pd.DataFrame:
    count = draw(st.integers(1, 14))
    rows = []
    for number in range(count):
        rows.append(
            {
                "record_id": f"{draw(st.sampled_from(['crm', 'web', 'desk']))}:{number}",
                "cluster": draw(st.sampled_from(["a", "b", "c"])),
                "given_name": draw(st.sampled_from(_NAMES)),
                "family_name": draw(st.sampled_from(_NAMES)),
                "street": draw(st.sampled_from(_STREETS)),
                "city": draw(st.sampled_from(_CITIES)),
                "email": draw(st.sampled_from(_EMAILS)),
                "source_updated_at": draw(st.sampled_from(_DATES)),
            }
        )
    frame = pd.DataFrame(rows)
    frame["source"] = frame["record_id"].str.split(":").str[0]
    frame["source_updated_at"] = pd.to_datetime(frame["source_updated_at"], utc=True)
    for field in PERSON_FIELDS:
        if field not in frame:
            frame[field] = None
    return frame


_chains = st.lists(st.sampled_from(_RULES), min_size=1, max_size=4, unique=True)


def _survived(records: pd.DataFrame, rules: SurvivorshipRules) -> GoldenRecords:
    clusters = pd.Series(records["cluster"].to_numpy(), index=records["record_id"])
    return survive(records.drop(columns="cluster"), clusters, {"crm": 1, "web": 2}, rules)


@settings(max_examples=80, deadline=None, derandomize=True)
@given(_records(), _chains, _chains)
def test_the_lineage_names_a_record_that_holds_the_published_value(
    records: pd.DataFrame, default: list[str], names: list[str]
) -> None:
    rules = SurvivorshipRules.model_validate(
        {"default": default, "fields": {"given_name": names, "family_name": names[::-1]}}
    )
    result = _survived(records, rules)

    golden = result.golden.set_index("cluster_id")
    held = records.set_index("record_id")
    for row in result.lineage.itertuples():
        assert held.loc[row.record_id, "cluster"] == row.cluster_id
        assert held.loc[row.record_id, row.field] == golden.loc[row.cluster_id, row.field]
    published = result.lineage.groupby("cluster_id")["field"].apply(set)
    for cluster_id, fields in published.items():
        values = golden.loc[cluster_id, list(PERSON_FIELDS)]
        assert set(values[values.notna()].index) == fields


@settings(max_examples=40, deadline=None, derandomize=True)
@given(_records(), _chains, st.integers(0, 2**32 - 1))
def test_the_order_records_arrive_in_changes_nothing(
    records: pd.DataFrame, default: list[str], seed: int
) -> None:
    rules = SurvivorshipRules.model_validate({"default": default})
    shuffled = records.sample(frac=1, random_state=seed).reset_index(drop=True)

    expected, result = _survived(records, rules), _survived(shuffled, rules)

    pd.testing.assert_frame_equal(result.golden, expected.golden)
    pd.testing.assert_frame_equal(result.lineage, expected.lineage)
