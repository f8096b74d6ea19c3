"""The steward review queue: what the matcher was unsure of, most pressing first.

Two kinds of items:

- **pairs** the matcher left undecided: ``uncertain_match`` (a match probability between
  the review and the link threshold), ``kept_apart`` (linked by their score, but kept
  in different customers by clustering, which would otherwise have chained others
  together) and ``customers_kept`` (linked by their score, but one of the two customers
  was kept as it was, as no new or changed record touched it; see `matching.untouched`);
- **customers** that look wrong as they stand: ``conflicting_birth_dates`` (its records
  hold different birth dates) and ``large_customer`` (it gathers at least
  ``review_customer_size`` records).

Priority: customers first (a wrong merge already misleads every department; the larger,
the sooner), then pairs by how close their match probability is to even odds.
Each item has an id that stays the same from run to run (for a customer, while its
records do), so a steward can name it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Final

import numpy as np
import pandas as pd

from matching import CLUSTER_ID
from quality import RECORD_ID

#: Columns of a review queue frame.
REVIEW_COLUMNS: Final = (
    "review_id",
    "kind",
    "reason",
    "priority",
    "record_id_l",
    "record_id_r",
    CLUSTER_ID,
    "match_probability",
    "match_weight",
    "evidence",
)

_PAIR_REASONS: Final = {
    "score": "uncertain_match",
    "clustering": "kept_apart",
    "kept": "customers_kept",
}


def review_id(*parts: str) -> str:
    """A short id that names the same item in every run: ``R-`` and 14 hex digits (a
    customer's item is the same while its records are)."""
    return "R-" + hashlib.sha1("|".join(parts).encode()).hexdigest()[:14].upper()


def review_queue(
    pairs: pd.DataFrame,
    records: pd.DataFrame,
    clusters: pd.Series,
    *,
    review_customer_size: int,
    confirmed: Iterable[frozenset[str]] = (),
    xref: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every item for stewards, most pressing first.

    Args:
        pairs: Scored pairs with ``record_id_l``, ``record_id_r``, ``match_probability``,
            ``decision``, ``decided_by`` and ``evidence``.
        records: Canonical records with ``record_id`` and ``birth_date``.
        clusters: Cluster id by record id.
        review_customer_size: Customers with at least this many records go to review.
        confirmed: Record sets a steward confirmed as one customer as they are; a
            customer whose records all lie in one of them is not asked about again.
        xref: The crosswalk the run publishes (``source``, ``source_key``,
            ``golden_id``): with it, each item also names the golden customers its records
            belong to (``golden_id``, and ``golden_id_r`` for a pair's second record).
    """
    review = pairs[pairs["decision"] == "review"]
    probability = review["match_probability"].to_numpy(dtype=float)
    pair_items = pd.DataFrame(
        {
            "review_id": [
                review_id("pair", left, right)
                for left, right in zip(review["record_id_l"], review["record_id_r"], strict=True)
            ],
            "kind": "pair",
            "reason": review["decided_by"].map(_PAIR_REASONS).fillna("uncertain_match"),
            "priority": 1 - np.abs(2 * probability - 1),
            "record_id_l": review["record_id_l"],
            "record_id_r": review["record_id_r"],
            CLUSTER_ID: None,
            "match_probability": probability,
            "match_weight": review["match_weight"],
            "evidence": review["evidence"],
        }
    )
    customer_items = _suspicious_customers(records, clusters, review_customer_size, confirmed)
    parts = [items for items in (customer_items, pair_items) if len(items)]
    queue = (
        pd.concat([part.astype(object) for part in parts], ignore_index=True)
        if parts
        else pd.DataFrame(columns=list(REVIEW_COLUMNS))
    ).astype({"priority": float})
    queue = queue.sort_values(
        ["priority", "review_id"], ascending=[False, True], ignore_index=True
    )[list(REVIEW_COLUMNS)]
    return queue if xref is None else _with_golden_ids(queue, xref)


def _with_golden_ids(queue: pd.DataFrame, xref: pd.DataFrame) -> pd.DataFrame:
    of_record = pd.Series(
        xref["golden_id"].to_numpy(),
        index=(xref["source"] + ":" + xref["source_key"]).to_numpy(),
    )
    # A cluster's id is one of its records' ids, so it finds the cluster's customer too.
    return queue.assign(
        golden_id=queue["record_id_l"].fillna(queue[CLUSTER_ID]).map(of_record),
        golden_id_r=queue["record_id_r"].map(of_record),
    )


def _suspicious_customers(
    records: pd.DataFrame,
    clusters: pd.Series,
    review_customer_size: int,
    confirmed: Iterable[frozenset[str]],
) -> pd.DataFrame:
    members = pd.DataFrame(
        {
            RECORD_ID: records[RECORD_ID].to_numpy(),
            CLUSTER_ID: records[RECORD_ID].map(clusters).to_numpy(),
            "birth_date": pd.to_datetime(records["birth_date"]).dt.strftime("%Y-%m-%d").to_numpy(),
        }
    ).dropna(subset=[CLUSTER_ID])
    grouped = members.groupby(CLUSTER_ID)
    sizes, birth_dates = grouped.size(), grouped["birth_date"].nunique()
    flagged = sizes.index[(sizes >= review_customer_size) | (birth_dates > 1)]
    settled = [set(group) for group in confirmed]
    rows = []
    for cluster_id, group in members[members[CLUSTER_ID].isin(flagged)].groupby(CLUSTER_ID):
        record_ids = sorted(group[RECORD_ID])
        if any(set(record_ids) <= confirmed_group for confirmed_group in settled):
            continue
        dates = sorted(group["birth_date"].dropna().unique())
        reason = "conflicting_birth_dates" if len(dates) > 1 else "large_customer"
        rows.append(
            {
                "review_id": review_id("customer", reason, *record_ids),
                "kind": "customer",
                "reason": reason,
                "priority": 1.0 + 0.01 * len(record_ids),
                "record_id_l": None,
                "record_id_r": None,
                CLUSTER_ID: cluster_id,
                "match_probability": None,
                "match_weight": None,
                "evidence": {"records": record_ids, "birth_dates": dates},
            }
        )
    return pd.DataFrame(rows, columns=list(REVIEW_COLUMNS))
