"""Survivorship: one golden value per field and cluster, and where each came from.

Each field's value comes from the record that a chain of rules ranks first among the
cluster's records that have one (`SurvivorshipRules`; by default the most trusted source,
then the most recently updated record); what the chain leaves tied, the smallest record
id decides. The lineage names, for every golden value, the record it came from and the
rule that set it apart from the best record with another value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from matching.clustering import CLUSTER_ID
from matching.exceptions import MatchingError
from quality import PERSON_FIELDS, RECORD_ID

ONLY_VALUE: Final = "only_value"
"""Only one record of the cluster has a value for the field."""
SAME_VALUE: Final = "same_value"
"""Every record of the cluster with a value has this one."""
SOURCE_TRUST: Final = "source_trust"
"""The value's source is more trusted than that of every other value."""
MOST_RECENT: Final = "most_recent"
"""The value's record was updated more recently."""
MOST_FREQUENT: Final = "most_frequent"
"""More of the cluster's records hold the value."""
MOST_COMPLETE: Final = "most_complete"
"""The value's record has more of the person fields filled in."""
RECORD_ID_ORDER: Final = "record_id_order"
"""The rules left a tie; the smallest record id wins."""

SurvivorshipRule = Literal["source_trust", "most_recent", "most_frequent", "most_complete"]


class SurvivorshipRules(BaseModel):
    """Which record's value each golden field takes: a chain of rules per field."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    default: list[SurvivorshipRule] = Field(
        default_factory=lambda: [SOURCE_TRUST, MOST_RECENT],  # type: ignore[arg-type]
        min_length=1,
    )
    """The chain for every field not named under `fields`: each rule decides what the
    rules before it left tied."""
    fields: dict[str, list[SurvivorshipRule]] = {}
    """Chains for single fields, e.g. ``email: [most_recent]``."""

    @field_validator("default")
    @classmethod
    def _no_rule_twice(cls, chain: list[SurvivorshipRule]) -> list[SurvivorshipRule]:
        return _checked_chain(chain)

    @field_validator("fields")
    @classmethod
    def _person_fields(
        cls, chains: dict[str, list[SurvivorshipRule]]
    ) -> dict[str, list[SurvivorshipRule]]:
        for field, chain in chains.items():
            if field not in PERSON_FIELDS:
                raise ValueError(
                    f"{field!r} is not a person field; use one of {', '.join(PERSON_FIELDS)}"
                )
            try:
                _checked_chain(chain)
            except ValueError as exc:
                raise ValueError(f"{field}: {exc}") from None
        return chains

    def chain(self, field: str) -> list[SurvivorshipRule]:
        """The rules that choose `field`'s value, in order."""
        return self.fields.get(field, self.default)


def _checked_chain(chain: list[SurvivorshipRule]) -> list[SurvivorshipRule]:
    if not chain:
        raise ValueError("give at least one rule")
    repeated = sorted({rule for rule in chain if chain.count(rule) > 1})
    if repeated:
        raise ValueError(f"rule {repeated[0]!r} appears twice in one chain")
    return chain


@dataclass(frozen=True)
class GoldenRecords:
    """Golden customer records and the lineage of each golden value."""

    golden: pd.DataFrame
    """One row per cluster: ``cluster_id``, the person fields, ``record_count`` and
    ``sources`` (the distinct contributing sources, sorted, comma-separated)."""
    lineage: pd.DataFrame
    """One row per golden value: ``cluster_id, field, record_id, rule``."""


def survive(
    records: pd.DataFrame,
    clusters: pd.Series,
    trust_ranks: Mapping[str, int],
    rules: SurvivorshipRules | None = None,
) -> GoldenRecords:
    """Build one golden record per cluster, each field chosen by its rule chain.

    Args:
        records: Canonical customer records.
        clusters: Cluster id by record id (`CustomerLinks.clusters`).
        trust_ranks: Source name → rank; lower is more trusted. Sources not listed rank
            after every listed one.
        rules: The rule chain per field; the default chain when not given.

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
    fields = [field for field in PERSON_FIELDS if field in clustered.columns]
    filled = pd.DataFrame({f: clustered[f].notna() & _not_blank(clustered[f]) for f in fields})
    clustered["_gaps"] = len(fields) - filled.sum(axis=1)
    ranked = clustered.sort_values([CLUSTER_ID, RECORD_ID], kind="stable")
    filled = filled.loc[ranked.index]
    rules = rules or SurvivorshipRules()

    golden = pd.DataFrame(index=pd.Index(sorted(ranked[CLUSTER_ID].unique()), name=CLUSTER_ID))
    lineage_parts = []
    for field in PERSON_FIELDS:
        if field not in filled.columns:
            lineage_parts.append(_empty_lineage())
            golden[field] = None
            continue
        winners, lineage = _survive_field(ranked[filled[field]], field, rules.chain(field))
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


#: Column of the ranked records each rule sorts by, smallest first.
_RULE_KEYS: Final = {
    SOURCE_TRUST: "_rank",
    MOST_RECENT: "_age",
    MOST_FREQUENT: "_rarity",
    MOST_COMPLETE: "_gaps",
}


def _survive_field(
    holders: pd.DataFrame, field: str, chain: list[SurvivorshipRule]
) -> tuple[pd.Series, pd.DataFrame]:
    """Winning value per cluster and its lineage rows, from the records holding a value."""
    candidates = holders[[CLUSTER_ID, RECORD_ID, field, "_rank", "_age", "_gaps"]].copy()
    # How many of the cluster's records hold each value, negated to sort first.
    candidates["_rarity"] = -candidates.groupby([CLUSTER_ID, field])[RECORD_ID].transform("size")
    keys = [_RULE_KEYS[rule] for rule in chain]
    candidates = candidates.sort_values([CLUSTER_ID, *keys, RECORD_ID], kind="stable")
    first_rows = ~candidates[CLUSTER_ID].duplicated()
    first = candidates[first_rows.to_numpy()].set_index(CLUSTER_ID)
    # The best record holding another value: what the winner was chosen over.
    winning_value = candidates[CLUSTER_ID].map(first[field])
    others = candidates[(candidates[field] != winning_value).to_numpy()]
    runner_up = others.drop_duplicates(CLUSTER_ID).set_index(CLUSTER_ID).reindex(first.index)
    counts = candidates.groupby(CLUSTER_ID).size().reindex(first.index)

    decided = [first[key] < runner_up[key] for key in keys]
    undecided = [runner_up[RECORD_ID].isna() & (counts == 1), runner_up[RECORD_ID].isna()]
    rule = np.select(
        [*undecided, *decided], [ONLY_VALUE, SAME_VALUE, *chain], default=RECORD_ID_ORDER
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


def _not_blank(values: pd.Series) -> pd.Series:
    """False for text that is only whitespace."""
    if values.dtype != object:
        return pd.Series(True, index=values.index)
    return values.map(lambda v: not isinstance(v, str) or bool(v.strip())).astype(bool)


def _empty_lineage() -> pd.DataFrame:
    return pd.DataFrame({CLUSTER_ID: [], "field": [], RECORD_ID: [], "rule": []}, dtype=object)
