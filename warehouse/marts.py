"""Department marts: what a department asks of the golden customers, rebuilt by each publish.

- sales (``mart_sales_customer``, customer 360): per golden customer, the orders it placed:
  how many, the revenue, the first and the last, and the categories bought;
- marketing (``mart_marketing_contact``): the customers it may contact, through which
  channels, the one each prefers, and each one's RFM segment;
- service (``mart_service_customer``): contact details with open and closed tickets and
  complaints;
- finance (``mart_finance_customer``, ``mart_finance_segment``): revenue, cost and margin
  per customer and per RFM segment.

Money is never converted: each figure is in one currency, named next to it.
"""

from __future__ import annotations

import itertools
import operator
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from quality import CONSENT_CHANNELS

_CONTACT: Final = ("given_name", "family_name", "email", "phone", "street", "postcode", "city")
_INTERACTION: Final = (
    "golden_id",
    "kind",
    "occurred_at",
    "closed_at",
    "amount",
    "cost",
    "currency",
    "channel",
    "status",
    "topic",
)

#: Ticket statuses that mean it is closed, whether or not the source says when.
CLOSED_STATUSES: Final = frozenset(
    {"closed", "resolved", "solved", "done", "cancelled", "canceled"}
)

#: RFM segment by recency score (rows, 1–5) and frequency score (columns, 1–5).
_SEGMENTS: Final = (
    ("hibernating", "hibernating", "at risk", "at risk", "cannot lose"),
    ("hibernating", "hibernating", "at risk", "at risk", "cannot lose"),
    ("about to sleep", "about to sleep", "need attention", "loyal", "loyal"),
    ("promising", "potential loyalist", "potential loyalist", "loyal", "loyal"),
    ("new", "potential loyalist", "potential loyalist", "champions", "champions"),
)
#: Segment of a customer that has not ordered yet.
PROSPECT: Final = "prospect"

#: What a golden record must hold for each consent channel to reach the customer.
_NEEDS: Final = {
    "email": ("email",),
    "phone": ("phone",),
    "sms": ("phone",),
    "post": ("street", "city"),
}


@dataclass(frozen=True)
class Marts:
    """Every department mart of one publish, as frames with the mart tables' columns."""

    sales: pd.DataFrame
    marketing: pd.DataFrame
    service: pd.DataFrame
    finance_customers: pd.DataFrame
    finance_segments: pd.DataFrame


def department_marts(
    golden: pd.DataFrame, interactions: pd.DataFrame, *, as_of: pd.Timestamp
) -> Marts:
    """Every mart, from the golden customers and their interactions, with recency measured
    up to ``as_of``."""
    attached = interactions.reindex(columns=_INTERACTION)
    attached = attached[attached["golden_id"].notna()]
    attached = attached.assign(
        amount=pd.to_numeric(attached["amount"], errors="coerce"),
        cost=pd.to_numeric(attached["cost"], errors="coerce"),
        occurred_at=pd.to_datetime(attached["occurred_at"], utc=True),
        closed_at=pd.to_datetime(attached["closed_at"], utc=True),
    )
    customers = golden.reindex(columns=["golden_id", *_CONTACT, "country"]).set_index("golden_id")
    orders = attached[attached["kind"] == "order"]
    sales = sales_customers(customers, orders)
    segments = rfm_segments(sales, as_of)
    finance = finance_customers(orders, segments["rfm_segment"])
    return Marts(
        sales=sales.reset_index(),
        marketing=marketing_contacts(customers, attached, segments).reset_index(),
        service=service_customers(customers, attached).reset_index(),
        finance_customers=finance,
        finance_segments=finance_segments(finance),
    )


def sales_customers(customers: pd.DataFrame, orders: pd.DataFrame) -> pd.DataFrame:
    """One row per golden customer, with its orders summed up.

    Revenue is summed in the currency most of the customer's orders are in (ties: the
    first in alphabetical order), without converting; orders in other currencies are
    counted apart, so no amount is added to one in another currency.
    """
    by_currency = orders.groupby(["golden_id", "currency"]).size().rename("orders").reset_index()
    main = (
        by_currency.sort_values(
            ["golden_id", "orders", "currency"], ascending=[True, False, True], kind="stable"
        )
        .drop_duplicates("golden_id")
        .set_index("golden_id")["currency"]
    )
    in_main = orders["currency"].to_numpy() == orders["golden_id"].map(main).to_numpy()
    by_customer = orders.assign(in_main=in_main, main_amount=orders["amount"].where(in_main))
    figures = by_customer.groupby("golden_id").agg(
        order_count=("kind", "size"),
        in_main=("in_main", "sum"),
        lifetime_revenue=("main_amount", "sum"),
        first_order_at=("occurred_at", "min"),
        last_order_at=("occurred_at", "max"),
    )
    bought = (
        orders[["golden_id", "topic"]]
        .dropna()
        .drop_duplicates()
        .sort_values(["golden_id", "topic"])
    )
    figures = figures.assign(
        currency=main, categories=_joined(bought["golden_id"], bought["topic"])
    ).reindex(customers.index)
    count = figures["order_count"].fillna(0).astype(int)
    return customers[["given_name", "family_name", "email", "country"]].assign(
        order_count=count,
        currency=figures["currency"],
        lifetime_revenue=figures["lifetime_revenue"].fillna(0.0),
        orders_in_other_currencies=count - figures["in_main"].fillna(0).astype(int),
        first_order_at=figures["first_order_at"],
        last_order_at=figures["last_order_at"],
        categories=figures["categories"],
    )


def _joined(keys: pd.Series, values: pd.Series) -> pd.Series:
    """The values of each key joined with commas, for rows sorted by key (a plain loop:
    pandas' string aggregation is ten times slower)."""
    runs = itertools.groupby(zip(keys, values, strict=True), key=operator.itemgetter(0))
    joined = {key: ",".join(value for _, value in run) for key, run in runs}
    return pd.Series(joined, dtype=object)


def quintile_scores(values: pd.Series) -> pd.Series:
    """Score 1–5 by quintile of rank: the lowest fifth scores 1, the highest 5.

    Equal values share the lower score, so the scores do not depend on row order.
    """
    ranks = values.rank(method="min").to_numpy()
    return pd.Series(1 + np.floor(5 * (ranks - 1) / len(values)).astype(int), index=values.index)


def rfm_segments(sales: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Recency, frequency and monetary value of each customer, scored and segmented.

    Scores are quintiles among the customers that ordered: recency by the last order,
    frequency by the order count, monetary by the revenue among customers whose revenue is
    in the same currency. The segment follows from the recency and frequency scores in
    the usual RFM grid (champions, loyal, …, hibernating); customers without orders are
    prospects.
    """
    buyers = sales[sales["order_count"] > 0]
    scores = pd.DataFrame(
        {
            "r_score": quintile_scores(buyers["last_order_at"]),
            "f_score": quintile_scores(buyers["order_count"]),
            "m_score": buyers.groupby("currency")["lifetime_revenue"].transform(quintile_scores),
        },
        index=buyers.index,
    ).reindex(sales.index)
    grid = np.array(_SEGMENTS, dtype=object)
    ordered = scores["r_score"].notna().to_numpy()
    segment = np.full(len(sales), PROSPECT, dtype=object)
    segment[ordered] = grid[
        scores["r_score"][ordered].astype(int) - 1, scores["f_score"][ordered].astype(int) - 1
    ]
    return scores.astype("Int64").assign(
        recency_days=(as_of - sales["last_order_at"]).dt.days.astype("Int64"),
        frequency=sales["order_count"],
        monetary=sales["lifetime_revenue"],
        currency=sales["currency"],
        rfm_segment=segment,
    )


def marketing_contacts(
    customers: pd.DataFrame, interactions: pd.DataFrame, segments: pd.DataFrame
) -> pd.DataFrame:
    """The customers marketing may contact, with the addresses it may use and their RFM.

    A channel is open when the customer's latest consent statement for it, from any of its
    records, grants it (a withdrawal stated at the same time wins), and the golden record
    holds what the channel needs. Customers without an open channel are left out, and so
    are the addresses of channels not open. The preferred channel is the open one the
    customer reached the business through most often (ties: email, phone, sms, post).
    """
    statements = interactions[interactions["kind"] == "consent"].sort_values(
        ["golden_id", "channel", "occurred_at", "status"], kind="stable"
    )
    latest = statements.drop_duplicates(["golden_id", "channel"], keep="last")
    granted = (
        latest.set_index(["golden_id", "channel"])["status"]
        .eq("granted")
        .unstack(fill_value=False)
        .reindex(index=customers.index, columns=list(CONSENT_CHANNELS), fill_value=False)
    )
    open_channels = pd.DataFrame(
        {
            channel: granted[channel] & customers[list(needs)].notna().all(axis=1)
            for channel, needs in _NEEDS.items()
        }
    )
    used = (
        interactions[interactions["kind"] != "consent"]
        .groupby(["golden_id", "channel"])
        .size()
        .unstack()
        .reindex(index=customers.index, columns=list(CONSENT_CHANNELS))
        .fillna(0)
        .to_numpy()
    )
    # The most used open channel; the earlier channel among equals, as argmax takes it.
    preference = np.where(open_channels.to_numpy(), used, -1).argmax(axis=1)
    contacts = customers[[*_CONTACT, "country"]].assign(
        **{f"by_{channel}": open_channels[channel] for channel in CONSENT_CHANNELS},
        preferred_channel=np.array(CONSENT_CHANNELS, dtype=object)[preference],
    )
    usable = {
        "email": open_channels["email"],
        "phone": open_channels["phone"] | open_channels["sms"],
        **dict.fromkeys(("street", "postcode", "city"), open_channels["post"]),
    }
    for column, shown in usable.items():
        contacts.loc[~shown, column] = None
    contacts = contacts.join(segments)
    return contacts[open_channels.any(axis=1)]


def service_customers(customers: pd.DataFrame, interactions: pd.DataFrame) -> pd.DataFrame:
    """One row per golden customer: contact details, and its tickets and complaints.

    A ticket or complaint is closed when the source says when it closed, or gives it a
    closed status (closed, resolved, …); otherwise it is open.
    """
    cases = interactions[interactions["kind"].isin(["ticket", "complaint"])]
    closed = cases["closed_at"].notna() | cases["status"].isin(CLOSED_STATUSES)
    state = pd.Series(np.where(closed, "closed", "open"), index=cases.index)
    counts = (
        cases.groupby(["golden_id", state, "kind"])
        .size()
        .unstack([1, 2])
        .reindex(
            index=customers.index,
            columns=pd.MultiIndex.from_product([["open", "closed"], ["ticket", "complaint"]]),
        )
        .fillna(0)
        .astype(int)
    )
    index = customers.index
    hours = (cases["closed_at"] - cases["occurred_at"]).dt.total_seconds() / 3600
    return customers[[*_CONTACT, "country"]].assign(
        open_tickets=counts[("open", "ticket")],
        closed_tickets=counts[("closed", "ticket")],
        open_complaints=counts[("open", "complaint")],
        closed_complaints=counts[("closed", "complaint")],
        oldest_open_at=cases[~closed].groupby("golden_id")["occurred_at"].min().reindex(index),
        last_contact_at=cases.groupby("golden_id")["occurred_at"].max().reindex(index),
        mean_hours_to_close=hours.groupby(cases["golden_id"]).mean().reindex(index),
    )


def finance_customers(orders: pd.DataFrame, segment: pd.Series) -> pd.DataFrame:
    """Revenue, cost and margin of each customer that ordered, per currency.

    Cost and margin cover the orders whose cost is known; the others are counted.
    """
    costed = orders["cost"].notna()
    figures = orders.assign(
        costed_revenue=orders["amount"].where(costed),
        margin=(orders["amount"] - orders["cost"]).where(costed),
        without_cost=~costed,
    ).groupby(["golden_id", "currency"])
    finance = pd.DataFrame(
        {
            "order_count": figures.size(),
            "revenue": figures["amount"].sum(),
            "costed_revenue": figures["costed_revenue"].sum(min_count=1),
            "cost": figures["cost"].sum(min_count=1),
            "margin": figures["margin"].sum(min_count=1),
            "orders_without_cost": figures["without_cost"].sum().astype(int),
        }
    ).reset_index()
    finance["rfm_segment"] = finance["golden_id"].map(segment)
    return _with_margin_rate(finance)


def finance_segments(customers: pd.DataFrame) -> pd.DataFrame:
    """`finance_customers` summed up per RFM segment and currency."""
    grouped = customers.groupby(["rfm_segment", "currency"])
    segments = pd.DataFrame(
        {
            "customers": grouped.size(),
            "order_count": grouped["order_count"].sum(),
            "revenue": grouped["revenue"].sum(),
            "costed_revenue": grouped["costed_revenue"].sum(min_count=1),
            "cost": grouped["cost"].sum(min_count=1),
            "margin": grouped["margin"].sum(min_count=1),
            "orders_without_cost": grouped["orders_without_cost"].sum(),
        }
    ).reset_index()
    return _with_margin_rate(segments)


def _with_margin_rate(figures: pd.DataFrame) -> pd.DataFrame:
    rate = figures["margin"] / figures["costed_revenue"].where(figures["costed_revenue"] != 0)
    return figures.assign(margin_rate=rate)
