import pandas as pd
import pytest
from email_validator import EmailNotValidError, validate_email

from quality.emails import normalize_emails, valid_email_mask

ADDRESSES = [
    "john.smith@example.com",
    "ola.nordmann@example.no",
    "hans.müller@beispiel.de",
    "jose+pedidos@correo.es",
    "o'neill@example.co.uk",
    "first_last@sub.example.com",
    "a@xn--mller-kva.de",
    "x@localhost",
    "a..b@example.com",
    ".a@example.com",
    "a@example",
    "a@-example.com",
    "a@example.123",
    "a b@example.com",
    "a@@example.com",
    "user@[192.0.2.1]",
    '"quoted"@example.com',
    "user@example.com.",
    "@example.com",
    "user@",
]


@pytest.mark.parametrize("address", ADDRESSES, ids=ADDRESSES)
def test_valid_email_mask_agrees_with_email_validator(address: str) -> None:
    try:
        validate_email(address, check_deliverability=False)
        expected = True
    except EmailNotValidError:
        expected = False

    assert valid_email_mask(normalize_emails(pd.Series([address]))).tolist() == [expected]


def test_normalize_emails_trims_and_lowercases() -> None:
    emails = normalize_emails(pd.Series(["  Hans.Mueller@Example.DE ", "", None]))

    assert emails[0] == "hans.mueller@example.de"
    assert emails[1:].isna().all()


def test_missing_email_is_not_invalid() -> None:
    assert valid_email_mask(normalize_emails(pd.Series([None, "  "]))).all()


def test_overlong_local_part_is_invalid() -> None:
    assert not valid_email_mask(pd.Series(["a" * 65 + "@example.com"]))[0]
