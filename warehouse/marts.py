"""Department marts: what a department asks of the golden customers, rebuilt by each publish.

- ``mart_sales_customer`` (sales, customer 360): per golden customer, the orders it
  placed: how many, the revenue, the first and the last, and the categories bought.
"""

from __future__ import annotations

import pandas as pd

_CUSTOMER: tuple[str, ...] = ("golden_id", "given_name", "family_name", "email", "country")
_ORDER: tuple[str, ...] = ("golden_id", "kind", "occurred_at", "amount", "currency", "topic")


def sales_customers(golden: pd.DataFrame, interactions: pd.DataFrame) -> pd.DataFrame:
    """One row per golden customer, with its orders summed up.

    Revenue is summed in the currency most of the customer's orders are in (ties: the
    first in alphabetical order), without converting; orders in other currencies are
    counted apart, so no amount is added to one in another currency.
    """
    customers = golden.reindex(columns=_CUSTOMER).set_index("golden_id")
    placed = interactions.reindex(columns=_ORDER)
    orders = placed[(placed["kind"] == "order") & placed["golden_id"].notna()]
    orders = orders.assign(amount=pd.to_numeric(orders["amount"], errors="coerce"))
    by_currency = orders.groupby(["golden_id", "currency"]).size().rename("orders").reset_index()
    main = (
        by_currency.sort_values(
            ["golden_id", "orders", "currency"], ascending=[True, False, True], kind="stable"
        )
        .drop_duplicates("golden_id")
        .set_index("golden_id")["currency"]
    )
    in_main = orders["currency"].to_numpy() == orders["golden_id"].map(main).to_numpy()
    by_customer = orders.groupby("golden_id")
    counted = orders[in_main].groupby("golden_id")
    bought = (
        orders[["golden_id", "topic"]]
        .dropna()
        .drop_duplicates()
        .sort_values(["golden_id", "topic"])
    )
    mart = customers.assign(
        order_count=by_customer.size().reindex(customers.index).fillna(0).astype(int),
        currency=main.reindex(customers.index),
        lifetime_revenue=counted["amount"].sum().reindex(customers.index).fillna(0.0),
        orders_in_other_currencies=(
            (by_customer.size() - counted.size()).reindex(customers.index).fillna(0).astype(int)
        ),
        first_order_at=by_customer["occurred_at"].min().reindex(customers.index),
        last_order_at=by_customer["occurred_at"].max().reindex(customers.index),
        categories=bought.groupby("golden_id")["topic"].agg(",".join).reindex(customers.index),
    )
    return mart.reset_index()
