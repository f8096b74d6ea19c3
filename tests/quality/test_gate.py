import pandas as pd
import pytest

from quality import RECORD_ID, QualitySettings, SourceMapping, quality_gate
from tests.quality.test_standardize import CRM_MAPPING, crm_batch


def test_every_problem_of_a_row_is_reported_and_the_counts_add_up() -> None:
    result = quality_gate(crm_batch(), source="crm", primary_key="ID", mapping=CRM_MAPPING)

    # Rows with a missing or repeated key are held back, with every rule they broke.
    found = set(zip(result.quarantine["position"], result.quarantine["rule"], strict=True))
    assert found == {
        (3, "duplicate_source_key"),
        (3, "invalid_date"),
        (3, "invalid_email"),
        (4, "duplicate_source_key"),
        (5, "missing_source_key"),
    }
    details = dict(zip(result.quarantine["rule"], result.quarantine["detail"], strict=False))
    assert details["invalid_email"] == 'column `email`: "bad@" is not a valid e-mail address'
    # A bad value in another field is set aside, and its record goes on without it.
    assert result.records[RECORD_ID].tolist() == ["crm:1", "crm:2", "crm:6", "crm:7", "crm:8"]
    issues = result.issues[["position", "field", "rule", "value", "detail"]].values.tolist()
    assert issues == [
        [2, "phone", "invalid_phone", "12", 'column `phone`: "12" is not an E.164 phone number'],
        [6, "birth_date", "implausible_birth_date", "01011890",
         'column `birth_date`: "1890-01-01" is not between 1900-01-01 and today'],
        [7, "country", "unknown_country", "Atlantis",
         'column `country`: "Atlantis" is not a known country'],
    ]  # fmt: skip
    records = result.records.set_index(RECORD_ID)
    assert pd.isna(records.loc["crm:2", "phone"]) and records.loc["crm:2", "email"]
    assert pd.isna(records.loc["crm:6", "birth_date"])
    assert pd.isna(records.loc["crm:7", "country"])
    assert (
        result.verdict.rows_read,
        result.verdict.rows_passed,
        result.verdict.rows_quarantined,
        result.verdict.values_set_aside,
    ) == (8, 5, 3, 3)
    # Records keep the raw row they came from.
    assert result.records.index.tolist() == [0, 1, 5, 6, 7]


def test_a_rule_marked_record_level_holds_the_row_back() -> None:
    settings = QualitySettings.model_validate(
        {"rules": {"unknown_country": {"level": "record"}, "invalid_date": {"level": "record"}}}
    )

    result = quality_gate(
        crm_batch(), source="crm", primary_key="ID", mapping=CRM_MAPPING, checks=settings.checks()
    )

    assert (7, "unknown_country") in set(
        zip(result.quarantine["position"], result.quarantine["rule"], strict=True)
    )
    assert "crm:7" not in result.records[RECORD_ID].tolist()
    assert set(result.issues["rule"]) == {"invalid_phone", "implausible_birth_date"}


@pytest.mark.parametrize("quarantine", [True, False])
def test_an_unreadable_date_at_record_level(quarantine: bool) -> None:
    raw = crm_batch()
    raw.loc[0, "BIRTH_DT"] = "1980-02-01"  # not DDMMYYYY
    settings = QualitySettings.model_validate(
        {"rules": {"invalid_date": {"level": "record", "quarantine": quarantine}}}
    )

    result = quality_gate(
        raw, source="crm", primary_key="ID", mapping=CRM_MAPPING, checks=settings.checks()
    )

    held = (1, "invalid_date") in set(
        zip(result.quarantine["position"], result.quarantine["rule"], strict=True)
    )
    if quarantine:  # its row is held back
        assert held and "crm:1" not in result.records[RECORD_ID].tolist()
    else:  # `quarantine: false` keeps the row; the date, unreadable, is noted all the same
        assert not held
        assert pd.isna(result.records.set_index(RECORD_ID).loc["crm:1", "birth_date"])
        noted = result.issues[result.issues["position"] == 1]
        assert noted[["field", "rule", "value"]].values.tolist() == [
            ["birth_date", "invalid_date", "1980-02-01"]
        ]


def test_a_rule_of_the_key_cannot_be_tuned_to_set_values_aside() -> None:
    with pytest.raises(ValueError, match="level `field` needs a column other than the key"):
        QualitySettings.model_validate(
            {"rules": {"duplicate_source_key": {"level": "field"}}}
        ).checks()


def test_a_broken_threshold_fails_the_check_but_keeps_the_good_rows() -> None:
    raw = crm_batch()
    strict = QualitySettings.model_validate({"rules": {"unknown_country": {"mostly": 1.0}}})

    result = quality_gate(
        raw, source="crm", primary_key="ID", mapping=CRM_MAPPING, checks=strict.checks()
    )

    assert [s.rule for s in result.verdict.blocking_failures] == [
        "missing_source_key",
        "duplicate_source_key",
        "invalid_date",
        "invalid_email",
        "invalid_phone",
        "unknown_country",
        "implausible_birth_date",
    ]
    assert result.verdict.rows_passed == 5


def test_a_wrong_date_format_fails_invalid_date_and_keeps_every_record() -> None:
    raw = crm_batch().assign(BIRTH_DT="1980-02-01")
    wrong = SourceMapping.model_validate(
        {**CRM_MAPPING.model_dump(exclude_none=True), "birth_date": {"column": "BIRTH_DT",
                                                                     "format": "DD.MM.YYYY"}}
    )  # fmt: skip

    result = quality_gate(raw, source="crm", primary_key="ID", mapping=wrong)

    (invalid_date,) = [s for s in result.verdict.expectations if s.rule == "invalid_date"]
    assert not invalid_date.success and invalid_date.blocking
    # Every date value counts: 8 birth dates, all unreadable, and 2 readable update times.
    assert (invalid_date.unexpected_count, invalid_date.element_count) == (8, 10)
    assert invalid_date.describe().startswith("invalid_date failed for 8 of 10 values")
    assert result.verdict.rows_passed == 5


@pytest.mark.parametrize("rows", [0, 1])
def test_small_batches(rows: int) -> None:
    raw = crm_batch().iloc[:rows]

    result = quality_gate(raw, source="crm", primary_key="ID", mapping=CRM_MAPPING)

    assert result.verdict.rows_passed == rows and result.quarantine.empty
    assert isinstance(result.records, pd.DataFrame)
