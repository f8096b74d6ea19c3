"""Golden values a steward set: they replace what survivorship chose, with the decision
as their lineage."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from warehouse import GoldenCustomers

#: Lineage of a value a steward set: ``source`` this, ``source_key`` the decision's id.
STEWARD_SOURCE = "steward"


def with_overrides(
    customers: GoldenCustomers,
    overrides: dict[tuple[str, str], tuple[str | None, int]],
    redirected: pd.Series,
) -> GoldenCustomers:
    """The golden customers with the stewards' overrides set, and their lineage.

    An override of a customer merged into another applies to that one, whether the merge
    was this run's or earlier (``redirected``: the live id of each id retired before this
    run); an override of a customer that is gone applies to none.
    """
    if not overrides:
        return customers
    live_of = pd.concat([redirected, customers.redirects.set_index("retired_id")["golden_id"]])
    golden = customers.golden.set_index("golden_id", drop=False)
    lineage = customers.lineage.set_index(["golden_id", "field"])
    for (golden_id, field_name), (value, decision_id) in overrides.items():
        live = golden_id
        while live in live_of.index:
            live = live_of[live]
        if live not in golden.index:
            continue
        golden.loc[live, field_name] = (
            pd.Timestamp(value) if field_name == "birth_date" and value is not None else value
        )
        lineage.loc[(live, field_name), ["source", "source_key", "rule"]] = [
            STEWARD_SOURCE,
            str(decision_id),
            "steward_override",
        ]
    return replace(customers, golden=golden.reset_index(drop=True), lineage=lineage.reset_index())
