import pandas as pd
import pytest

from quality.countries import to_alpha2

COUNTRIES = [
    ("Deutschland", "DE"),
    ("Germany", "DE"),
    ("DEU", "DE"),
    ("de", "DE"),
    ("España", "ES"),
    ("Espana", "ES"),
    ("Spain", "ES"),
    ("Norge", "NO"),
    ("Norway", "NO"),
    ("NOR", "NO"),
    ("UK", "GB"),
    ("United Kingdom", "GB"),
    ("Great Britain", "GB"),
    ("England", "GB"),
    ("USA", "US"),
    ("United States", "US"),
    ("U.S.A.", "US"),
    ("united states of america", "US"),
    ("  Viet Nam ", "VN"),
    ("D", "DE"),
    ("N", "NO"),
    ("E", "ES"),
    ("GB", "GB"),
]


@pytest.mark.parametrize(("raw", "expected"), COUNTRIES, ids=[raw for raw, _ in COUNTRIES])
def test_to_alpha2(raw: str, expected: str) -> None:
    assert to_alpha2(pd.Series([raw])).tolist() == [expected]


def test_unknown_and_missing_countries_are_missing() -> None:
    codes = to_alpha2(pd.Series(["Atlantis", None, "  "]))

    assert codes.isna().all()
