"""Linking: the matching run from canonical records to scored pairs and clusters."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from matching.blocking import (
    BlockingPassReport,
    CandidatePairs,
    found_by,
    pass_name,
    passes_in_force,
)
from matching.blocking_estimate import BlockingEstimate, estimate_blocking_recall
from matching.clustering import (
    CLUSTER_ID,
    ConflictCheck,
    PairSet,
    conflict_check,
    conflicting_levels,
)
from matching.comparison import (
    ATTRIBUTE_COMPARISONS,
    DEFAULT_COMPARISONS,
    AttributeLevels,
    LevelComparison,
    equal_values,
)
from matching.constraints import PairConstraints, pair_constraints
from matching.decisions import (
    CANNOT_LINK,
    CLUSTERING,
    CONFLICT,
    KEPT,
    LINK,
    MUST_LINK,
    NON_LINK,
    REVIEW,
    SCORE,
    decide,
)
from matching.drift import ModelDrift, TrainingProfile
from matching.engine import LocalEngine, MatchingEngine
from matching.exceptions import MatchingError
from matching.households import Households, conflicting_attributes, households
from matching.incremental import ComparedPairs
from matching.labels import LabelledPairs, locate_labels, training_levels
from matching.mapped_attributes import with_mapped_attributes
from matching.match_fields import prepare_match_fields
from matching.scoring import (
    FellegiSunterModel,
    fit_fellegi_sunter,
    level_counts,
    match_probability,
)
from matching.settings import BlockingPass, MatchSettings
from matching.untouched import NOT_KEPT, keeping_together, kept_customers, kept_whole
from quality import RECORD_ID


@dataclass(frozen=True)
class CustomerLinks:
    """The result of a matching run."""

    pairs: pd.DataFrame
    """Linked, review and constrained pairs: ``record_id_l < record_id_r``,
    ``match_weight``, ``match_probability``, ``decision``, ``decided_by`` (see
    `matching.decisions`), and ``<comparison>_level`` / ``<comparison>_weight`` per
    comparison. Unconstrained pairs scored below the review threshold are left out."""
    clusters: pd.Series
    """Cluster id of every input record (singletons included), indexed by record id.
    A cluster's id is the smallest record id in it."""
    candidate_pairs_by_pass: dict[str, BlockingPassReport]
    """What each blocking pass contributed, by pass name (``birth_date+family_name_metaphone``)."""
    model: FellegiSunterModel
    """The scoring model the pairs were scored with."""
    compared: ComparedPairs
    """Every candidate pair with its levels: what a later incremental run reuses."""
    stage_seconds: dict[str, float] = field(default_factory=dict)
    """Wall-clock seconds of each stage of the run, in order."""
    absent_constraint_records: tuple[str, ...] = ()
    """Record ids that must-link or cannot-link constraints name but the run lacks."""
    households: Households | None = None
    """What the candidate pairs said about households, where the settings left the
    conflicting attributes to the records (None where they declare them)."""
    conflicting_attributes: tuple[str, ...] = ()
    """The attributes whose plain disagreement kept records apart in this run."""
    blocking_estimate: BlockingEstimate | None = None
    """The matches expected among the candidate pairs and outside them (no labels needed)."""
    training_profile: TrainingProfile | None = None
    """This run's records and candidate pairs, as a model trained on them keeps them."""
    model_drift: ModelDrift | None = None
    """How far the data drifted from what the given model was trained on, where the run
    was given that (``trained_on``); past the limits, the run trained its own model."""
    customers_kept: int = 0
    """Customers no change touched, kept exactly as last published (``last_customers``):
    neither joined to another nor grown by a new or changed record."""
    attribute_comparisons: dict[str, str] = field(default_factory=dict)
    """How each extra attribute was compared, declared or chosen from its values (see
    `matching.with_mapped_attributes`)."""

    def explain(self, record_id_l: str, record_id_r: str) -> pd.DataFrame:
        """Evidence for one linked or review pair: prior and per-comparison level and weight.

        The ``weight`` column sums to the pair's ``match_weight``.

        Raises:
            MatchingError: If the pair is not among `pairs`.
        """
        first, second = sorted((record_id_l, record_id_r))
        rows = self.pairs[
            (self.pairs["record_id_l"] == first) & (self.pairs["record_id_r"] == second)
        ]
        if rows.empty:
            raise MatchingError(
                f"pair ({first}, {second}) was not linked or sent to review, so it has no "
                "explanation; only pairs in `pairs` can be explained"
            )
        row = rows.iloc[0]
        levels = {p.name: int(row[f"{p.name}_level"]) for p in self.model.comparisons}
        adjustments = {
            p.name: float(row[f"{p.name}_weight"]) - float(p.weights()[levels[p.name]])
            for p in self.model.comparisons
        }
        return self.model.explain(levels, adjustments)

    def placing(self, record_ids: pd.Index) -> pd.DataFrame:
        """For each record, the strongest link that placed it with another record: its
        ``match_probability`` and what decided it (``placed_by``: ``score`` or ``must_link``;
        ``single`` for a customer's only record; ``kept`` for a record of a customer the
        run kept as it was, which none of this run's links placed)."""
        linked = self.pairs[self.pairs["decision"] == "link"]
        columns = ["match_probability", "decided_by"]
        both_ends = pd.concat(
            [
                linked[["record_id_l", *columns]].set_axis([RECORD_ID, *columns], axis=1),
                linked[["record_id_r", *columns]].set_axis([RECORD_ID, *columns], axis=1),
            ]
        )
        strongest = both_ends.sort_values(
            [RECORD_ID, "match_probability"], ascending=[True, False], kind="stable"
        ).drop_duplicates(RECORD_ID)
        placing = strongest.set_index(RECORD_ID).reindex(record_ids)
        shared = self.clusters.map(self.clusters.value_counts()).reindex(record_ids) > 1
        unlinked = pd.Series(np.where(shared, "kept", "single"), index=placing.index)
        return placing.assign(placed_by=placing.pop("decided_by").fillna(unlinked))

    def pairs_with_evidence(self) -> pd.DataFrame:
        """`pairs` with each comparison's level and weight gathered in one ``evidence`` dict
        per pair (comparison name → ``level``, ``weight``)."""
        pairs = self.pairs
        comparisons = [c.removesuffix("_level") for c in pairs.columns if c.endswith("_level")]
        # Typed as objects: pandas-stubs allow only scalars in a column's values, not dicts.
        evidence: list[Any] = [
            {
                name: {"level": int(level), "weight": float(weight)}
                for name, level, weight in zip(comparisons, levels, weights, strict=True)
            }
            for levels, weights in zip(
                pairs[[f"{c}_level" for c in comparisons]].itertuples(index=False, name=None),
                pairs[[f"{c}_weight" for c in comparisons]].itertuples(index=False, name=None),
                strict=True,
            )
        ]
        return pairs.assign(evidence=evidence)


def link_records(
    records: pd.DataFrame,
    settings: MatchSettings | None = None,
    model: FellegiSunterModel | None = None,
    comparisons: Sequence[LevelComparison] | None = None,
    previous: CustomerLinks | ComparedPairs | None = None,
    labelled_pairs: pd.DataFrame | None = None,
    engine: MatchingEngine | None = None,
    trained_on: TrainingProfile | None = None,
    last_customers: pd.Series | None = None,
) -> CustomerLinks:
    """Find which canonical records are the same customer.

    Blocking → comparison → Fellegi–Sunter scoring (trained on `records` unless a
    `model` is given) → link/review decisions → clustering that refuses to chain
    different people together.

    Args:
        records: Canonical customer records with unique ``record_id``.
        settings: Matching settings; defaults when omitted. Attributes the records hold
            but the settings do not declare are compared as `with_mapped_attributes` says.
        model: A model trained earlier (e.g. `FellegiSunterModel.from_dict`), to score
            without retraining.
        comparisons: The comparisons to score pairs with; by default `comparisons_for`
            the settings.
        previous: An earlier run's links, or only what it compared (its `compared`,
            as a hub run keeps it between runs), to match incrementally: pairs of records
            unchanged since then are not compared again. An earlier run's links also lend
            their model to this run unless `model` or `labelled_pairs` is given; compared
            pairs alone leave the model to be trained. Either way the result is what a
            full run with the same model gives.
        labelled_pairs: Pairs known to be the same customer or not (``record_id_l,
            record_id_r, is_match``), e.g. steward decisions; training takes them as
            known evidence (see `scoring.fit_fellegi_sunter`). Not with a `model`,
            unless with `trained_on` too.
        engine: Where blocking, comparisons and clustering run (see `matching.engine`);
            in this process by default.
        trained_on: What `model` was trained on. Given, the run measures how far its own
            records and candidate pairs drifted from it (see `matching.drift`) and, past
            the settings' limits, trains a new model instead (with `labelled_pairs`, if
            given).
        last_customers: The customer each record was in as last published, by record id.
            Given with `previous`, each customer none of whose records is new, changed or
            gone keeps its records together, and joins others only through new or
            changed records (see `matching.untouched`); a link between two such customers
            goes to review instead.

    Returns:
        Scored pairs, clusters, blocking report and the model used.

    Raises:
        MatchingError: If record ids are missing or repeated, `model` does not fit
            `comparisons`, or labelled pairs come with a `model` or are not usable (see
            `labels.locate_labels`).
    """
    if model is not None and labelled_pairs is not None and trained_on is None:
        raise MatchingError("labelled pairs train a model: give them or a `model`, not both")
    settings = with_mapped_attributes(settings or MatchSettings(), records)
    engine = engine or LocalEngine()
    comparisons = comparisons_for(settings) if comparisons is None else comparisons
    records = _sorted_by_record_id(records)
    record_ids = records[RECORD_ID].to_numpy(dtype=object)
    record_count = len(record_ids)
    constraints = pair_constraints(record_ids, settings.must_link, settings.cannot_link)
    labelled = None if labelled_pairs is None else locate_labels(record_ids, labelled_pairs)
    seconds: dict[str, float] = {}
    with _timed(seconds, "match_fields"):
        fields = prepare_match_fields(records, list(settings.attributes))
    with _timed(seconds, "blocking"):
        passes = passes_in_force(fields, settings)
        budget = int(settings.max_pairs_per_record * record_count)
        candidates = engine.block(fields, passes, settings.max_block_size, budget)
        constrained = constraints.pairs()
        if len(constrained.left):
            candidates = candidates.including(
                constrained.left, constrained.right, record_count, "constraints"
            )
    with _timed(seconds, "comparison"):
        compared = engine.compare_candidates(
            fields,
            candidates,
            comparisons,
            settings.comparison_chunk_pairs,
            previous.compared if isinstance(previous, CustomerLinks) else previous,
        )
        levels = compared.levels
    identifying = _identifying(comparisons, settings)
    found = households(levels, identifying) if settings.conflicting_attributes is None else None
    conflicting = conflicting_attributes(settings.conflicting_attributes, found)
    profile = TrainingProfile.of(record_count, comparisons, levels, labelled_pairs)
    drift = None
    with _timed(seconds, "training"):
        if model is None and isinstance(previous, CustomerLinks) and labelled is None:
            model = previous.model
        if model is not None and trained_on is not None:
            drift = ModelDrift.between(
                trained_on,
                profile,
                settings.retrain_when_records_change,
                settings.retrain_when_levels_shift,
            )
            model = None if drift.past_limits else model
        if model is None:
            model = _train(
                fields, candidates, levels, comparisons, settings, conflicting, labelled, engine
            )
        else:
            _check_model_fits(model, comparisons)

    frequencies = _shared_value_frequencies(fields, candidates, settings)
    comparison_weights = model.comparison_weights(levels, frequencies)
    weights = model.match_weights(levels, frequencies)
    probabilities = match_probability(weights)
    earlier = previous.compared if isinstance(previous, CustomerLinks) else previous
    with _timed(seconds, "clustering"):
        decisions, decided_by, cluster_positions, kept_in = _decide_and_cluster(
            fields,
            candidates,
            weights,
            weights < model.prior_weight,
            constraints,
            settings,
            conflicting,
            comparisons,
            engine,
            last_customers,
            None if earlier is None else _changed(earlier, compared),
        )
    with _timed(seconds, "blocking_estimate"):
        estimate = estimate_blocking_recall(
            fields,
            candidates,
            probabilities,
            _scorer(fields, model, comparisons, settings, engine),
            settings.random_seed,
        )
    linked = decisions == LINK
    reports = _links_by_pass(
        fields, passes, candidates, candidates.left[linked], candidates.right[linked], settings
    )
    clusters = pd.Series(
        record_ids[cluster_positions],
        index=pd.Index(record_ids, name=RECORD_ID),
        name=CLUSTER_ID,
        dtype=object,
    )

    kept = (decisions != NON_LINK) | (decided_by != SCORE)
    pairs = pd.DataFrame(
        {
            "record_id_l": record_ids[candidates.left[kept]],
            "record_id_r": record_ids[candidates.right[kept]],
            "match_weight": weights[kept],
            "match_probability": probabilities[kept],
            "decision": decisions[kept],
            "decided_by": decided_by[kept],
        }
    )
    for parameters in model.comparisons:
        pairs[f"{parameters.name}_level"] = levels[parameters.name][kept]
        pairs[f"{parameters.name}_weight"] = comparison_weights[parameters.name][kept]
    return CustomerLinks(
        pairs=pairs,
        clusters=clusters,
        candidate_pairs_by_pass=reports,
        model=model,
        compared=compared,
        stage_seconds=seconds,
        absent_constraint_records=constraints.absent_records,
        households=found,
        conflicting_attributes=tuple(conflicting),
        blocking_estimate=estimate,
        training_profile=profile,
        model_drift=drift,
        customers_kept=kept_whole(kept_in, cluster_positions),
        attribute_comparisons={name: spec.comparison for name, spec in settings.attributes.items()},
    )


def _scorer(
    fields: pd.DataFrame,
    model: FellegiSunterModel,
    comparisons: Sequence[LevelComparison],
    settings: MatchSettings,
    engine: MatchingEngine,
) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """The match probability of any record pairs, as the run scores its candidates."""

    def score(left: np.ndarray, right: np.ndarray) -> np.ndarray:
        levels = engine.compare_pairs(
            fields, (left, right), comparisons, settings.comparison_chunk_pairs
        )
        frequencies = _shared_value_frequencies(fields, CandidatePairs(left, right), settings)
        return match_probability(model.match_weights(levels, frequencies))

    return score


def _links_by_pass(
    fields: pd.DataFrame,
    passes: Sequence[BlockingPass],
    candidates: CandidatePairs,
    left: np.ndarray,
    right: np.ndarray,
    settings: MatchSettings,
) -> dict[str, BlockingPassReport]:
    """The blocking reports with the links each pass produced, and produced alone."""
    ran = [p for p in passes if not candidates.reports[pass_name(p)].over_budget]
    found = found_by(fields, ran, settings.max_block_size, left, right)
    alone = found & (found.sum(axis=1) == 1)[:, None]
    by_name = {
        pass_name(p): (int(found[:, n].sum()), int(alone[:, n].sum())) for n, p in enumerate(ran)
    }
    return {
        name: replace(report, links=by_name[name][0], links_alone=by_name[name][1])
        if name in by_name
        else report
        for name, report in candidates.reports.items()
    }


def _decide_and_cluster(
    fields: pd.DataFrame,
    candidates: CandidatePairs,
    weights: np.ndarray,
    against: np.ndarray,
    constraints: PairConstraints,
    settings: MatchSettings,
    conflicting: Sequence[str],
    comparisons: Sequence[LevelComparison],
    engine: MatchingEngine | None = None,
    last_customers: pd.Series | None = None,
    changed: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each candidate pair's decision and what decided it, each record's cluster, and the
    customer each record is kept in (`untouched.kept_customers`; `NOT_KEPT` throughout
    without `last_customers` and `changed`).

    `weights` are the pairs' match weights (log2 odds of a match, the prior included),
    by which the thresholds decide and the strongest links merge first; `against` flags
    the pairs whose comparisons speak against a match (weight below the prior's).
    """
    record_count = len(fields)
    decisions, decided_by = _decide(
        candidates, record_count, match_probability(weights), constraints, settings
    )
    linked = decisions == LINK
    kept = np.full(record_count, NOT_KEPT)
    if last_customers is not None and changed is not None:
        kept = kept_customers(
            fields[RECORD_ID].to_numpy(dtype=object),
            last_customers,
            changed,
            (
                constraints.must_link.left,
                constraints.must_link.right,
                constraints.cannot_link.left,
                constraints.cannot_link.right,
            ),
        )
    left_kept, right_kept = kept[candidates.left], kept[candidates.right]
    # A kept customer is joined only by a link from a new or changed record: a link between
    # two records that did not change, one of them kept, waits for a steward instead.
    fresh = np.ones(record_count, dtype=bool) if changed is None else changed
    held_back = ((left_kept != NOT_KEPT) | (right_kept != NOT_KEPT)) & ~(
        fresh[candidates.left] | fresh[candidates.right]
    )
    unlinked = decisions == NON_LINK
    # An unlinked pair keeps its records apart only if its comparisons speak against it,
    # not merely too little for it (a newsletter e-mail and a CRM phone number); inside a
    # kept customer, nothing does.
    apart = (
        unlinked
        & (against | (decided_by == CANNOT_LINK))
        & ~((left_kept == right_kept) & (left_kept != NOT_KEPT))
    )
    conflicts = conflict_check(fields, conflicting, _identifying(comparisons, settings))
    clustered = linked & ~held_back
    together = PairSet(*keeping_together(kept))
    cluster_positions = (engine or LocalEngine()).cluster(
        record_count,
        PairSet(candidates.left[clustered], candidates.right[clustered]),
        weights[clustered],
        PairSet(candidates.left[apart], candidates.right[apart]),
        conflicts,
        settings.max_cluster_size,
        PairSet(
            np.r_[constraints.must_link.left, together.left],
            np.r_[constraints.must_link.right, together.right],
        ),
    )
    _settle_links_kept_apart(
        candidates, cluster_positions, linked, conflicts, decisions, decided_by, held_back
    )
    return decisions, decided_by, cluster_positions, kept


def _changed(earlier: ComparedPairs, compared: ComparedPairs) -> np.ndarray:
    """Per record of this run, whether it is new since `earlier` or a compared field of its
    own changed (not one it takes from others: a newcomer sharing its e-mail address)."""
    now = compared.own_fingerprints.to_numpy()
    at = earlier.own_fingerprints.index.get_indexer(compared.own_fingerprints.index)
    found = at >= 0
    changed = ~found
    changed[found] = earlier.own_fingerprints.to_numpy()[at[found]] != now[found]
    return changed


def _decide(
    candidates: CandidatePairs,
    record_count: int,
    probabilities: np.ndarray,
    constraints: PairConstraints,
    settings: MatchSettings,
) -> tuple[np.ndarray, np.ndarray]:
    """Each pair's decision by the thresholds, overruled by constraints, and what decided it."""
    decisions = decide(probabilities, settings.link_threshold, settings.review_threshold)
    decided_by = np.full(len(candidates), SCORE, dtype=object)
    for constraint, pairs, decision in (
        (MUST_LINK, constraints.must_link, LINK),
        (CANNOT_LINK, constraints.cannot_link, NON_LINK),
    ):
        applies = candidates.contains(pairs.left, pairs.right, record_count)
        decisions[applies] = decision
        decided_by[applies] = constraint
    return decisions, decided_by


def _settle_links_kept_apart(
    candidates: CandidatePairs,
    cluster_positions: np.ndarray,
    linked: np.ndarray,
    conflicts: ConflictCheck,
    decisions: np.ndarray,
    decided_by: np.ndarray,
    of_kept: np.ndarray,
) -> None:
    """Links whose records clustering kept apart: not linked if the two records conflict,
    else sent to review. A pair the score sent to review is not linked either if its
    records conflict: clustering would never join them, so a steward would only be asked
    to confirm it (a steward's "same" decision still joins them, as a constraint). Links
    kept apart because one record's customer was kept as it was (`of_kept`) are decided by
    `KEPT`."""
    kept_apart = linked & (
        cluster_positions[candidates.left] != cluster_positions[candidates.right]
    )
    doubtful = (decisions == REVIEW) & (decided_by == SCORE)
    checked = np.flatnonzero(kept_apart | doubtful)
    differ = conflicts(candidates.left[checked], candidates.right[checked])
    decisions[checked] = np.where(differ, NON_LINK, decisions[checked])
    decided_by[checked] = np.where(differ, CONFLICT, decided_by[checked])
    apart = checked[kept_apart[checked] & ~differ]
    decisions[apart] = REVIEW
    decided_by[apart] = np.where(of_kept[apart], KEPT, CLUSTERING)


def _sorted_by_record_id(records: pd.DataFrame) -> pd.DataFrame:
    if RECORD_ID not in records.columns:
        raise MatchingError(f"records have no `{RECORD_ID}` column; standardize them first")
    ids = records[RECORD_ID]
    if ids.isna().any():
        raise MatchingError(f"{int(ids.isna().sum())} records have no `{RECORD_ID}`")
    repeated = ids[ids.duplicated()].unique()
    if len(repeated):
        shown = ", ".join(map(str, repeated[:5]))
        raise MatchingError(f"`{RECORD_ID}` must be unique; repeated: {shown}")
    return records.assign(**{RECORD_ID: ids.astype(str)}).sort_values(RECORD_ID, kind="stable")


def _train(
    fields: pd.DataFrame,
    candidates: CandidatePairs,
    candidate_levels: dict[str, np.ndarray],
    comparisons: Sequence[LevelComparison],
    settings: MatchSettings,
    conflicting: Sequence[str],
    labelled: LabelledPairs | None,
    engine: MatchingEngine,
) -> FellegiSunterModel:
    record_count = len(fields)
    total_pairs = record_count * (record_count - 1) // 2
    rng = np.random.default_rng(settings.random_seed)
    sample = min(settings.u_sample_pairs, total_pairs)
    if sample > 0:
        left = rng.integers(0, record_count, size=sample)
        right = rng.integers(0, record_count - 1, size=sample)
        right = right + (right >= left)
    else:
        left = right = np.empty(0, dtype=np.int64)
    random_levels = engine.compare_pairs(
        fields, (left, right), comparisons, settings.comparison_chunk_pairs
    )
    known_matches = np.full(len(candidates), np.nan)
    if labelled is not None:
        candidate_levels, known_matches = training_levels(
            fields,
            candidates,
            candidate_levels,
            labelled,
            comparisons,
            settings.comparison_chunk_pairs,
        )
    # What the conflict rule calls different people is no match to learn from, unless
    # labelled otherwise: else EM learns what a household looks like.
    unknown = np.isnan(known_matches)
    plainly_different = unknown & conflicting_levels(candidate_levels, conflicting)
    different_people = plainly_different & conflicting_levels(
        candidate_levels, conflicting, _identifying(comparisons, settings)
    )
    known_matches = np.where(different_people, 0.0, known_matches)
    # Pairs an identifier joins although they plainly differ (a placeholder given name,
    # a borrowed number) are one person, but no picture of how one person's records
    # differ: learning from them would make any different given name weak evidence.
    taught = ~(plainly_different & ~different_people)
    candidate_levels = {name: levels[taught] for name, levels in candidate_levels.items()}
    known_matches = known_matches[taught]
    random_counts = level_counts(comparisons, random_levels)
    counted: dict[str, list[int]] = {}
    for comparison in comparisons if total_pairs else ():
        for level, pairs in comparison.counted_levels(fields).items():
            # In the sample's units: the share of all record pairs, times the sample.
            random_counts[comparison.comparison_name][level] = pairs * sample / total_pairs
            counted.setdefault(comparison.comparison_name, []).append(level)
    return fit_fellegi_sunter(
        comparisons,
        candidate_levels,
        random_counts,
        settings.em_iterations,
        settings.em_tolerance,
        total_pairs=total_pairs,
        known_matches=known_matches,
        counted_levels=counted,
    )


def _check_model_fits(model: FellegiSunterModel, comparisons: Sequence[LevelComparison]) -> None:
    expected = [(c.comparison_name, c.level_labels) for c in comparisons]
    actual = [(p.name, p.level_labels) for p in model.comparisons]
    if expected != actual:
        raise MatchingError(
            "the given model was trained for comparisons "
            f"{[name for name, _ in actual]} with other levels than this run's "
            f"{[name for name, _ in expected]}; retrain it with this run's comparisons"
        )


def comparisons_for(settings: MatchSettings) -> tuple[LevelComparison, ...]:
    """The built-in comparisons, then one per extra attribute the settings declare."""
    return DEFAULT_COMPARISONS + tuple(
        ATTRIBUTE_COMPARISONS[spec.comparison](name) for name, spec in settings.attributes.items()
    )


def _identifying(
    comparisons: Sequence[LevelComparison], settings: MatchSettings
) -> list[AttributeLevels]:
    identifying = {name for name, spec in settings.attributes.items() if spec.identifies_person}
    return [
        c
        for c in comparisons
        if isinstance(c, AttributeLevels) and c.comparison_name in identifying
    ]


@contextmanager
def _timed(seconds: dict[str, float], stage: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    seconds[stage] = time.perf_counter() - started


#: Comparison adjusted by term frequency → match field with its value frequencies.
_FREQUENCY_FIELDS = {"given_name": "given_frequency", "family_name": "family_frequency"}


def _shared_value_frequencies(
    fields: pd.DataFrame, candidates: CandidatePairs, settings: MatchSettings
) -> dict[str, np.ndarray]:
    """Per adjusted comparison, the frequency of each pair's value (the larger side's).

    Where the two records hold the same full name, the family name's frequency is at
    least how often other people of that name hold it (see
    `matching.match_fields.namesake_frequencies`): namesakes in the records make
    agreeing on both names count for less.
    """
    left, right = candidates.left, candidates.right
    frequencies: dict[str, np.ndarray] = {}
    for name in settings.term_frequency_adjustments:
        values = fields[_FREQUENCY_FIELDS[name]].to_numpy()
        frequencies[name] = np.fmax(values[left], values[right])
    if "family_name" in frequencies:
        full_name = fields["full_name"].to_numpy()
        namesakes = fields["namesake_frequency"].to_numpy()
        same_name = equal_values(full_name[left], full_name[right])
        frequencies["family_name"] = np.where(
            same_name,
            np.fmax(frequencies["family_name"], np.fmax(namesakes[left], namesakes[right])),
            frequencies["family_name"],
        )
    return frequencies
