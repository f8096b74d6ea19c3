"""Standardizing interactions: orders with their cost, tickets with their closing time,
and consent statements; what cannot be read goes to quarantine with its reason."""

from __future__ import annotations

import pandas as pd
import pytest
from pydantic import ValidationError

from quality import InteractionMapping, standardize_interactions

ORDER_MAPPING = InteractionMapping.model_validate(
    {
        "customer_key": "customer",
        "kind": {"value": "order"},
        "occurred_at": "at",
        "amount": "amount",
        "cost": "cost",
        "currency": "currency",
    }
)
TICKET_MAPPING = InteractionMapping.model_validate(
    {
        "customer_key": "customer",
        "kind": "kind",
        "occurred_at": {"column": "opened", "format": "DD.MM.YYYY HH:mm"},
        "closed_at": {"column": "closed", "format": "DD.MM.YYYY HH:mm"},
        "status": "status",
    }
)
CONSENT_MAPPING = InteractionMapping.model_validate(
    {
        "customer_key": "customer",
        "kind": {"value": "consent"},
        "occurred_at": "at",
        "channel": "channel",
        "status": "consent",
    }
)


def _standardized(
    mapping: object, rows: list[dict[str, str | None]]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    raw = pd.DataFrame(rows).assign(id=[str(i + 1) for i in range(len(rows))])
    result = standardize_interactions(raw, source="src", primary_key="id", mapping=mapping)  # type: ignore[arg-type]
    return result.interactions, result.quarantine


def test_orders_keep_their_cost_and_money_needs_a_currency() -> None:
    orders, held = _standardized(
        ORDER_MAPPING,
        [
            {
                "customer": "C1",
                "at": "2025-01-01",
                "amount": "10,50",
                "cost": "6.25",
                "currency": "eur",
            },
            {
                "customer": "C1",
                "at": "2025-01-02",
                "amount": "10",
                "cost": "cheap",
                "currency": "EUR",
            },
            {"customer": "C2", "at": "2025-01-03", "amount": "10", "cost": None, "currency": None},
            {"customer": "C2", "at": "2025-01-04", "amount": None, "cost": None, "currency": None},
        ],
    )
    assert orders["source_key"].tolist() == ["1", "4"]
    assert orders[["amount", "cost", "currency"]].iloc[0].tolist() == [10.5, 6.25, "EUR"]
    assert held[["source_key", "rule"]].values.tolist() == [
        ["2", "invalid_amount"],
        ["3", "missing_currency"],
    ]
    assert held["detail"].iloc[0] == 'column `cost`: "cheap" is not a number'


def test_tickets_are_closed_when_the_source_says_when() -> None:
    tickets, held = _standardized(
        TICKET_MAPPING,
        [
            {
                "customer": "C1",
                "kind": "Ticket",
                "opened": "01.02.2025 09:00",
                "closed": "02.02.2025 10:30",
                "status": None,
            },
            {
                "customer": "C1",
                "kind": "complaint",
                "opened": "01.03.2025 09:00",
                "closed": None,
                "status": "Open",
            },
            {
                "customer": "C2",
                "kind": "ticket",
                "opened": "01.04.2025 09:00",
                "closed": "someday",
                "status": None,
            },
            {"customer": "C2", "kind": "ticket", "opened": None, "closed": None, "status": None},
        ],
    )
    assert tickets["source_key"].tolist() == ["1", "2"]
    assert tickets["closed_at"].iloc[0] == pd.Timestamp("2025-02-02 10:30", tz="UTC")
    assert pd.isna(tickets["closed_at"].iloc[1]) and tickets["status"].iloc[1] == "open"
    assert held[["source_key", "rule"]].values.tolist() == [
        ["3", "invalid_date"],
        ["4", "invalid_date"],
    ]
    assert held["detail"].tolist() == [
        'column `closed`: "someday" is not a date and time',
        "column `opened` is empty",
    ]


def test_consent_statements_read_as_granted_or_withdrawn_for_a_channel() -> None:
    said, held = _standardized(
        CONSENT_MAPPING,
        [
            {"customer": "C1", "at": "2025-01-01", "channel": "Email", "consent": "TRUE"},
            {"customer": "C1", "at": "2025-02-01", "channel": "email", "consent": "opt-out"},
            {"customer": "C2", "at": "2025-01-01", "channel": "post", "consent": "yes"},
            {"customer": "C2", "at": "2025-01-01", "channel": "fax", "consent": "yes"},
            {"customer": "C3", "at": "2025-01-01", "channel": "sms", "consent": "maybe"},
        ],
    )
    assert said[["channel", "status"]].values.tolist() == [
        ["email", "granted"],
        ["email", "withdrawn"],
        ["post", "granted"],
    ]
    assert held[["source_key", "rule"]].values.tolist() == [
        ["4", "invalid_consent"],
        ["5", "invalid_consent"],
    ]
    assert 'channel "fax" is not one of email, phone, sms, post' in held["detail"].iloc[0]
    assert 'status "maybe" says neither granted' in held["detail"].iloc[1]


def test_a_format_applies_only_to_points_in_time() -> None:
    with pytest.raises(ValidationError, match="`format` applies only to occurred_at, closed_at"):
        InteractionMapping.model_validate(
            {
                "customer_key": "customer",
                "kind": "kind",
                "occurred_at": "at",
                "amount": {"column": "amount", "format": "YYYY"},
            }
        )
