"""Survivorship of free text: values equal after folding are one candidate, published in
their richest spelling; a swapped given/family pair is the same name as the majority's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from matching import GoldenRecords, SurvivorshipRules, survive

TRUST = {"crm": 1, "web": 2, "desk": 3, "shop": 4}


def _one_customer(records: pd.DataFrame, rules: SurvivorshipRules | None = None) -> GoldenRecords:
    return survive(records, pd.Series("c", index=records["record_id"]), TRUST, rules)


def _published(result: GoldenRecords, field: str) -> tuple[Any, str, str]:
    """The golden value of ``field``, and the record and rule its lineage names."""
    lineage = result.lineage.set_index("field").loc[field]
    return result.golden.iloc[0][field], lineage["record_id"], lineage["rule"]


def _held(records: pd.DataFrame, record_id: str, field: str) -> Any:
    return records.set_index("record_id").loc[record_id, field]


def test_a_swapped_name_pair_takes_the_order_of_the_majority(
    record: Callable[..., dict[str, Any]], records_frame: Callable[..., pd.DataFrame]
) -> None:
    # The most trusted source swapped the names; the other two agree on their order.
    records = records_frame(
        record("crm:1", given_name="Walsh", family_name="Arthur", source_updated_at="2024-05-01"),
        record("web:1", given_name="Arthur", family_name="Walsh", source_updated_at="2021-01-01"),
        record("web:2", given_name="Arthur", family_name="Walsh", source_updated_at="2023-01-01"),
    )
    result = _one_customer(records)

    given, given_record, given_rule = _published(result, "given_name")
    family, family_record, family_rule = _published(result, "family_name")
    assert (given, family) == ("Arthur", "Walsh")
    # Every record holds this one name, the CRM's in the other order: the lineage names the
    # best web record, which holds the published value in the field.
    assert (given_record, given_rule) == ("web:2", "same_value")
    assert (family_record, family_rule) == ("web:2", "same_value")


def test_a_swapped_pair_counts_for_its_name_against_another_one(
    record: Callable[..., dict[str, Any]], records_frame: Callable[..., pd.DataFrame]
) -> None:
    # Arthur is the CRM's name (in the other order) and the web shop's; the support desk's
    # Art is another value, from a less trusted source.
    records = records_frame(
        record("crm:1", given_name="Walsh", family_name="Arthur"),
        record("web:1", given_name="Arthur", family_name="Walsh"),
        record("web:2", given_name="Arthur", family_name="Walsh"),
        record("desk:1", given_name="Art", family_name="Walsh"),
    )
    result = _one_customer(records)

    assert _published(result, "given_name") == ("Arthur", "web:1", "source_trust")
    assert _published(result, "family_name") == ("Walsh", "web:1", "same_value")


def test_a_swapped_pair_in_a_tie_never_publishes_one_name_twice(
    record: Callable[..., dict[str, Any]], records_frame: Callable[..., pd.DataFrame]
) -> None:
    # One record each way, and each field with its own chain: field by field, the given
    # name would come from the newer record and the family name from the more trusted one
    # ("Arthur Arthur"). The pair keeps one order: that of the given name's best record.
    records = records_frame(
        record("crm:1", given_name="Walsh", family_name="Arthur", source_updated_at="2019-01-01"),
        record("web:1", given_name="Arthur", family_name="Walsh", source_updated_at="2024-01-01"),
    )
    rules = SurvivorshipRules(
        fields={"given_name": ["most_recent"], "family_name": ["source_trust"]}
    )
    result = _one_customer(records, rules)

    assert _published(result, "given_name")[:2] == ("Arthur", "web:1")
    assert _published(result, "family_name")[:2] == ("Walsh", "web:1")


def test_a_name_one_record_holds_in_both_fields_is_not_a_swap(
    record: Callable[..., dict[str, Any]], records_frame: Callable[..., pd.DataFrame]
) -> None:
    records = records_frame(
        record("crm:1", given_name="Thomas", family_name="Thomas"),
        record("web:1", given_name="Anne", family_name="Thomas"),
        record("web:2", given_name="Anne", family_name="Thomas"),
    )
    result = _one_customer(records)
    assert _published(result, "given_name")[:2] == ("Thomas", "crm:1")
    assert _published(result, "family_name")[:2] == ("Thomas", "crm:1")


@pytest.mark.parametrize(
    ("field", "trusted", "other", "published"),
    [
        ("city", "FÜRSTENFELDBRUCK", "Fürstenfeldbruck", "Fürstenfeldbruck"),
        ("given_name", "Huseyin", "Hüseyin", "Hüseyin"),
        ("family_name", "MUELLER", "Müller", "Müller"),
        ("family_name", "Strauss", "Strauß", "Strauß"),
        ("street", "hauptstrasse 5", "Hauptstraße 5", "Hauptstraße 5"),
        ("city", "OSLO", "Oslo", "Oslo"),
        # An upper-case İ is a dotted I, not a second diacritic: mixed case decides.
        ("given_name", "HÜSEYİN", "Hüseyin", "Hüseyin"),
        # Diacritics are what cannot be put back; case can.
        ("city", "Furstenfeldbruck", "FÜRSTENFELDBRUCK", "FÜRSTENFELDBRUCK"),
        # Equally rich spellings: the rule decides.
        ("given_name", "Jean-Pierre", "Jean Pierre", "Jean-Pierre"),
        ("given_name", "ANNA", "anna", "ANNA"),
    ],
    ids=[
        "upper-case-city",
        "diacritics",
        "transliteration",
        "sharp-s",
        "street",
        "case-only",
        "dotted-capital-i",
        "diacritics-over-case",
        "tie-hyphen",
        "tie-upper-lower",
    ],
)
def test_values_equal_after_folding_publish_their_richest_spelling(
    record: Callable[..., dict[str, Any]],
    records_frame: Callable[..., pd.DataFrame],
    field: str,
    trusted: str,
    other: str,
    published: str,
) -> None:
    records = records_frame(record("crm:1", **{field: trusted}), record("web:1", **{field: other}))
    result = _one_customer(records)

    value, record_id, rule = _published(result, field)
    assert value == published
    assert _held(records, record_id, field) == published
    assert rule == "same_value"


def test_a_candidate_counts_all_its_spellings(
    record: Callable[..., dict[str, Any]], records_frame: Callable[..., pd.DataFrame]
) -> None:
    # Three records spell Müller three ways; two write Schmidt alike.
    records = records_frame(
        record("crm:1", family_name="MÜLLER"),
        record("desk:1", family_name="Mueller"),
        record("shop:1", family_name="Müller"),
        record("web:1", family_name="Schmidt"),
        record("web:2", family_name="Schmidt"),
    )
    rules = SurvivorshipRules(default=["most_frequent", "source_trust"])
    assert _published(_one_customer(records, rules), "family_name") == (
        "Müller",
        "shop:1",
        "most_frequent",
    )


def test_the_candidate_is_chosen_by_the_rule_and_published_in_its_richest_spelling(
    record: Callable[..., dict[str, Any]], records_frame: Callable[..., pd.DataFrame]
) -> None:
    # The CRM's Huseyin wins on trust over the support desk's Hasan; the web shop spells it.
    records = records_frame(
        record("crm:1", given_name="Huseyin", city="MUNCHEN"),
        record("desk:1", given_name="Hasan", city="Augsburg"),
        record("web:1", given_name="Hüseyin", city="München"),
        record("web:2", given_name="HÜSEYIN", city="münchen"),
    )
    result = _one_customer(records)
    assert _published(result, "given_name") == ("Hüseyin", "web:1", "source_trust")
    assert _published(result, "city") == ("München", "web:1", "source_trust")


def test_normalized_fields_are_not_folded(
    record: Callable[..., dict[str, Any]], records_frame: Callable[..., pd.DataFrame]
) -> None:
    # E-mail, phone, postcode and country arrive normalized: their values are taken as
    # they are, and mixed case is no reason to prefer one.
    records = records_frame(
        record("crm:1", email="ann@x.no", postcode="SW1A 1AA"),
        record("web:1", email="Ann@x.no", postcode="Sw1a 1aa"),
    )
    result = _one_customer(records)
    assert _published(result, "email") == ("ann@x.no", "crm:1", "source_trust")
    assert _published(result, "postcode") == ("SW1A 1AA", "crm:1", "source_trust")
