"""E-mail addresses: trimmed, lower-cased and checked for syntax, without DNS.

The check, :data:`EMAIL_REGEX`, run by the default expectation suite, accepts what
``email-validator`` accepts with ``check_deliverability=False`` for the addresses
customers actually type (dot-atom local parts, internationalized letters, domains with a
dotted TLD), at a speed that suits millions of rows. Quoted local parts and IP-literal
domains are rejected: legacy systems produce them only by mistake.
"""

from __future__ import annotations

import pandas as pd

from quality.text import clean_value, map_values

_LOCAL_CHAR = r"[\w!#$%&'*+/=?^`{|}~-]"
_LOCAL_PART = rf"{_LOCAL_CHAR}+(?:\.{_LOCAL_CHAR}+)*"
_LABEL = r"[^\W_](?:[^\W_]|-){0,61}(?<!-)"
_TLD = r"(?:[^\W\d_]|xn--)(?:[^\W_]|-){0,61}(?<!-)"
_ADDRESS = rf"{_LOCAL_PART}@(?:{_LABEL}\.)+{_TLD}"
_MAX_LOCAL_LENGTH = 64
_MAX_LENGTH = 254

EMAIL_REGEX = rf"^(?=.{{1,{_MAX_LENGTH}}}$)(?=[^@]{{1,{_MAX_LOCAL_LENGTH}}}@){_ADDRESS}$"
"""A deliverable-looking address, length limits included; the default suite checks it."""


def normalize_emails(emails: pd.Series) -> pd.Series:
    """Trim and lower-case addresses; blank values become missing.

    Args:
        emails: Raw e-mail values.

    Returns:
        Normalized addresses, object dtype, ``None`` where missing.
    """
    return map_values(emails, _normalized)


def _normalized(value: object) -> str | None:
    cleaned = clean_value(value)
    return cleaned.lower() if cleaned else None
