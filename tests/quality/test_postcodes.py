import pandas as pd
import pytest

from quality.postcodes import normalize_postcodes

POSTCODES = [
    ("sw1a1aa", "GB", "SW1A 1AA"),
    (" ec1a  1bb", "GB", "EC1A 1BB"),
    ("M1 1AE", "GB", "M1 1AE"),
    ("1067", "DE", "01067"),
    ("D-10115", "DE", "10115"),
    ("8001", "ES", "08001"),
    ("28013", "ES", "28013"),
    ("150", "NO", "0150"),
    ("0150", "NO", "0150"),
    ("90210", "US", "90210"),
    ("021381234", "US", "02138-1234"),
    ("90210 - 1234", "US", "90210-1234"),
    ("2138", "US", "02138"),
    ("abc 12", "DE", "ABC 12"),
    ("  zz99 9zz ", None, "ZZ99 9ZZ"),
]


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    POSTCODES,
    ids=[f"{country}:{raw.strip()}" for raw, country, _ in POSTCODES],
)
def test_normalize_postcodes(raw: str, country: str | None, expected: str) -> None:
    codes = normalize_postcodes(pd.Series([raw]), pd.Series([country], dtype="object"))

    assert codes.tolist() == [expected]
