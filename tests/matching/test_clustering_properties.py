"""Properties of clustering: connected components as networkx finds them, and clusters
that do not depend on the order the links arrive in."""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.clustering import ConflictCheck, PairSet, cluster_records


@dataclass(frozen=True)
class _Graph:
    """Records ``0 .. record_count - 1`` and pairs of them, each pair with a weight."""

    record_count: int
    pairs: list[tuple[int, int]]
    weights: list[float]


@st.composite
def _graphs(draw: st.DrawFn, max_records: int = 30, max_pairs: int = 45) -> _Graph:
    record_count = draw(st.integers(1, max_records))
    pair = st.tuples(st.integers(0, record_count - 1), st.integers(0, record_count - 1))
    # Callers give each pair once, smaller position first.
    pairs = draw(
        st.lists(
            pair.filter(lambda p: p[0] != p[1]).map(lambda p: (min(p), max(p))),
            max_size=max_pairs,
            unique=True,
        )
    )
    # Few distinct weights, so that ties between links are common.
    weights = draw(st.lists(st.sampled_from([-2.0, 0.5, 3.0, 7.5, 12.0]), min_size=len(pairs)))
    return _Graph(record_count, pairs, weights[: len(pairs)])


def _pair_set(pairs: list[tuple[int, int]]) -> PairSet:
    return PairSet(
        np.array([left for left, _ in pairs], dtype=np.int64),
        np.array([right for _, right in pairs], dtype=np.int64),
    )


def _no_conflicts(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    return np.zeros(len(left), dtype=bool)


def _conflicts_among(conflicting: set[frozenset[int]]) -> ConflictCheck:
    """A conflict check that flags exactly the given record pairs, in either order."""

    def conflicts(left: np.ndarray, right: np.ndarray) -> np.ndarray:
        return np.array(
            [frozenset((a, b)) in conflicting for a, b in zip(left, right, strict=True)],
            dtype=bool,
        )

    return conflicts


def _clusters(labels: np.ndarray) -> set[frozenset[int]]:
    members: dict[int, set[int]] = {}
    for position, label in enumerate(labels.tolist()):
        members.setdefault(label, set()).add(position)
    return {frozenset(group) for group in members.values()}


@settings(max_examples=200, deadline=None, derandomize=True)
@given(graph=_graphs())
def test_without_evidence_against_a_link_clusters_are_the_connected_components(
    graph: _Graph,
) -> None:
    labels = cluster_records(
        graph.record_count,
        _pair_set(graph.pairs),
        np.array(graph.weights, dtype=float),
        _pair_set([]),
        _no_conflicts,
        max_cluster_size=graph.record_count + 1,
    )

    reference = nx.Graph()
    reference.add_nodes_from(range(graph.record_count))
    reference.add_edges_from(graph.pairs)
    assert _clusters(labels) == {frozenset(c) for c in nx.connected_components(reference)}
    # Each cluster is named by its smallest position.
    for cluster in _clusters(labels):
        assert {labels[member] for member in cluster} == {min(cluster)}


@st.composite
def _constrained_graphs(
    draw: st.DrawFn,
) -> tuple[_Graph, list[tuple[int, int]], set[frozenset[int]], list[tuple[int, int]], int]:
    """A graph with evidence against some pairs and a cap small enough to split it."""
    graph = draw(_graphs(max_records=16, max_pairs=30))
    positions = st.integers(0, graph.record_count - 1)
    distinct_pair = st.tuples(positions, positions).filter(lambda p: p[0] != p[1])
    ordered_pair = distinct_pair.map(lambda p: (min(p), max(p)))
    non_matches = draw(st.lists(ordered_pair, max_size=6, unique=True))
    conflicting = {frozenset(p) for p in draw(st.lists(distinct_pair, max_size=6))}
    must_link = draw(st.lists(ordered_pair, max_size=3, unique=True))
    max_cluster_size = draw(st.integers(1, graph.record_count + 1))
    return graph, non_matches, conflicting, must_link, max_cluster_size


@settings(max_examples=150, deadline=None, derandomize=True)
@given(case=_constrained_graphs(), shuffle_seed=st.integers(0, 2**32 - 1))
def test_clusters_do_not_depend_on_the_order_of_the_links(
    case: tuple[_Graph, list[tuple[int, int]], set[frozenset[int]], list[tuple[int, int]], int],
    shuffle_seed: int,
) -> None:
    graph, non_matches, conflicting, must_link, max_cluster_size = case
    rng = np.random.default_rng(shuffle_seed)
    link_order = rng.permutation(len(graph.pairs))
    non_match_order = rng.permutation(len(non_matches))
    must_link_order = rng.permutation(len(must_link))

    def clustered(
        links: list[tuple[int, int]],
        weights: list[float],
        non_matches: list[tuple[int, int]],
        must_link: list[tuple[int, int]],
    ) -> set[frozenset[int]]:
        labels = cluster_records(
            graph.record_count,
            _pair_set(links),
            np.array(weights, dtype=float),
            _pair_set(non_matches),
            _conflicts_among(conflicting),
            max_cluster_size,
            must_link=_pair_set(must_link),
        )
        return _clusters(labels)

    as_given = clustered(graph.pairs, graph.weights, non_matches, must_link)
    shuffled = clustered(
        [graph.pairs[k] for k in link_order],
        [graph.weights[k] for k in link_order],
        [non_matches[k] for k in non_match_order],
        [must_link[k] for k in must_link_order],
    )
    assert shuffled == as_given
