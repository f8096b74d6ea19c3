"""Steward decisions, and the constraints every later run obeys because of them.

A steward says of records:

- ``same_customer``: these two records are one customer, and so are the customers that
  held them when the steward decided (must-links between the first record and each of
  theirs), so the decision only ever merges;
- ``not_same_customer``: these two are different customers (a cannot-link);
- ``take_out``: this record is not the customer its others are (a cannot-link between it
  and each record the customer held when the steward decided);
- ``confirm``: these records are one customer as they stand (must-links), so the
  customer is not sent to review again;
- ``override``: this golden customer's field has this value, whatever the sources say;
- ``undo``: the decision it names no longer holds.

Of the decisions still standing, a later one about a pair replaces an earlier one about
the same pair. Decisions that would contradict each other through a chain (A and B the
same, B and C the same, A and C not) are refused when made, so a run never meets them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import sqlalchemy as sa

from matching import MatchingError, MatchSettings, pair_constraints
from quality import RECORD_ID
from stewardship.exceptions import DecisionRefused
from warehouse import IssuedIds, StewardDecision, steward_decisions


@dataclass(frozen=True)
class StewardConstraints:
    """What the standing decisions make every run obey."""

    must_link: tuple[tuple[str, str], ...]
    cannot_link: tuple[tuple[str, str], ...]
    confirmed: tuple[frozenset[str], ...]
    """Record sets confirmed as one customer as they stood."""
    overrides: dict[tuple[str, str], tuple[str | None, int]]
    """(golden id, field) → (value, the decision that set it)."""
    taken_out: tuple[tuple[str, str], ...] = ()
    """(record, the golden id it was taken out of) of each standing take-out."""
    through: int = 0
    """The newest decision these come from (undos included): a run obeys every decision
    up to it, and none made later."""
    named: frozenset[str] = frozenset()
    """Every record a decision names, undone ones too: their customers are for the run
    to cluster anew, never to keep as they were."""


def standing(decisions: Iterable[StewardDecision]) -> list[StewardDecision]:
    """The decisions not undone (undos themselves excluded), oldest first."""
    ordered = sorted(decisions, key=lambda decision: decision.decision_id)
    undone = {decision.undoes for decision in ordered if decision.action == "undo"}
    return [d for d in ordered if d.action != "undo" and d.decision_id not in undone]


def steward_constraints(decisions: Iterable[StewardDecision]) -> StewardConstraints:
    """The constraints and overrides of the standing decisions."""
    decisions = list(decisions)
    verdicts: dict[tuple[str, str], bool] = {}
    taken_out = []
    confirmed, overrides = [], {}
    for decision in standing(decisions):
        if decision.action == "override":
            assert decision.golden_id is not None and decision.field is not None
            overrides[(decision.golden_id, decision.field)] = (
                decision.value,
                decision.decision_id,
            )
            continue
        first, *others = decision.record_ids
        if decision.action == "confirm":
            confirmed.append(frozenset(decision.record_ids))
        if decision.action == "take_out" and decision.golden_id is not None:
            taken_out.append((first, decision.golden_id))
        together = decision.action in ("same_customer", "confirm")
        for other in others:
            # A later decision about the same pair replaces the earlier one.
            verdicts[(min(first, other), max(first, other))] = together
    return StewardConstraints(
        must_link=tuple(pair for pair, together in verdicts.items() if together),
        cannot_link=tuple(pair for pair, together in verdicts.items() if not together),
        confirmed=tuple(confirmed),
        overrides=overrides,
        taken_out=tuple(taken_out),
        through=max((decision.decision_id for decision in decisions), default=0),
        named=frozenset(record for decision in decisions for record in decision.record_ids),
    )


def check_agreement(
    constraints: StewardConstraints,
    must_link: Sequence[tuple[str, str]] = (),
    cannot_link: Sequence[tuple[str, str]] = (),
) -> None:
    """Refuse decisions that, with the config's own constraints, contradict each other.

    Raises:
        MatchingError: naming the pair kept apart that a chain of must-links joins.
    """
    must = [*must_link, *constraints.must_link]
    cannot = [*cannot_link, *constraints.cannot_link]
    record_ids = np.array(
        sorted({record for pair in [*must, *cannot] for record in pair}), dtype=object
    )
    pair_constraints(record_ids, must, cannot)


def standing_constraints(engine: sa.Engine, settings: MatchSettings) -> StewardConstraints:
    """What the stewards' standing decisions make a run obey, checked against the config's
    own ``must_link`` and ``cannot_link``.

    Raises:
        DecisionRefused: the config's constraints contradict the decisions.
    """
    constraints = steward_constraints(steward_decisions(engine))
    try:
        check_agreement(constraints, settings.must_link, settings.cannot_link)
    except MatchingError as exc:
        raise DecisionRefused(
            f"the config's must_link and cannot_link contradict steward decisions: {exc}. "
            "`hub review log` lists the decisions: undo one, or change the config"
        ) from None
    return constraints


def obeying(settings: MatchSettings, constraints: StewardConstraints) -> MatchSettings:
    """The match settings with the stewards' constraints added to the config's."""
    return settings.model_copy(
        update={
            "must_link": [*settings.must_link, *constraints.must_link],
            "cannot_link": [*settings.cannot_link, *constraints.cannot_link],
        }
    )


def training_labels(constraints: StewardConstraints, records: pd.DataFrame) -> pd.DataFrame | None:
    """The stewards' pairs among the run's records, as labelled pairs a model can learn
    from (``record_id_l``, ``record_id_r``, ``is_match``); ``None`` when there are none."""
    present = set(records[RECORD_ID])
    labels = pd.DataFrame(
        [(*pair, True) for pair in constraints.must_link]
        + [(*pair, False) for pair in constraints.cannot_link],
        columns=["record_id_l", "record_id_r", "is_match"],
    )
    labels = labels[labels["record_id_l"].isin(present) & labels["record_id_r"].isin(present)]
    return labels if len(labels) else None


def records_leaving(constraints: StewardConstraints, issued: IssuedIds) -> set[str]:
    """Records taken out of the customer they are still in: each leaves the customer's id
    to the records that stay."""
    return {
        record
        for record, golden_id in constraints.taken_out
        if issued.of_record.get(record) == golden_id
    }
