"""Survivorship: one golden value per field and cluster, and where each came from.

Each field's value comes from the record that a chain of rules ranks first among the
cluster's records that have one (`SurvivorshipRules`; by default the most trusted source,
then the most recently updated record); what the chain leaves tied, the smallest record
id decides. In names, street and city, spellings of one value (``Hüseyin``, ``Huseyin``,
``HÜSEYIN``) are one candidate, published in its richest spelling (`matching.spellings`).
The lineage names, for every golden value, the record it came from (one that holds the
published spelling) and the rule that set it apart from the best record with another
value.
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
from matching.spellings import (
    TEXT_FIELDS,
    candidate_codes,
    spelling_richness,
    swapped_name_pairs,
)
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

    In free-text fields (`TEXT_FIELDS`: names, street, city) the values equal after
    folding case, diacritics and transliteration are one candidate: the rules count all
    its records, and the golden record takes its richest spelling (`spelling_richness`;
    ``Hüseyin`` over ``Huseyin``, ``Fürstenfeldbruck`` over ``FÜRSTENFELDBRUCK``), the
    rules choosing among equally rich ones. A record whose given and family names are
    another record's in the other order counts for that name in the order most records
    write it (`swapped_name_pairs`).

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
    cluster_of = records[RECORD_ID].map(clusters)
    unclustered = cluster_of.isna()
    if unclustered.any():
        shown = ", ".join(map(str, records.loc[unclustered, RECORD_ID].head(5)))
        raise MatchingError(
            f"{int(unclustered.sum())} records have no cluster (e.g. {shown}); "
            "pass the clusters of a matching run over these same records"
        )
    rules = rules or SurvivorshipRules()
    # Everything below sorts and groups numbers: cluster ids and record ids are numbered
    # in their sorted order once, which is what makes a million records quick.
    cluster_numbers, cluster_ids = pd.factorize(cluster_of, sort=True)
    # Each field's values numbered once (equal values, one number; -1 where missing).
    values = {
        field: _Values(*pd.factorize(records[field]))
        for field in PERSON_FIELDS
        if field in records.columns
    }
    filled = {field: _filled(numbered) for field, numbered in values.items()}
    ranked = _ranked_records(records, cluster_numbers, len(cluster_ids), trust_ranks, filled)
    candidates, holds_spelling = _candidates(values, filled, ranked, rules)

    # From a list, so that no records give an empty index of objects.
    golden = pd.DataFrame(index=pd.Index(cluster_ids.tolist(), name=CLUSTER_ID))
    lineage_parts: list[tuple[np.ndarray, str, np.ndarray, np.ndarray]] = []
    for field in PERSON_FIELDS:
        if field not in values:
            golden[field] = None
            continue
        winners, sources, rule = _survive_field(
            values[field],
            np.flatnonzero(filled[field]),
            candidates[field],
            holds_spelling.get(field),
            ranked,
            rules.chain(field),
        )
        chosen = np.full(len(cluster_ids), -1, dtype=np.int64)
        chosen[winners] = sources
        # Clusters without a value get the column's missing value (NaN, NaT).
        golden[field] = records[field].array.take(chosen, allow_fill=True)
        lineage_parts.append((winners, field, sources, rule))

    golden["record_count"] = np.bincount(cluster_numbers, minlength=len(cluster_ids))
    golden["sources"] = _sources(records["source"], cluster_numbers, len(cluster_ids))
    return GoldenRecords(
        golden=golden.reset_index(),
        lineage=_lineage(lineage_parts, cluster_ids, records[RECORD_ID]),
    )


@dataclass(frozen=True)
class _Values:
    """One field's values, numbered (`pandas.factorize`)."""

    numbers: np.ndarray
    """Each record's value's number; -1 where missing."""
    distinct: pd.Index
    """The distinct values, by number."""


@dataclass(frozen=True)
class _RankedRecords:
    """The records as the rules see them, in input order."""

    clusters: np.ndarray
    """Cluster number of each record (cluster ids numbered in sorted order)."""
    cluster_count: int
    record_order: np.ndarray
    """Each record id's place in sorted order: the last tie-break."""
    keys: dict[str, np.ndarray]
    """Each rule's sort key but `most_frequent`'s (which depends on the field), smallest
    first."""


def _ranked_records(
    records: pd.DataFrame,
    cluster_numbers: np.ndarray,
    cluster_count: int,
    trust_ranks: Mapping[str, int],
    filled: Mapping[str, np.ndarray],
) -> _RankedRecords:
    unranked = max(trust_ranks.values(), default=0) + 1
    rank = records["source"].map(trust_ranks).fillna(unranked).to_numpy(dtype=np.float64)
    updated = pd.to_datetime(
        records.get("source_updated_at", pd.Series(pd.NaT, index=records.index)),
        utc=True,
        errors="coerce",
    )
    # Sorting by age puts the most recent first and unknown update times last.
    nanoseconds = updated.astype("int64").astype(np.float64).where(updated.notna())
    age = (-nanoseconds).fillna(np.inf).to_numpy()
    gaps = np.full(len(records), len(filled), dtype=np.int64)
    for present in filled.values():
        gaps -= present
    record_order, _ = pd.factorize(records[RECORD_ID], sort=True)
    return _RankedRecords(
        clusters=np.asarray(cluster_numbers, dtype=np.int64),
        cluster_count=cluster_count,
        record_order=record_order,
        keys={SOURCE_TRUST: rank, MOST_RECENT: age, MOST_COMPLETE: gaps},
    )


def _candidates(
    values: Mapping[str, _Values],
    filled: Mapping[str, np.ndarray],
    ranked: _RankedRecords,
    rules: SurvivorshipRules,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Each record's candidate number per field, and per free-text field whether the
    record holds its candidate's spelling in that field (not only in the other name)."""
    candidates: dict[str, np.ndarray] = {}
    holds_spelling: dict[str, np.ndarray] = {}
    # Given and family names are numbered together, to find pairs in the other order.
    names = [name for name in ("given_name", "family_name") if name in values]
    texts = [[name] for name in names] if len(names) < 2 else [names]
    texts += [[field] for field in TEXT_FIELDS if field in values and field not in names]
    for together in texts:
        columns = [(values[field].numbers, values[field].distinct) for field in together]
        for field, codes in zip(together, candidate_codes(columns), strict=True):
            candidates[field] = np.where(filled[field], codes, -1)
            holds_spelling[field] = np.ones(len(codes), dtype=bool)
    for field, numbered in values.items():
        candidates.setdefault(field, numbered.numbers)
    if len(names) == 2:
        given, family = candidates["given_name"], candidates["family_name"]
        # Ties in the order of a swapped pair go to the record the given name's chain
        # ranks first (frequency aside: the two orders are equally frequent).
        tie_rules = [rule for rule in rules.chain("given_name") if rule != MOST_FREQUENT]
        preference = [*(ranked.keys[rule] for rule in tie_rules), ranked.record_order]
        swapped = swapped_name_pairs(ranked.clusters, given, family, preference)
        candidates["given_name"] = np.where(swapped, family, given)
        candidates["family_name"] = np.where(swapped, given, family)
        holds_spelling["given_name"] = holds_spelling["family_name"] = ~swapped
    return candidates, holds_spelling


def _survive_field(
    values: _Values,
    holders: np.ndarray,
    candidates: np.ndarray,
    holds_spelling: np.ndarray | None,
    ranked: _RankedRecords,
    chain: list[SurvivorshipRule],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The clusters with a value, the record each takes its value from, and the rule.

    Args:
        values: The field's values, numbered.
        holders: Positions of the records holding a value.
        candidates: Candidate number of every record's value (`_candidates`).
        holds_spelling: For free-text fields, whether each record holds its candidate's
            spelling in this field; ``None`` for the others, taken as they are.
        ranked: The records' clusters and rule keys.
        chain: The field's rules.

    Returns:
        Cluster numbers (ascending), record positions and rule names, aligned.
    """
    clusters = ranked.clusters[holders]
    candidate = candidates[holders]
    # How many of the cluster's records hold each candidate, negated to sort first.
    keys = [
        -_group_sizes(clusters, candidate) if rule == MOST_FREQUENT else ranked.keys[rule][holders]
        for rule in chain
    ]
    order = np.lexsort((ranked.record_order[holders], *reversed(keys), clusters))
    clusters, candidate = clusters[order], candidate[order]
    keys = [key[order] for key in keys]

    first = _first_of_each(clusters)
    winners = clusters[first]
    winning = np.full(ranked.cluster_count, -1, dtype=np.int64)
    winning[winners] = candidate[first]
    chosen = candidate == winning[clusters]
    # The best record holding another candidate: what the winner was chosen over.
    others = np.flatnonzero(~chosen)
    best_other = np.full(ranked.cluster_count, -1, dtype=np.int64)
    best_others = others[_first_of_each(clusters[others])]
    best_other[clusters[best_others]] = best_others
    runner_up = best_other[winners]
    contested = runner_up >= 0
    compared = np.where(contested, runner_up, first)
    sizes = np.bincount(clusters, minlength=ranked.cluster_count)[winners]
    decided = [contested & (key[first] < key[compared]) for key in keys]
    undecided = [~contested & (sizes == 1), ~contested]
    rule = np.select(
        [*undecided, *decided], [ONLY_VALUE, SAME_VALUE, *chain], default=RECORD_ID_ORDER
    ).astype(object)

    sources = holders[order]
    if holds_spelling is None:
        return winners, sources[first], rule
    spelled = _richest_spellings(
        values, sources, clusters, chosen & holds_spelling[sources], keys, chain
    )
    return winners, sources[spelled], rule


def _richest_spellings(
    values: _Values,
    sources: np.ndarray,
    clusters: np.ndarray,
    chosen: np.ndarray,
    keys: list[np.ndarray],
    chain: list[SurvivorshipRule],
) -> np.ndarray:
    """Position of each cluster's richest spelling among its chosen rows.

    The rows arrive in the chain's order, from the records at `sources`; equally rich
    spellings go to the chain, frequency counting each spelling alone.
    """
    rows = np.flatnonzero(chosen)
    clusters, spellings = clusters[rows], values.numbers[sources[rows]]
    # Every cluster with a value has a row here: the best record of the winning candidate
    # holds its spelling, or (a swapped name pair) the records of the majority's order do.
    starts = _first_of_each(clusters)
    # Where a cluster's chosen records all spell alike, the best of them stands.
    spelled: np.ndarray = rows[starts]
    starting = np.zeros(len(rows), dtype=bool)
    starting[starts] = True
    run = np.cumsum(starting) - 1
    varied = np.zeros(len(starts), dtype=bool)
    varied[run[spellings != spellings[starts][run]]] = True
    if not varied.any():
        return spelled
    among = np.flatnonzero(varied[run])
    rows, clusters, spellings = rows[among], clusters[among], spellings[among]
    distinct, spellings = np.unique(spellings, return_inverse=True)
    diacritics, mixed_case = (
        richness[spellings] for richness in spelling_richness(values.distinct[distinct])
    )
    tie_keys = [key[rows] for key in keys]
    if MOST_FREQUENT in chain:
        tie_keys[chain.index(MOST_FREQUENT)] = -_group_sizes(clusters, spellings)
    order = np.lexsort((rows, *reversed(tie_keys), -mixed_case, -diacritics, clusters))
    spelled[varied] = rows[order][_first_of_each(clusters[order])]
    return spelled


def _first_of_each(sorted_clusters: np.ndarray) -> np.ndarray:
    """Positions where each run of equal cluster numbers starts."""
    if not len(sorted_clusters):
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, sorted_clusters[1:] != sorted_clusters[:-1]])


def _group_sizes(clusters: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """For each row, how many rows share its cluster and code (both non-negative)."""
    # Both count at most the records, so their combination fits in 64 bits.
    combined = clusters.astype(np.int64) * (int(codes.max(initial=0)) + 1) + codes
    _, inverse, sizes = np.unique(combined, return_inverse=True, return_counts=True)
    return np.asarray(sizes[inverse.reshape(-1)], dtype=np.int64)


def _filled(values: _Values) -> np.ndarray:
    """True where a record holds a value: not missing, and not only whitespace."""
    blank = [isinstance(value, str) and not value.strip() for value in values.distinct]
    # Number -1, a missing value, picks the appended True.
    filled: np.ndarray = ~np.array([*blank, True], dtype=bool)[values.numbers]
    return filled


def _sources(sources: pd.Series, cluster_numbers: np.ndarray, cluster_count: int) -> np.ndarray:
    """Each cluster's distinct sources, sorted and comma-separated."""
    source_numbers, names = pd.factorize(sources.astype(str), sort=True)
    present = []
    # Number each cluster's set of sources, one source at a time.
    combination = np.zeros(cluster_count, dtype=np.int64)
    for source in range(len(names)):
        present.append(np.zeros(cluster_count, dtype=bool))
        present[source][cluster_numbers[source_numbers == source]] = True
        combination, _ = pd.factorize(combination * 2 + present[source])
    _, example = np.unique(combination, return_index=True)
    labels = [
        ",".join(name for name, held in zip(names, present, strict=True) if held[cluster])
        for cluster in example
    ]
    return np.array(labels, dtype=object)[combination]


def _lineage(
    parts: list[tuple[np.ndarray, str, np.ndarray, np.ndarray]],
    cluster_ids: pd.Index,
    record_ids: pd.Series,
) -> pd.DataFrame:
    """One row per golden value, by cluster id, then field name."""
    if not parts:
        return pd.DataFrame({CLUSTER_ID: [], "field": [], RECORD_ID: [], "rule": []}, dtype=object)
    clusters = np.concatenate([winners for winners, _, _, _ in parts])
    fields = np.repeat(
        np.array([field for _, field, _, _ in parts], dtype=object),
        [len(winners) for winners, _, _, _ in parts],
    )
    sources = np.concatenate([positions for _, _, positions, _ in parts])
    rules = np.concatenate([rule for _, _, _, rule in parts])
    field_order, _ = pd.factorize(pd.Series(fields), sort=True)
    order = np.lexsort((field_order, clusters))
    return pd.DataFrame(
        {
            CLUSTER_ID: np.asarray(cluster_ids)[clusters[order]],
            "field": fields[order],
            RECORD_ID: record_ids.to_numpy()[sources[order]],
            "rule": rules[order],
        }
    )
