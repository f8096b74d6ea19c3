"""Stewardship: the review queue, steward decisions and what every run obeys because of
them. The CLI (`hub review`), the steward console and the HTTP API all act through the
functions this module exports; the warehouse keeps the decisions.

Decisions are law: "same customer", "not the same customer" and "take this record out"
become constraints every later run obeys, an override sets a golden value whatever the
sources say, and an undo takes a decision back; each is recorded with who, when and why.
"""

from stewardship.actions import (
    STEWARD_ENV,
    VERDICTS,
    Recorded,
    decide_item,
    decide_pair,
    override,
    steward_name,
    take_out,
    undo,
)
from stewardship.constraints import (
    StewardConstraints,
    obeying,
    records_leaving,
    standing_constraints,
    steward_constraints,
    training_labels,
)
from stewardship.exceptions import DecisionRefused, StewardshipError
from stewardship.overrides import with_overrides
from stewardship.queue import review_queue
from stewardship.views import REASONS, audit_log, evidence, shown, side_by_side

__all__ = [
    "REASONS",
    "STEWARD_ENV",
    "VERDICTS",
    "DecisionRefused",
    "Recorded",
    "StewardConstraints",
    "StewardshipError",
    "audit_log",
    "decide_item",
    "decide_pair",
    "evidence",
    "obeying",
    "override",
    "records_leaving",
    "review_queue",
    "shown",
    "side_by_side",
    "standing_constraints",
    "steward_constraints",
    "steward_name",
    "take_out",
    "training_labels",
    "undo",
    "with_overrides",
]
