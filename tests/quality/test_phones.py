import pandas as pd
import pytest

from quality.phones import to_e164

PHONES = [
    ("(212) 555-0123", "US", "+12125550123"),
    ("+1 212 555 0123", None, "+12125550123"),
    ("020 7946 0958", "GB", "+442079460958"),
    ("07911 123456", "GB", "+447911123456"),
    ("030 1234567", "DE", "+49301234567"),
    ("+49 (0)30 1234567", "DE", "+49301234567"),
    ("612 34 56 78", "ES", "+34612345678"),
    ("22 12 34 56", "NO", "+4722123456"),
    ("0047 22123456", "NO", "+4722123456"),
    ("123", "US", None),
    ("not a number", "NO", None),
    ("22 12 34 56", None, None),
]


@pytest.mark.parametrize(
    ("phone", "region", "expected"),
    PHONES,
    ids=[f"{region}:{phone}" for phone, region, _ in PHONES],
)
def test_to_e164(phone: str, region: str | None, expected: str | None) -> None:
    formatted = to_e164(pd.Series([phone]), pd.Series([region], dtype="object"))

    if expected is None:
        assert pd.isna(formatted[0])
    else:
        assert formatted[0] == expected


def test_to_e164_keeps_alignment_and_missing() -> None:
    phones = pd.Series([None, "22 12 34 56", "22123456"], index=[5, 6, 7])
    regions = pd.Series(["NO", "NO", "NO"], index=[5, 6, 7])

    formatted = to_e164(phones, regions)

    assert list(formatted.index) == [5, 6, 7]
    assert pd.isna(formatted[5])
    assert formatted[[6, 7]].tolist() == ["+4722123456", "+4722123456"]
