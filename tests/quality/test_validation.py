from pathlib import Path

import pandas as pd
import pytest

from quality import QualitySettings, expectation
from quality.canonical import CANONICAL_FIELDS, RECORD_ID
from quality.quarantine import FIELD_ISSUE_COLUMNS
from quality.suites import Check
from quality.validation import validate_records


def canonical_records(emails: list[str | None]) -> pd.DataFrame:
    n = len(emails)
    keys = [str(i) for i in range(1, n + 1)]
    records = pd.DataFrame(
        {
            "source": "shop",
            "source_key": keys,
            "given_name": "Kari",
            "family_name": "Nordmann",
            "birth_date": pd.Timestamp("1980-05-17"),
            "email": emails,
            "phone": "+4722123456",
            "street": None,
            "postcode": "0150",
            "city": "Oslo",
            "country": "NO",
            "source_updated_at": pd.Timestamp("2024-01-02", tz="UTC"),
        },
        columns=list(CANONICAL_FIELDS),
    )
    records[RECORD_ID] = "shop:" + records["source_key"]
    return records


def test_clean_records_pass() -> None:
    records = canonical_records([f"kari{i}@example.no" for i in range(30)])

    report = validate_records(records)

    assert report.success
    assert report.quarantine.empty
    assert len(report.records) == 30
    assert {summary.rule for summary in report.expectations} >= {
        "invalid_email",
        "unknown_country",
        "duplicate_source_key",
        "implausible_birth_date",
    }


def test_a_few_bad_values_are_set_aside_and_the_batch_passes() -> None:
    emails: list[str | None] = [f"kari{i}@example.no" for i in range(120)]
    emails[4] = "kari@@example.no"
    emails[7] = None
    records = canonical_records(emails)
    records.loc[9, "country"] = "XX"

    report = validate_records(records)

    assert report.success
    assert report.quarantine.empty
    assert list(report.issues.columns) == list(FIELD_ISSUE_COLUMNS)
    assert report.issues[["position", "field", "rule", "value"]].values.tolist() == [
        [5, "email", "invalid_email", "kari@@example.no"],
        [10, "country", "unknown_country", "XX"],
    ]
    assert report.issues.loc[0, "detail"] == (
        'column `email`: "kari@@example.no" is not a valid e-mail address'
    )
    assert report.issues.loc[0, "source_key"] == "5"
    assert len(report.records) == len(records)
    email_summary = next(s for s in report.expectations if s.rule == "invalid_email")
    # Of the addresses given: a missing one is not checked.
    assert (email_summary.unexpected_count, email_summary.element_count) == (1, 119)


def test_too_many_bad_emails_fail_the_batch() -> None:
    emails = [f"kari{i}@example.no" if i % 10 else f"kari{i}.example.no" for i in range(40)]

    report = validate_records(canonical_records(emails))

    assert not report.success
    email_summary = next(s for s in report.expectations if s.rule == "invalid_email")
    assert not email_summary.success
    assert email_summary.unexpected_count == 4
    assert len(report.issues) == 4 and report.rows_quarantined == 0


def test_duplicate_keys_are_quarantined_and_old_birth_dates_set_aside() -> None:
    records = canonical_records([None] * 5)
    records.loc[3, "source_key"] = records.loc[2, "source_key"]
    records.loc[0, "birth_date"] = pd.Timestamp("1850-01-01")

    report = validate_records(records)

    assert not report.success
    found = zip(report.quarantine["position"], report.quarantine["rule"], strict=True)
    assert sorted(found) == [(3, "duplicate_source_key"), (4, "duplicate_source_key")]
    assert report.records[RECORD_ID].tolist() == ["shop:1", "shop:2", "shop:5"]
    assert report.issues[["position", "rule"]].values.tolist() == [[1, "implausible_birth_date"]]
    assert report.issues.loc[0, "detail"] == (
        'column `birth_date`: "1850-01-01" is not between 1900-01-01 and today'
    )


def test_a_birth_date_in_the_future_is_implausible() -> None:
    records = canonical_records(["kari@example.no"] * 1)
    records.loc[0, "birth_date"] = pd.Timestamp.now().normalize() + pd.Timedelta(days=1)

    report = validate_records(records)

    assert report.issues["rule"].tolist() == ["implausible_birth_date"]


def test_a_source_tunes_thresholds_and_adds_expectations() -> None:
    emails = [f"kari{i}@example.no" if i % 10 else None for i in range(40)]
    emails[1] = "not-an-address"
    settings = QualitySettings.model_validate(
        {
            "rules": {"invalid_email": {"mostly": 0.99, "blocking": False}},
            "expectations": [
                {
                    "rule": "missing_email",
                    "expectation": "expect_column_values_to_not_be_null",
                    "column": "email",
                    "mostly": 0.95,
                    "quarantine": False,
                },
                {
                    "rule": "too_few_rows",
                    "expectation": "expect_table_row_count_to_be_between",
                    "options": {"min_value": 100},
                    "blocking": False,
                },
            ],
        }
    )

    report = validate_records(canonical_records(emails), checks=settings.checks())

    by_rule = {summary.rule: summary for summary in report.expectations}
    # 1 of 36 addresses is invalid: under the default 5% but over the tuned 1%.
    assert not by_rule["invalid_email"].success and not by_rule["invalid_email"].blocking
    assert by_rule["invalid_email"].sample == ("not-an-address",)
    # 4 of 40 without e-mail: the batch fails, but rows are not held back for it.
    assert not by_rule["missing_email"].success and by_rule["missing_email"].blocking
    assert by_rule["missing_email"].unexpected_count == 4
    assert not by_rule["too_few_rows"].success
    assert report.issues["rule"].tolist() == ["invalid_email"] and report.quarantine.empty
    assert [s.rule for s in report.expectations if not s.success and s.blocking] == [
        "missing_email"
    ]


def test_data_docs_are_written_for_each_run(tmp_path: Path) -> None:
    records = canonical_records(["kari@example.no", "bad@"])

    first = validate_records(records, suite_name="shop", data_docs=tmp_path, run_name="run-1")
    second = validate_records(records, suite_name="shop", data_docs=tmp_path, run_name="run-2")

    assert first.data_docs is not None and first.data_docs.is_file()
    assert second.data_docs is not None and second.data_docs.is_file()
    assert first.data_docs != second.data_docs
    page = second.data_docs.read_text(encoding="utf-8")
    assert "expect_column_values_to_match_regex" in page or "match this regular" in page
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "run-1" in index and "run-2" in index


@pytest.mark.parametrize(
    ("declared", "problem"),
    [
        ({"expectation": "expect_the_impossible"}, "is not a Great Expectations expectation"),
        (
            {
                "expectation": "expect_column_values_to_match_regex",
                "column": "email",
                "options": {"pattern": "@"},
            },
            "pattern: extra fields not permitted",
        ),
        (
            {"expectation": "expect_table_row_count_to_be_between", "mostly": 0.5},
            "takes no `mostly`",
        ),
    ],
    ids=["unknown", "unknown-argument", "mostly-on-a-table"],
)
def test_a_bad_expectation_is_refused_with_its_reason(
    declared: dict[str, object], problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        expectation(Check.model_validate({"rule": "mine", **declared}))
