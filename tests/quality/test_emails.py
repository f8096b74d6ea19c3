import re

import pandas as pd
import pytest
from email_validator import EmailNotValidError, validate_email

from quality.emails import EMAIL_REGEX, normalize_emails

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
def test_the_email_rule_agrees_with_email_validator(address: str) -> None:
    try:
        validate_email(address, check_deliverability=False)
        expected = True
    except EmailNotValidError:
        expected = False

    normalized = normalize_emails(pd.Series([address]))[0]
    assert (re.search(EMAIL_REGEX, normalized) is not None) == expected


def test_normalize_emails_trims_and_lowercases() -> None:
    emails = normalize_emails(pd.Series(["  Hans.Mueller@Example.DE ", "", None]))

    assert emails[0] == "hans.mueller@example.de"
    assert emails[1:].isna().all()


def test_overlong_local_part_is_invalid() -> None:
    assert re.search(EMAIL_REGEX, "a" * 65 + "@example.com") is None
    assert re.search(EMAIL_REGEX, "a" * 64 + "@example.com") is not None
