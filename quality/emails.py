"""E-mail addresses: trimmed, lower-cased and checked for syntax, without DNS.

The check is a vectorized regular expression that accepts what ``email-validator``
accepts with ``check_deliverability=False`` for the addresses customers actually type
(dot-atom local parts, internationalized letters, domains with a dotted TLD), at a speed
that suits millions of rows. Quoted local parts and IP-literal domains are rejected:
legacy systems produce them only by mistake.
"""

from __future__ import annotations

import re

import pandas as pd

from quality.text import clean_text

_LOCAL_CHAR = r"[\w!#$%&'*+/=?^`{|}~-]"
_LOCAL_PART = rf"{_LOCAL_CHAR}+(?:\.{_LOCAL_CHAR}+)*"
_LABEL = r"[^\W_](?:[^\W_]|-){0,61}(?<!-)"
_TLD = r"(?:[^\W\d_]|xn--)(?:[^\W_]|-){0,61}(?<!-)"
EMAIL_PATTERN = re.compile(rf"{_LOCAL_PART}@(?:{_LABEL}\.)+{_TLD}")
"""Syntax of a deliverable-looking address (matched against the whole value)."""

_MAX_LOCAL_LENGTH = 64
_MAX_LENGTH = 254


def normalize_emails(emails: pd.Series) -> pd.Series:
    """Trim and lower-case addresses; blank values become missing.

    Args:
        emails: Raw e-mail values.

    Returns:
        Normalized addresses, object dtype, NaN where missing.
    """
    return clean_text(emails).str.lower()


def valid_email_mask(emails: pd.Series) -> pd.Series:
    """Which normalized addresses have valid syntax; missing values count as valid.

    Args:
        emails: Addresses from :func:`normalize_emails`.

    Returns:
        A boolean Series aligned with ``emails``.
    """
    present = emails.notna()
    shaped = emails.str.fullmatch(EMAIL_PATTERN, na=False).astype(bool)
    local_length = emails.str.find("@")
    within_limits = (emails.str.len() <= _MAX_LENGTH) & (local_length <= _MAX_LOCAL_LENGTH)
    return ~present | (shaped & within_limits)
