import random

import pandas as pd
import phonenumbers
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


REGIONS = ("DE", "AT", "CH", "GB", "US", "CA", "NO", "SE", "FR", "ES", "IT", "NL", "DK")
REGIONS += ("PL", "AR", "MX", "BR", "RU", "JE", "AU", "IN", "FI", "BE", "PT", "IE")


def _phonenumbers_e164(number: str, region: str) -> str | None:
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def test_the_fast_path_agrees_with_phonenumbers() -> None:
    """Seeded numbers as people write them, valid, mistyped and random, in 25 regions."""
    rng = random.Random(20261123)
    regions = REGIONS
    numbers, expected = [], []
    for _ in range(8_000):
        region = rng.choice(regions)
        example = phonenumbers.example_number_for_type(region, rng.choice([0, 1, 2, 3]))
        if example is None or rng.random() < 0.3:
            written = "".join(rng.choice("0123456789") for _ in range(rng.randint(3, 14)))
        else:
            written = phonenumbers.format_number(example, rng.choice([0, 1, 2]))
            if rng.random() < 0.5:  # a typo in one digit
                at = rng.choice([i for i, c in enumerate(written) if c.isdigit()])
                written = written[:at] + rng.choice("0123456789") + written[at + 1 :]
        if rng.random() < 0.3:
            written = rng.choice(["+", "0", "00"]) + written
        numbers.append((written, region))
        expected.append(_phonenumbers_e164(written, region))

    formatted = to_e164(
        pd.Series([n for n, _ in numbers]), pd.Series([r for _, r in numbers], dtype="object")
    )

    assert formatted.where(formatted.notna(), None).tolist() == expected
    assert sum(e is not None for e in expected) > 2_000  # plenty of valid numbers in the mix
