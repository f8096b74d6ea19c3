import pandas as pd
import pytest

from quality import QUARANTINE_COLUMNS, UnknownSuiteError, validate_records
from quality.canonical import CANONICAL_FIELDS, RECORD_ID


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
        "duplicate_record_id",
        "implausible_birth_date",
    }


def test_a_few_bad_rows_are_quarantined_and_the_batch_passes() -> None:
    emails: list[str | None] = [f"kari{i}@example.no" for i in range(120)]
    emails[4] = "kari@@example.no"
    emails[7] = None
    records = canonical_records(emails)
    records.loc[9, "country"] = "XX"

    report = validate_records(records)

    assert report.success
    assert list(report.quarantine.columns) == list(QUARANTINE_COLUMNS)
    assert report.quarantine[["position", "rule"]].values.tolist() == [
        [5, "invalid_email"],
        [10, "unknown_country"],
    ]
    assert report.quarantine.loc[0, "detail"] == (
        'column `email`: "kari@@example.no" is not a valid e-mail address'
    )
    assert report.quarantine.loc[0, "source_key"] == "5"
    assert len(report.records) + report.rows_quarantined == len(records)
    email_summary = next(s for s in report.expectations if s.rule == "invalid_email")
    assert (email_summary.unexpected_count, email_summary.element_count) == (1, 120)


def test_too_many_bad_emails_fail_the_batch() -> None:
    emails = [f"kari{i}@example.no" if i % 10 else f"kari{i}.example.no" for i in range(40)]

    report = validate_records(canonical_records(emails))

    assert not report.success
    email_summary = next(s for s in report.expectations if s.rule == "invalid_email")
    assert not email_summary.success
    assert email_summary.unexpected_count == 4
    assert report.rows_quarantined == 4


def test_duplicate_record_ids_and_old_birth_dates_are_quarantined() -> None:
    records = canonical_records([None] * 5)
    records.loc[3, RECORD_ID] = records.loc[2, RECORD_ID]
    records.loc[0, "birth_date"] = pd.Timestamp("1850-01-01")

    report = validate_records(records)

    assert not report.success
    found = zip(report.quarantine["position"], report.quarantine["rule"], strict=True)
    assert sorted(found) == [
        (1, "implausible_birth_date"),
        (3, "duplicate_record_id"),
        (4, "duplicate_record_id"),
    ]
    assert report.records[RECORD_ID].tolist() == ["shop:2", "shop:5"]


def test_unknown_suite_is_an_error() -> None:
    with pytest.raises(UnknownSuiteError, match="`nope`"):
        validate_records(canonical_records(["a@example.no"]), suite_name="nope")
