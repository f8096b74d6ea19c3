"""Decisions: what happens to a scored pair, from the two probability thresholds."""

from __future__ import annotations

from typing import Final

import numpy as np

LINK: Final = "link"
"""Same customer: the pair joins its records into one golden record."""
REVIEW: Final = "review"
"""Unsure: a data steward decides."""
NON_LINK: Final = "non_link"
"""Different customers: the pair is evidence against putting the records together."""


def decide(
    match_probability: np.ndarray, link_threshold: float, review_threshold: float
) -> np.ndarray:
    """`LINK` from `link_threshold`, `REVIEW` from `review_threshold`, else `NON_LINK`."""
    probability = np.asarray(match_probability, dtype=np.float64)
    return np.where(
        probability >= link_threshold,
        LINK,
        np.where(probability >= review_threshold, REVIEW, NON_LINK),
    ).astype(object)


SCORE: Final = "score"
"""The pair's match probability against the two thresholds decided it."""
MUST_LINK: Final = "must_link"
"""A must-link constraint linked the pair, whatever it scored."""
CANNOT_LINK: Final = "cannot_link"
"""A cannot-link constraint kept the pair apart, whatever it scored."""
CONFLICT: Final = "conflict"
"""Scored as a link, but the two records plainly differ (birth dates or given names that
are not a typo, nickname or initial of each other): different people, kept apart."""
CLUSTERING: Final = "clustering"
"""Scored as a link, but clustering kept its records apart: another record of one
customer differs from the other record, or the customer would grow past the size cap.
A steward reviews it."""
KEPT: Final = "kept"
"""Scored as a link, but one of its records is in a customer that no new or changed record
touched, which the run kept exactly as it was (see `matching.untouched`). A steward
reviews it; a full run re-evaluates every customer."""
