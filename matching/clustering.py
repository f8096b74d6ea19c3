"""Clustering: from linked pairs to customers, without chaining different people together.

Connected components alone merge a household through a chain of links (A~B by a
shared e-mail, B~C by the same address). So a component is kept whole only if it
is within the size cap and holds no evidence that two of its records are
different people: an unlinked pair whose comparisons speak against it (a cannot-link
pair among them), or birth dates or given names that disagree beyond a typo. Any other
component is rebuilt greedily from its links, strongest first, merging two clusters
only when no such evidence crosses them and the cap holds; must-link pairs merge
first, whatever the evidence and the cap.

Records are identified by position; callers order them by record id, so the
result does not depend on input order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from matching.blocking import pairs_within_groups
from matching.comparison import (
    DIFFERENT_LEVEL,
    AttributeLevels,
    BirthDateLevels,
    GivenNameLevels,
    LevelComparison,
)

#: The column (and series name) holding each record's cluster: the smallest record id in it.
CLUSTER_ID = "cluster_id"

#: Positions of record pairs in, whether each pair shows two different people out.
ConflictCheck = Callable[[np.ndarray, np.ndarray], np.ndarray]

# Components up to this size have all their record pairs checked for conflicts at once.
_EXHAUSTIVE_CHECK_LIMIT = 2_000

#: Attributes whose outright disagreement can keep two records apart.
CONFLICT_COMPARISONS: dict[str, LevelComparison] = {
    "birth_date": BirthDateLevels(),
    "given_name": GivenNameLevels(),
}


@dataclass(frozen=True)
class PairSet:
    """Record pairs by position (``left[i]`` with ``right[i]``)."""

    left: np.ndarray
    right: np.ndarray


def conflict_check(
    match_fields: pd.DataFrame,
    attributes: Sequence[str],
    identifiers: Sequence[AttributeLevels] = (),
) -> ConflictCheck:
    """A check that flags pairs whose `attributes` are both known and plainly different.

    Args:
        match_fields: Output of `prepare_match_fields`.
        attributes: Keys of `CONFLICT_COMPARISONS`, e.g. ``birth_date``: dates that are
            not a typo of each other; ``given_name``: names that are not the same,
            similar, a nickname or an initial of each other.
        identifiers: Comparisons of extra attributes that identify a person: pairs that
            agree on one (up to a typo, see `AttributeLevels.identity_level`) never
            conflict.
    """
    comparisons = [CONFLICT_COMPARISONS[a] for a in attributes]
    columns = {
        f: match_fields[f].to_numpy() for c in [*comparisons, *identifiers] for f in c.match_fields
    }

    def levels(comparison: LevelComparison, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        return comparison.levels(
            {f: columns[f][left] for f in comparison.match_fields},
            {f: columns[f][right] for f in comparison.match_fields},
        )

    def conflicts(left: np.ndarray, right: np.ndarray) -> np.ndarray:
        if not comparisons:
            return np.zeros(len(left), dtype=bool)
        pair_levels = {c.comparison_name: levels(c, left, right) for c in comparisons}
        pair_levels |= {c.comparison_name: levels(c, left, right) for c in identifiers}
        return conflicting_levels(pair_levels, attributes, identifiers)

    return conflicts


def conflicting_levels(
    levels: Mapping[str, np.ndarray],
    attributes: Sequence[str],
    identifiers: Sequence[AttributeLevels] = (),
) -> np.ndarray:
    """Pairs whose levels show two different people: one of `attributes` (see
    `conflict_check`) at the different level, and no identifier agreeing up to its
    identity level.

    Args:
        levels: Each pair's level, by comparison name; holds `attributes` and `identifiers`.
        attributes: Keys of `CONFLICT_COMPARISONS`.
        identifiers: Comparisons of extra attributes that identify a person.
    """
    found = np.zeros(len(next(iter(levels.values()), ())), dtype=bool)
    for attribute in attributes:
        found |= levels[attribute] == DIFFERENT_LEVEL
    for identifier in identifiers:
        found &= levels[identifier.comparison_name] < identifier.identity_level
    return found


def cluster_records(
    record_count: int,
    links: PairSet,
    link_weights: np.ndarray,
    non_matches: PairSet,
    conflicts: ConflictCheck,
    max_cluster_size: int,
    must_link: PairSet | None = None,
) -> np.ndarray:
    """Assign every record to a cluster.

    Args:
        record_count: Number of records (positions ``0 .. record_count - 1``).
        links: Linked pairs.
        link_weights: Match weight of each link; stronger links merge first.
        non_matches: Scored pairs that are evidence of different people.
        conflicts: Flags record pairs that are plainly different people.
        max_cluster_size: Largest allowed cluster.
        must_link: Pairs that share a cluster whatever the evidence and the cap; they
            merge before any link.

    Returns:
        For each record, the smallest position in its cluster.
    """
    must_link = must_link or PairSet(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))
    # Must-link pairs join the links as the strongest of all.
    links = PairSet(*_joined(must_link, links))
    link_weights = np.r_[np.full(len(must_link.left), np.inf), link_weights]
    is_must = np.arange(len(links.left)) < len(must_link.left)
    components = _components(record_count, links)
    sizes = np.bincount(components, minlength=record_count)
    inside = components[non_matches.left] == components[non_matches.right]
    checked, unchecked = _conflicting_pairs_in_components(components, sizes, conflicts)
    forbidden = PairSet(
        np.r_[non_matches.left[inside], checked.left],
        np.r_[non_matches.right[inside], checked.right],
    )
    suspect = sizes > max_cluster_size
    suspect[components[forbidden.left]] = True

    # Forbidden pairs grouped by component, to hand each split only its own.
    forbidden_component = components[forbidden.left]
    order = np.argsort(forbidden_component, kind="stable")
    forbidden = PairSet(forbidden.left[order], forbidden.right[order])
    forbidden_component = forbidden_component[order]
    link_order = np.argsort(components[links.left], kind="stable")
    link_component = components[links.left][link_order]

    labels = components.copy()
    for component in np.flatnonzero(suspect):
        own = slice(*np.searchsorted(forbidden_component, [component, component + 1]))
        own_links = link_order[slice(*np.searchsorted(link_component, [component, component + 1]))]
        labels_of = _greedy_clusters(
            PairSet(links.left[own_links], links.right[own_links]),
            link_weights[own_links],
            is_must[own_links],
            np.flatnonzero(components == component),
            PairSet(forbidden.left[own], forbidden.right[own]),
            conflicts if component in unchecked else None,
            max_cluster_size,
        )
        for member, label in labels_of.items():
            labels[member] = label
    return _smallest_member(labels)


def _joined(first: PairSet, second: PairSet) -> tuple[np.ndarray, np.ndarray]:
    return np.r_[first.left, second.left], np.r_[first.right, second.right]


def _components(record_count: int, links: PairSet) -> np.ndarray:
    graph = coo_matrix(
        (np.ones(len(links.left), dtype=np.int8), (links.left, links.right)),
        shape=(record_count, record_count),
    )
    _, labels = connected_components(graph, directed=False)
    return _smallest_member(labels)


def _smallest_member(labels: np.ndarray) -> np.ndarray:
    """Relabel each group by its smallest position, so labels are positions too."""
    record_count = len(labels)
    smallest = np.full(record_count, record_count, dtype=np.int64)
    np.minimum.at(smallest, labels, np.arange(record_count))
    relabelled: np.ndarray = smallest[labels]
    return relabelled


def _conflicting_pairs_in_components(
    components: np.ndarray, sizes: np.ndarray, conflicts: ConflictCheck
) -> tuple[PairSet, set[int]]:
    """Conflicting record pairs inside every component small enough to check exhaustively.

    Returns:
        The conflicting pairs, and the components too large to check (their merges are
        checked one by one instead).
    """
    member_sizes = sizes[components]
    members = np.flatnonzero((member_sizes > 1) & (member_sizes <= _EXHAUSTIVE_CHECK_LIMIT))
    members = members[np.argsort(components[members], kind="stable")]
    left, right, _, _ = pairs_within_groups(components[members])
    found = conflicts(members[left], members[right]) if len(left) else np.zeros(0, dtype=bool)
    unchecked = set(np.unique(components[member_sizes > _EXHAUSTIVE_CHECK_LIMIT]).tolist())
    return PairSet(members[left[found]], members[right[found]]), unchecked


def _greedy_clusters(
    links: PairSet,
    weights: np.ndarray,
    must: np.ndarray,
    members: np.ndarray,
    forbidden_pairs: PairSet,
    conflicts: ConflictCheck | None,
    max_cluster_size: int,
) -> dict[int, int]:
    """Cluster one component's records from its links, strongest first (ties by position).

    Two clusters merge only if no forbidden pair crosses them, `conflicts` (when given)
    flags no cross pair, and the merged size is within the cap — unless the link is a
    `must` link, which always merges.
    """
    member_set = set(members.tolist())
    forbidden: dict[int, set[int]] = {m: set() for m in member_set}
    for a, b in zip(forbidden_pairs.left.tolist(), forbidden_pairs.right.tolist(), strict=True):
        forbidden[a].add(b)
        forbidden[b].add(a)
    parent = {m: m for m in member_set}
    cluster_members = {m: [m] for m in member_set}

    def root(record: int) -> int:
        while parent[record] != record:
            parent[record] = parent[parent[record]]
            record = parent[record]
        return record

    for k in np.lexsort((links.right, links.left, -weights)):
        first, second = root(int(links.left[k])), root(int(links.right[k]))
        if first == second:
            continue
        if not must[k] and not _may_merge(
            cluster_members[first], cluster_members[second], forbidden, conflicts, max_cluster_size
        ):
            continue
        keep, drop = min(first, second), max(first, second)
        parent[drop] = keep
        cluster_members[keep] += cluster_members.pop(drop)
    return {m: root(m) for m in member_set}


def _may_merge(
    first: list[int],
    second: list[int],
    forbidden: dict[int, set[int]],
    conflicts: ConflictCheck | None,
    max_cluster_size: int,
) -> bool:
    """Two clusters may merge if within the cap and nothing says their records differ."""
    if len(first) + len(second) > max_cluster_size:
        return False
    small, large = sorted((first, second), key=len)
    large_set = set(large)
    if any(forbidden[r] & large_set for r in small):
        return False
    if conflicts is not None:
        cross_left = np.repeat(small, len(large))
        cross_right = np.tile(large, len(small))
        if conflicts(cross_left, cross_right).any():
            return False
    return True
