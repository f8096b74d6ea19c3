"""A run's golden customers in the warehouse's shape: each with its lasting golden id, the
crosswalk from every source record to its customer, and the lineage of each value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from matching import CustomerLinks, GoldenRecords
from quality import RECORD_ID
from warehouse.identity import GoldenIdentity


@dataclass(frozen=True)
class GoldenCustomers:
    """Golden customers with their crosswalk and field lineage, in warehouse shape."""

    golden: pd.DataFrame
    xref: pd.DataFrame
    """Each record's ``source``, ``source_key``, ``golden_id``, and the strongest link that
    placed it there (``match_probability``, ``placed_by``)."""
    lineage: pd.DataFrame
    """``golden_id``, ``field`` and the ``source``, ``source_key`` and ``rule`` that gave the
    value."""
    redirects: pd.DataFrame
    """Golden ids the run retires by a merge: ``retired_id``, ``golden_id``."""
    split_from: pd.Series
    """Id of the customer each new golden customer split from, indexed by its new id."""


def golden_customers(
    records: pd.DataFrame,
    links: CustomerLinks,
    survived: GoldenRecords,
    identity: GoldenIdentity,
) -> GoldenCustomers:
    """The golden records survivorship built, under the golden ids `identity` gave their
    clusters (see `warehouse.identity`).

    Args:
        records: The canonical records that were linked.
        links: How they were linked and clustered.
        survived: One golden record per cluster, with its lineage (`matching.survive`).
        identity: The golden id of each cluster.
    """
    golden_id_of_cluster = identity.of_cluster
    golden_id = survived.golden["cluster_id"].map(golden_id_of_cluster)
    golden = survived.golden.assign(
        golden_id=golden_id,
        sources=survived.golden["sources"].map(_joined),
        created_at=golden_id.map(identity.created_at),
    )
    by_record = records.set_index(RECORD_ID)
    xref = (
        pd.DataFrame(
            {
                "source": by_record["source"],
                "source_key": by_record["source_key"],
                "golden_id": links.clusters.reindex(by_record.index).map(golden_id_of_cluster),
            }
        )
        .join(links.placing(by_record.index))
        .reset_index(drop=True)
    )
    lineage = survived.lineage.join(by_record[["source", "source_key"]], on=RECORD_ID).assign(
        golden_id=survived.lineage["cluster_id"].map(golden_id_of_cluster)
    )[["golden_id", "field", "source", "source_key", "rule"]]
    return GoldenCustomers(
        golden=golden,
        xref=xref,
        lineage=lineage,
        redirects=identity.redirects,
        split_from=identity.split_from,
    )


def _joined(sources: Any) -> str:
    return sources if isinstance(sources, str) else ",".join(sorted(sources))
