"""Whether a fitted match model is plausible: what a user should hear before trusting it.

EM finds *a* fit, not necessarily the one meant: on data with many typos, or with few
true matches among the candidate pairs, it can settle where agreeing counts against a
match, or where most pairs are taken for matches. These checks name such a fit so that
the run says so, rather than publishing its links in silence.
"""

from __future__ import annotations

from matching.comparison import MISSING_LEVEL
from matching.scoring import FellegiSunterModel

#: More expected matches per record than this, and the fit has taken non-matches for matches.
MAX_MATCHES_PER_RECORD = 5.0


def implausibilities(model: FellegiSunterModel, records: int) -> list[str]:
    """What is implausible about ``model``, trained on ``records`` records; empty if nothing.

    - training stopped before it converged;
    - exact agreement on a comparison counts against a match, or plain disagreement for one;
    - the prior expects more than ``MAX_MATCHES_PER_RECORD`` matches per record.
    """
    found = []
    if not model.converged:
        found.append(f"training stopped after {model.iterations} rounds without converging")
    for parameters in model.comparisons:
        weights = parameters.weights()
        agree, differ = parameters.level_labels[-1], parameters.level_labels[MISSING_LEVEL + 1]
        if weights[-1] <= 0:
            found.append(f"`{parameters.name}` {agree} counts against a match ({weights[-1]:+.2f})")
        if weights[MISSING_LEVEL + 1] > 0:
            found.append(
                f"`{parameters.name}` {differ} counts for a match "
                f"({weights[MISSING_LEVEL + 1]:+.2f})"
            )
    pairs = records * (records - 1) / 2
    per_record = 2 * model.prior * pairs / records if records else 0.0
    if per_record > MAX_MATCHES_PER_RECORD:
        found.append(f"it expects {per_record:,.1f} matching records per record")
    return found
