"""What customers did: web shop orders and support tickets, for the interaction marts.

They refer to customers by the source system's own key.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from demo.countries import COUNTRIES

#: Product categories, each with the share of an order's amount the goods cost the shop.
_COST_SHARE: Final = {
    "books": 0.70,
    "electronics": 0.85,
    "garden": 0.60,
    "kitchen": 0.65,
    "toys": 0.55,
    "clothing": 0.45,
    "sports": 0.60,
}
_CATEGORIES: Final = tuple(_COST_SHARE)
_TICKET_SUBJECTS: Final = (
    "Where is my parcel?",
    "Change of address",
    "Invoice question",
    "Password reset",
    "Return a product",
    "Cancel my subscription",
)
_COMPLAINT_SUBJECTS: Final = (
    "Damaged on arrival",
    "Charged twice",
    "Rude delivery driver",
    "Refund still missing",
)
_CURRENCY: Final = {country.code: country.currency for country in COUNTRIES}
_OFFSET: Final = {country.code: country.utc_offset for country in COUNTRIES}


def _iso(stamps: np.ndarray, offsets: list[str]) -> list[str]:
    texts = np.datetime_as_string(stamps, unit="s")
    return [f"{t}{o}" for t, o in zip(texts, offsets, strict=True)]


def orders(
    rng: np.random.Generator,
    customer_ids: pd.Series,
    countries: pd.Series,
    first_number: int,
) -> pd.DataFrame:
    """A few orders per web shop customer (none for rows without a customer id)."""
    counts = rng.poisson(2.5, len(customer_ids)) * (customer_ids != "").to_numpy()
    customers = np.repeat(customer_ids.to_numpy(dtype=object), counts)
    codes = np.repeat(countries.to_numpy(dtype=object), counts)
    n = len(customers)
    low = np.datetime64("2018-01-01", "s").astype(np.int64)
    high = np.datetime64("2025-06-30", "s").astype(np.int64)
    ordered = rng.integers(low, high, n).astype("datetime64[s]")
    amounts = np.round(rng.lognormal(3.8, 0.8, n), 2)
    categories = np.array(_CATEGORIES, dtype=object)[rng.integers(0, len(_CATEGORIES), n)]
    costs = amounts * np.array([_COST_SHARE[c] for c in categories])
    return pd.DataFrame(
        {
            "order_id": [f"O-{first_number + i:08d}" for i in range(n)],
            "customer_id": customers,
            "ordered_at": _iso(ordered, ["+00:00"] * n),
            "amount": [f"{a:.2f}" for a in amounts],
            "cost": [f"{c:.2f}" for c in costs],
            "currency": [_CURRENCY[c] for c in codes],
            "category": categories,
        }
    )


def tickets(
    rng: np.random.Generator,
    contacts: pd.DataFrame,
    first_number: int,
) -> pd.DataFrame:
    """Support tickets and complaints of each contact, some still open.

    Args:
        rng: The generator every draw comes from.
        contacts: Support desk contacts with ``contact_id``, ``country``, ``email``, ``phone``.
        first_number: Number of the first ticket.
    """
    counts = rng.poisson(1.3, len(contacts))
    rows = contacts.loc[contacts.index.repeat(counts)].reset_index(drop=True)
    n = len(rows)
    low = np.datetime64("2017-01-01", "s").astype(np.int64)
    high = np.datetime64("2025-06-30", "s").astype(np.int64)
    opened = rng.integers(low, high, n).astype("datetime64[s]")
    closed = opened + (rng.exponential(3 * 86400, n) + 600).astype("timedelta64[s]")
    offsets = [_OFFSET[c] for c in rows["country"]]
    still_open = rng.random(n) < 0.08
    complaint = rng.random(n) < 0.12
    ticket_subjects = np.array(_TICKET_SUBJECTS, dtype=object)
    complaint_subjects = np.array(_COMPLAINT_SUBJECTS, dtype=object)
    subjects = np.where(
        complaint,
        complaint_subjects[rng.integers(0, len(complaint_subjects), n)],
        ticket_subjects[rng.integers(0, len(ticket_subjects), n)],
    )
    by_mail = rows["email"].notna().to_numpy()
    by_phone = rows["phone"].notna().to_numpy()
    draw = rng.random(n)
    channel = np.where(
        by_mail & (draw < 0.6), "email", np.where(by_phone & (draw < 0.9), "phone", "chat")
    )
    closed_text = _iso(closed, offsets)
    return pd.DataFrame(
        {
            "ticket_id": [f"T-{first_number + i:07d}" for i in range(n)],
            "contact_id": rows["contact_id"],
            "opened_at": _iso(opened, offsets),
            "closed_at": [None if o else c for c, o in zip(closed_text, still_open, strict=True)],
            "kind": np.where(complaint, "complaint", "ticket"),
            "channel": channel,
            "subject": subjects,
        }
    )
