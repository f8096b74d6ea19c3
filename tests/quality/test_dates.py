import pandas as pd
import pytest

from quality.dates import parse_dates, parse_timestamps

DATES = [
    ("28021990", "DDMMYYYY", "1990-02-28"),
    ("29022000", "DDMMYYYY", "2000-02-29"),
    ("31021990", "DDMMYYYY", None),
    ("1021990", "DDMMYYYY", None),
    ("02/28/1990", "MM/DD/YYYY", "1990-02-28"),
    ("28.02.1990", "%d.%m.%Y", "1990-02-28"),
    ("1990-02-28", None, "1990-02-28"),
    ("1990-02-28T23:00:00-05:00", None, "1990-02-28"),
    ("1990-02-30", None, None),
    ("28/02/1990", None, None),
    # Any year from 1000 on, beyond pandas' nanosecond timestamps (1677 to 2262).
    ("1600-01-01", None, "1600-01-01"),
    ("01.02.1066", "DD.MM.YYYY", "1066-02-01"),
    ("2400-02-29", None, "2400-02-29"),
    ("0999-12-31", None, None),
    ("1835-81-01", None, None),
]


@pytest.mark.parametrize(
    ("raw", "date_format", "expected"),
    DATES,
    ids=[f"{date_format}:{raw}" for raw, date_format, _ in DATES],
)
def test_parse_dates(raw: str, date_format: str | None, expected: str | None) -> None:
    parsed = parse_dates(pd.Series([raw]), date_format)

    assert parsed.dtype == "datetime64[s]"
    if expected is None:
        assert pd.isna(parsed[0])
    else:
        assert parsed[0] == pd.Timestamp(expected)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-03-01T12:30:00+01:00", "2024-03-01T11:30:00Z"),
        ("2024-03-01T12:30:00Z", "2024-03-01T12:30:00Z"),
        ("2024-03-01 12:30:00", "2024-03-01T12:30:00Z"),
        ("2024-03-01", "2024-03-01T00:00:00Z"),
    ],
    ids=["offset", "zulu", "naive-is-utc", "date-only"],
)
def test_parse_timestamps_to_utc(raw: str, expected: str) -> None:
    parsed = parse_timestamps(pd.Series([raw]))

    assert str(parsed.dtype) == "datetime64[ns, UTC]"
    assert parsed[0] == pd.Timestamp(expected)
