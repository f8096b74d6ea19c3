"""Control characters are removed from every value at standardization, and each value
they were removed from is noted; its record goes on (issue 18, item 3)."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from quality import InteractionMapping, SourceMapping, quality_gate, standardize_interactions
from quality.quarantine import FIELD_ISSUE_COLUMNS
from quality.standardize import standardize
from quality.text import clean_value

#: Unicode category Cc: C0, DEL and C1, whitespace controls included.
ANY_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")

MAPPING = SourceMapping.model_validate(
    {
        "given_name": "FIRST",
        "family_name": "LAST",
        "birth_date": {"column": "BORN", "format": "DD.MM.YYYY"},
        "email": "MAIL",
        "phone": "TEL",
        "postcode": "ZIP",
        "city": "CITY",
        "country": {"value": "DE"},
        "attributes": {"note": "NOTE"},
    }
)
COLUMNS = ["ID", "FIRST", "LAST", "BORN", "MAIL", "TEL", "ZIP", "CITY", "NOTE"]
ROWS = [
    ["1", "Ann\x00a", "M\x07üller", "01.02.1980", "ann@exa\x1bmple.de", "030\x00 1234567",
     "100\x0015", "Ber\x7flin\x0b", "calls\x07 in the\tevening"],
    ["2", "Lena", "Vogel", "03.04.1985", "lena@example.de", None, "20095", "Hamburg", None],
    # A NUL in the key, and a date that is no date once the NUL is gone.
    ["3\x00", "Otto", "Weiß", "31\x0002.1990", "otto@example.de", None, None, "Köln", None],
]  # fmt: skip


def _raw() -> pd.DataFrame:
    return pd.DataFrame(ROWS, columns=COLUMNS, dtype="object")


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("Ann\x00a", "Anna"),
        ("\x07Anna\x1b[0m\x7f", "Anna[0m"),
        ("Jo\x9bhn", "John"),
        ("Anna\x1fMaria", "AnnaMaria"),
        ("Anna\tMaria\r\n", "Anna Maria"),
        ("Anna\x0bMaria\x0c", "Anna Maria"),
        ("Anna\x85Maria", "Anna Maria"),
        ("\x00\x01\x02", None),
        ("Ｊｏｈｎ\x00", "John"),
    ],
    ids=[
        "nul",
        "bell-escape-del",
        "c1",
        "unit-separator",
        "tab-and-line-breaks-are-spaces",
        "vertical-tab-and-form-feed-are-spaces",
        "next-line-is-a-space",
        "nothing-but-controls",
        "before-nfkc",
    ],
)
def test_control_characters_are_removed_and_whitespace_ones_are_spaces(
    raw: str, cleaned: str | None
) -> None:
    assert clean_value(raw) == cleaned


@given(st.text(st.characters(codec="utf-8"), max_size=24))
def test_no_cleaned_value_holds_a_control_character(text: str) -> None:
    assert not ANY_CONTROL.search(clean_value(text) or "")


def test_records_are_cleaned_and_each_cleaned_value_noted() -> None:
    batch = standardize(_raw(), source="crm", primary_key="ID", mapping=MAPPING)

    anna = batch.records.iloc[0]
    assert (anna.given_name, anna.family_name, anna.email, anna.phone) == (
        "Anna",
        "Müller",
        "ann@example.de",
        "+49301234567",
    )
    assert (anna.postcode, anna.city, anna.note) == ("10015", "Berlin", "calls in the evening")
    assert batch.records["source_key"].tolist() == ["1", "2", "3"]
    text = batch.records.select_dtypes("object").stack()
    assert not text.str.contains(ANY_CONTROL).any()
    assert list(batch.issues.columns) == list(FIELD_ISSUE_COLUMNS)
    cleaned = batch.issues[batch.issues["rule"] == "control_characters_removed"]
    assert cleaned["detail"].str.endswith(" had its control characters removed").all()
    assert cleaned[["source_key", "position", "field", "value"]].values.tolist() == [
        ["1", 1, "city", "Ber\\x7flin\\x0b"],
        ["1", 1, "given_name", "Ann\\x00a"],
        ["1", 1, "family_name", "M\\x07üller"],
        ["1", 1, "email", "ann@exa\\x1bmple.de"],
        ["1", 1, "note", "calls\\x07 in the\\x09evening"],
        ["1", 1, "phone", "030\\x00 1234567"],
        ["1", 1, "postcode", "100\\x0015"],
        ["3", 3, "source_key", "3\\x00"],
        ["3", 3, "birth_date", "31\\x0002.1990"],
    ]


def test_a_detail_writes_control_characters_out() -> None:
    batch = standardize(_raw(), source="crm", primary_key="ID", mapping=MAPPING)

    unreadable = batch.issues[batch.issues["rule"] == "invalid_date"]
    assert unreadable[["position", "field", "detail"]].values.tolist() == [
        [3, "birth_date", 'column `BORN`: "31\\x0002.1990" is not a date in format DD.MM.YYYY']
    ]


def test_the_gate_counts_the_cleaned_rows_that_pass() -> None:
    result = quality_gate(_raw(), source="crm", primary_key="ID", mapping=MAPPING)

    # Row 3 goes on without its unreadable date.
    assert (result.verdict.rows_passed, result.verdict.rows_cleaned) == (3, 2)
    assert result.verdict.values_set_aside == 1


def test_interactions_are_cleaned_and_each_cleaned_value_noted() -> None:
    mapping = InteractionMapping.model_validate(
        {
            "customer_key": "customer",
            "kind": "kind",
            "occurred_at": "at",
            "amount": "amount",
            "currency": {"value": "EUR"},
            "status": "status",
            "topic": "topic",
        }
    )
    raw = pd.DataFrame(
        {
            "id": ["A-1", "A-2"],
            "customer": ["C1\x00", "C2"],
            "kind": ["or\x07der", "ord\x00er?"],
            "at": ["2026-10-01T10:00:00Z\x00", "2026-10-02T10:00:00Z"],
            "amount": ["12.5\x1b", "3"],
            "status": ["shipped\x1b", "open"],
            "topic": ["bo\x07oks\n", "toys"],
        },
        dtype="object",
    )

    result = standardize_interactions(raw, source="shop", primary_key="id", mapping=mapping)

    order = result.interactions.iloc[0]
    assert (order.customer_key, order.kind, order.status, order.topic) == (
        "C1",
        "order",
        "shipped",
        "books",
    )
    assert (order.occurred_at, order.amount) == (pd.Timestamp("2026-10-01T10:00Z"), 12.5)
    assert result.quarantine[["position", "detail"]].values.tolist() == [
        [2, "column `kind`: \"ord\\x00er?\" is not one of ('order', 'ticket', 'complaint', "
         "'survey', 'consent')"]
    ]  # fmt: skip
    assert sorted(result.issues[["position", "detail"]].values.tolist()) == [
        [1, 'column `amount`: "12.5\\x1b" had its control characters removed'],
        [1, 'column `at`: "2026-10-01T10:00:00Z\\x00" had its control characters removed'],
        [1, 'column `customer`: "C1\\x00" had its control characters removed'],
        [1, 'column `kind`: "or\\x07der" had its control characters removed'],
        [1, 'column `status`: "shipped\\x1b" had its control characters removed'],
        [1, 'column `topic`: "bo\\x07oks\\x0a" had its control characters removed'],
    ]  # row 2 is held back: its quarantine row keeps it as read
