import pandas as pd
import pytest

from quality import RECORD_ID, QualitySettings, quality_gate
from tests.quality.test_standardize import CRM_MAPPING, crm_batch


def test_every_problem_of_a_row_is_reported_and_the_counts_add_up() -> None:
    result = quality_gate(crm_batch(), source="crm", primary_key="ID", mapping=CRM_MAPPING)

    assert result.records[RECORD_ID].tolist() == ["crm:1", "crm:2", "crm:8"]
    found = set(zip(result.quarantine["position"], result.quarantine["rule"], strict=True))
    assert found == {
        (3, "duplicate_source_key"),
        (3, "invalid_date"),
        (3, "invalid_email"),
        (4, "duplicate_source_key"),
        (5, "missing_source_key"),
        (6, "implausible_birth_date"),
        (7, "unknown_country"),
    }
    details = dict(zip(result.quarantine["rule"], result.quarantine["detail"], strict=False))
    assert details["unknown_country"] == 'column `country`: "Atlantis" is not a known country'
    assert details["invalid_email"] == 'column `email`: "bad@" is not a valid e-mail address'
    assert (
        result.verdict.rows_read,
        result.verdict.rows_passed,
        result.verdict.rows_quarantined,
    ) == (8, 3, 5)
    # Records keep the raw row they came from.
    assert result.records.index.tolist() == [0, 1, 7]


def test_a_broken_threshold_fails_the_check_but_keeps_the_good_rows() -> None:
    raw = crm_batch()
    strict = QualitySettings.model_validate({"rules": {"unknown_country": {"mostly": 1.0}}})

    result = quality_gate(
        raw, source="crm", primary_key="ID", mapping=CRM_MAPPING, checks=strict.checks()
    )

    assert [s.rule for s in result.verdict.blocking_failures] == [
        "missing_source_key",
        "duplicate_source_key",
        "invalid_email",
        "unknown_country",
        "implausible_birth_date",
    ]
    assert result.verdict.rows_passed == 3


@pytest.mark.parametrize("rows", [0, 1])
def test_small_batches(rows: int) -> None:
    raw = crm_batch().iloc[:rows]

    result = quality_gate(raw, source="crm", primary_key="ID", mapping=CRM_MAPPING)

    assert result.verdict.rows_passed == rows and result.quarantine.empty
    assert isinstance(result.records, pd.DataFrame)
