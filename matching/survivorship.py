"""Survivorship: one golden value per field and cluster, and where each came from.

Default rule chain, per field: the record of the most trusted source (lowest trust
rank) that has a value wins; among equally trusted records the most recently
updated; then the smallest record id. The lineage names, for every golden value,
the record it came from and the rule that decided between the candidates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from matching.exceptions import MatchingError
from quality.canonical import PERSON_FIELDS, RECORD_ID

CLUSTER_ID: Final = "cluster_id"

ONLY_VALUE: Final = "only_value"
"""Only one record of the cluster has a value for the field."""
SOURCE_TRUST: Final = "source_trust"
"""The value's source is more trusted than every other source offering a value."""
MOST_RECENT: Final = "most_recent"
"""Equally trusted sources; the value's record was updated most recently."""
RECORD_ID_ORDER: Final = "record_id_order"
"""Equally trusted and equally recent; the smallest record id wins."""


@dataclass(frozen=True)
class GoldenRecords:
    """Golden customer records and the lineage of each golden value."""

    golden: pd.DataFrame
    """One row per cluster: ``cluster_id``, the person fields, ``record_count`` and
    ``sources`` (the distinct contributing sources, sorted, comma-separated)."""
    lineage: pd.DataFrame
    """One row per golden value: ``cluster_id, field, record_id, rule``."""


def survive(
    records: pd.DataFrame, clusters: pd.Series, trust_ranks: Mapping[str, int]
) -> GoldenRecords:
    """Build one golden record per cluster by the default survivorship rule chain.

    Args:
        records: Canonical customer records.
        clusters: Cluster id by record id (`CustomerLinks.clusters`).
        trust_ranks: Source name → rank; lower is more trusted. Sources not listed rank
            after every listed one.

    Returns:
        The golden frame and its lineage.

    Raises:
        MatchingError: If a record has no cluster.
    """
    clustered = records.assign(**{CLUSTER_ID: records[RECORD_ID].map(clusters)})
    unclustered = clustered[CLUSTER_ID].isna()
    if unclustered.any():
        shown = ", ".join(map(str, clustered.loc[unclustered, RECORD_ID].head(5)))
        raise MatchingError(
            f"{int(unclustered.sum())} records have no cluster (e.g. {shown}); "
            "pass the clusters of a matching run over these same records"
        )
    unranked = max(trust_ranks.values(), default=0) + 1
    clustered["_rank"] = clustered["source"].map(trust_ranks).fillna(unranked)
    updated = pd.to_datetime(
        clustered.get("source_updated_at", pd.Series(pd.NaT, index=clustered.index)),
        utc=True,
        errors="coerce",
    )
    # Sorting by age puts the most recent first and unknown update times last.
    nanoseconds = updated.astype("int64").astype(np.float64).where(updated.notna())
    clustered["_age"] = (-nanoseconds).fillna(np.inf)
    ranked = clustered.sort_values([CLUSTER_ID, "_rank", "_age", RECORD_ID], kind="stable")

    golden = pd.DataFrame(index=pd.Index(sorted(ranked[CLUSTER_ID].unique()), name=CLUSTER_ID))
    lineage_parts = []
    for field in PERSON_FIELDS:
        winners, lineage = _survive_field(ranked, field)
        golden[field] = winners.reindex(golden.index)
        lineage_parts.append(lineage)

    by_cluster = ranked.groupby(CLUSTER_ID)
    golden["record_count"] = by_cluster.size()
    golden["sources"] = by_cluster["source"].agg(lambda s: ",".join(sorted(set(map(str, s)))))
    lineage = pd.concat(lineage_parts, ignore_index=True)
    return GoldenRecords(
        golden=golden.reset_index(),
        lineage=lineage.sort_values([CLUSTER_ID, "field"], kind="stable").reset_index(drop=True),
    )


def _survive_field(ranked: pd.DataFrame, field: str) -> tuple[pd.Series, pd.DataFrame]:
    """Winning value per cluster and its lineage rows, from rows in rule-chain order."""
    if field not in ranked.columns:
        return pd.Series(dtype=object), _empty_lineage()
    values = ranked[field]
    has_value = values.notna()
    if values.dtype == object:
        has_value &= values.map(lambda v: not isinstance(v, str) or bool(v.strip()))
    candidates = ranked.loc[has_value, [CLUSTER_ID, RECORD_ID, field, "_rank", "_age"]]
    position = candidates.groupby(CLUSTER_ID).cumcount()
    first = candidates[position.to_numpy() == 0].set_index(CLUSTER_ID)
    runner_up = candidates[position.to_numpy() == 1].set_index(CLUSTER_ID).reindex(first.index)

    rule = np.select(
        [
            runner_up[RECORD_ID].isna(),
            first["_rank"] < runner_up["_rank"],
            first["_age"] < runner_up["_age"],
        ],
        [ONLY_VALUE, SOURCE_TRUST, MOST_RECENT],
        default=RECORD_ID_ORDER,
    )
    lineage = pd.DataFrame(
        {
            CLUSTER_ID: first.index.to_numpy(),
            "field": field,
            RECORD_ID: first[RECORD_ID].to_numpy(),
            "rule": rule,
        }
    )
    return first[field], lineage


def _empty_lineage() -> pd.DataFrame:
    return pd.DataFrame({CLUSTER_ID: [], "field": [], RECORD_ID: [], "rule": []}, dtype=object)
