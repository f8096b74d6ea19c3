"""Households: whether the records hold several people of one home, read from the pairs.

Where they do (a customer base: partners, children, twins at one address), two records
that share a family name and a home but plainly differ on the given name or the birth date
are most often two people, and clustering keeps them apart (`clustering.conflict_check`).
Where they do not (a register of individuals, a list of duplicates), that disagreement is
most often a typo or a name used in its place, and it is only evidence, weighed by the
model as any other.

The records tell which: among the candidate pairs that share a family name exactly and a
home (the same or a similar street in the same place, with no other house number; or the
same phone number), and agree on no attribute that identifies a person, household members
differ on both given name *and* birth date, which a record of the same person rarely
does. Measured (bench/README.md, "Blocking that adapts"): 29.8% of such pairs on the demo
generator, 13.7% on pseudopeople, 0.3–0.6% on FEBRL 1–4.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np

from matching.comparison import (
    DIFFERENT_LEVEL,
    AddressLevels,
    AttributeLevels,
    FamilyNameLevels,
    PhoneLevels,
)

#: Attributes a household's members plainly differ on.
HOUSEHOLD_CONFLICTS: Final = ("birth_date", "given_name")
#: Share of the pairs sharing a family name and a home from which the records hold households.
HOUSEHOLD_SHARE: Final = 0.02
#: Fewest such pairs to tell by: with fewer, the records are taken to hold households.
MIN_SHARED_HOME_PAIRS: Final = 50

_FAMILY_EXACT: Final = FamilyNameLevels.level_labels.index("exact")
_SAME_HOME_ADDRESS: Final = AddressLevels.level_labels.index(
    "street jaro_winkler >= 0.88, house number not other, in the same place"
)
_SAME_PHONE: Final = PhoneLevels.level_labels.index("same number")
_READ: Final = ("family_name", "address", "phone", *HOUSEHOLD_CONFLICTS)


@dataclass(frozen=True)
class Households:
    """What the candidate pairs say about households."""

    shared_home_pairs: int
    """Pairs with the same family name and the same address or phone number."""
    household_pairs: int
    """Of those, the pairs whose given names and birth dates both plainly differ."""

    @property
    def share(self) -> float:
        """``household_pairs`` as a share of ``shared_home_pairs`` (0 when there are none)."""
        return self.household_pairs / self.shared_home_pairs if self.shared_home_pairs else 0.0

    @property
    def present(self) -> bool:
        """Whether the records hold households, or are too few to tell they do not."""
        return self.shared_home_pairs < MIN_SHARED_HOME_PAIRS or self.share >= HOUSEHOLD_SHARE

    def describe(self) -> str:
        """One line for a run's summary."""
        counted = (
            f"{self.household_pairs:,} of {self.shared_home_pairs:,} pairs sharing a family "
            f"name and a home differ on both given name and birth date ({self.share:.1%})"
        )
        if self.shared_home_pairs < MIN_SHARED_HOME_PAIRS:
            verdict = "too few to tell, so households are assumed"
        elif self.present:
            verdict = "households"
        else:
            verdict = "no households"
        return f"{counted}: {verdict}"


def households(
    levels: Mapping[str, np.ndarray], identifiers: Sequence[AttributeLevels] = ()
) -> Households:
    """Count the candidate pairs that tell whether the records hold households.

    Args:
        levels: Each candidate pair's level by comparison name (the built-in comparisons).
        identifiers: Comparisons of attributes that identify a person: pairs agreeing on
            one (up to its identity level) are one person, whatever else differs.

    Returns:
        The counts; none where the comparisons that tell are not all among `levels`, which
        is too few to tell.
    """
    if not all(name in levels for name in _READ):
        return Households(0, 0)
    shared_home = (levels["family_name"] == _FAMILY_EXACT) & (
        (levels["address"] >= _SAME_HOME_ADDRESS) | (levels["phone"] == _SAME_PHONE)
    )
    for identifier in identifiers:
        shared_home &= levels[identifier.comparison_name] < identifier.identity_level
    differ = np.logical_and.reduce(
        [levels[name] == DIFFERENT_LEVEL for name in HOUSEHOLD_CONFLICTS]
    )
    return Households(int(shared_home.sum()), int((shared_home & differ).sum()))


def conflicting_attributes(declared: Sequence[str] | None, found: Households | None) -> list[str]:
    """The attributes whose plain disagreement keeps records apart in this run.

    Args:
        declared: What the settings declare (`MatchSettings.conflicting_attributes`);
            None leaves it to the records.
        found: What the candidate pairs say about households; None where `declared` is.
    """
    if declared is not None:
        return list(declared)
    return list(HOUSEHOLD_CONFLICTS) if found is None or found.present else []
