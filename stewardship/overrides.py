"""Golden values a steward set: they replace what survivorship chose, with the decision
as their lineage."""

from __future__ import annotations

import pandas as pd

#: Lineage of a value a steward set: ``source`` this, ``source_key`` the decision's id.
STEWARD_SOURCE = "steward"


def with_overrides(
    golden: pd.DataFrame,
    lineage: pd.DataFrame,
    overrides: dict[tuple[str, str], tuple[str | None, int]],
    redirected: pd.Series,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The golden customers with the stewards' overrides set, and their lineage.

    An override of a customer merged into another applies to that one; an override of a
    customer that is gone applies to none.
    """
    if not overrides:
        return golden, lineage
    golden = golden.set_index("golden_id", drop=False)
    lineage = lineage.set_index(["golden_id", "field"])
    for (golden_id, field_name), (value, decision_id) in overrides.items():
        live = golden_id
        while live in redirected.index:
            live = redirected[live]
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
    return golden.reset_index(drop=True), lineage.reset_index()
