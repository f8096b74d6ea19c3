"""A field the sources map is a field matching uses: undeclared attributes are compared as
their values suggest (issue 19: default settings plus the field mapping)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from matching import MatchSettings, link_records, with_mapped_attributes
from matching.evaluation import pairwise_scores
from matching.mapped_attributes import comparison_for


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["f", "m", "F", None, "m"] * 30, "exact"),
        ([f"{n:03d}-45-{n * 7 % 10_000:04d}" for n in range(200)], "edit_distance"),
        ([f"C{n:06d}" for n in range(200)], "edit_distance"),
        ([f"town {chr(97 + n % 26)}{n}" for n in range(200)], "jaro_winkler"),
        ([f"2020-01-{n % 28 + 1:02d}" for n in range(200)], "jaro_winkler"),
        ([str(30_000 + 7 * n) for n in range(200)], "jaro_winkler"),
        ([f"T{n:05d}" for n in range(15)], "edit_distance"),
        ([None, "  ", None], None),
    ],
    ids=["category", "ssn", "customer-number", "text", "dates", "amounts", "few-ids", "empty"],
)
def test_an_attribute_is_compared_as_its_values_suggest(
    values: list[str | None], expected: str | None
) -> None:
    assert comparison_for(pd.Series(values, dtype=object)) == expected


def test_undeclared_attributes_join_and_declared_ones_stay_as_declared(
    caplog: pytest.LogCaptureFixture,
) -> None:
    records = pd.DataFrame(
        {
            "record_id": [f"s:{n}" for n in range(100)],
            "tax_id": [f"{n:09d}" for n in range(100)],
            "tier": ["gold", "silver"] * 50,
            "loyalty_no": [f"L{n:05d}" for n in range(100)],
            "birth_year": ["1980"] * 100,  # the name of a blocking key: cannot be compared
        }
    )
    declared = MatchSettings.model_validate({"attributes": {"loyalty_no": {"comparison": "exact"}}})

    with caplog.at_level(logging.WARNING, logger="matching.mapped_attributes"):
        resolved = with_mapped_attributes(declared, records)

    assert {name: spec.comparison for name, spec in resolved.attributes.items()} == {
        "loyalty_no": "exact",
        "tax_id": "edit_distance",
        "tier": "exact",
    }
    assert ["tax_id"] in resolved.blocking_passes
    assert ["tier"] not in resolved.blocking_passes
    assert "'birth_year' is not compared" in caplog.text
    assert with_mapped_attributes(resolved, records) == resolved
    reordered = records[list(reversed(records.columns))]
    assert with_mapped_attributes(declared, reordered) == resolved


def test_a_mapped_identifier_pairs_and_links_records_no_other_pass_would(
    synthetic_customers: Callable[..., tuple[pd.DataFrame, pd.Series]],
) -> None:
    records, person = synthetic_customers(600)
    rng = np.random.default_rng(4)
    # No contacts, and every later record of a person moved: names and the number remain.
    later = records["record_id"].str.startswith(("src1:", "src2:")).to_numpy()
    records = records.assign(
        email=None,
        phone=None,
        street=np.where(later, "Elsewhere 1", records["street"]),
        postcode=np.where(later, "9999", records["postcode"]),
        birth_date=np.where(later & (rng.random(len(records)) < 0.5), None, records["birth_date"]),
        customer_no=[f"C{int(p):06d}" for p in person.reindex(records["record_id"])],
    )
    truth = person.reindex(records["record_id"])

    with_number = link_records(records)
    without = link_records(records.drop(columns="customer_no"))

    assert "customer_no" in [c.name for c in with_number.model.comparisons]
    assert with_number.candidate_pairs_by_pass["customer_no"].links_alone
    found = pairwise_scores(with_number.clusters.reindex(records["record_id"]), truth)
    missed = pairwise_scores(without.clusters.reindex(records["record_id"]), truth)
    assert found.recall > missed.recall + 0.05
    assert found.precision > 0.99
