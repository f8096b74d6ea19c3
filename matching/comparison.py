"""Comparison: graded agreement levels per attribute for each candidate pair.

Each comparison is a recordlinkage compare feature, so it plugs into
``recordlinkage.Compare`` as it is; `compare_pairs` runs the same features over
integer position arrays in chunks, which is what large inputs need.

Levels are small integers. Level 0 always means "missing on one side" and
carries no evidence; higher levels mean closer agreement.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from rapidfuzz.distance import OSA, JaroWinkler
from rapidfuzz.process import cpdist
from recordlinkage.base import BaseCompareFeature

from matching.blocking import CandidatePairs
from matching.match_fields import attribute_field
from matching.names import are_nicknames

MISSING_LEVEL = 0
"""Level of every comparison when either side is missing: no evidence either way."""
DIFFERENT_LEVEL = 1
"""Level of every comparison when both sides are known and agree in no graded way."""

# Shortest local part in which one edit counts as a typo rather than another address.
_MIN_TYPO_LOCAL_LENGTH = 4
# Fewest digits of a phone number's national form, trunk prefix left out, that place it.
_MIN_NATIONAL_DIGITS = 8


# recordlinkage ships no types, so its base class is `Any` to mypy: nothing to check against.
class LevelComparison(BaseCompareFeature):  # type: ignore[misc]
    """A comparison of match fields into graded levels (see module docstring)."""

    #: Name of the comparison in pair frames and the scoring model.
    comparison_name: str
    #: Match fields it reads, from each side of the pair.
    match_fields: tuple[str, ...]
    #: What each level means, indexed by level.
    level_labels: tuple[str, ...]
    #: Share of each level among pairs of the same person, before the data has its say.
    typical_m: tuple[float, ...]
    #: Share of each level among pairs of different people, likewise.
    typical_u: tuple[float, ...]

    def __init__(self) -> None:
        super().__init__(
            list(self.match_fields), list(self.match_fields), label=self.comparison_name
        )

    def _compute_vectorized(self, *columns: Any) -> np.ndarray:
        arrays = [np.asarray(c, dtype=object) for c in columns]
        half = len(self.match_fields)
        left = dict(zip(self.match_fields, arrays[:half], strict=True))
        right = dict(zip(self.match_fields, arrays[half:], strict=True))
        return self.levels(left, right)

    def levels(self, left: dict[str, np.ndarray], right: dict[str, np.ndarray]) -> np.ndarray:
        """Agreement level of each pair, from the match fields of its two sides."""
        raise NotImplementedError

    def counted_levels(self, match_fields: pd.DataFrame) -> dict[int, float]:
        """Levels that mean plain equality of a field, with how many of all record pairs
        show them, counted from the values: exact where a sample of random pairs only
        estimates, and it matters for levels that random pairs almost never show."""
        return {}


def pairs_sharing_a_value(values: pd.Series) -> float:
    """How many pairs of the values' records hold the same (present) value."""
    counts = values.value_counts(dropna=True).to_numpy(dtype=np.float64)
    return float((counts * (counts - 1) / 2).sum())


def _present(values: np.ndarray) -> np.ndarray:
    return pd.notna(values)


def equal_values(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Aligned values that are both present and equal."""
    equal: np.ndarray = _present(left) & _present(right) & (left == right)
    return equal


def jaro_winkler(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Jaro–Winkler similarity of aligned strings; 0 where either side is missing."""
    present = _present(left) & _present(right)
    scores = np.zeros(len(left), dtype=np.float64)
    if present.any():
        scores[present] = cpdist(
            left[present].tolist(),
            right[present].tolist(),
            scorer=JaroWinkler.normalized_similarity,
            workers=-1,
        )
    return scores


def _grade(present: np.ndarray, conditions: Sequence[np.ndarray]) -> np.ndarray:
    """Level 0 where not present, else the highest level whose condition holds (1 if none).

    ``conditions[i]`` is the condition for level ``i + 2``.
    """
    levels = np.where(present, DIFFERENT_LEVEL, MISSING_LEVEL).astype(np.int8)
    for offset, condition in enumerate(conditions):
        levels = np.where(present & condition, offset + 2, levels).astype(np.int8)
    return levels


def names_swapped(
    left: dict[str, np.ndarray], right: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs whose given and family names agree better crosswise than straight.

    Returns:
        Whether each pair is swapped, and its crosswise similarity (the weaker of
        given-vs-family and family-vs-given).
    """
    crossed = np.minimum(
        jaro_winkler(left["given"], right["family"]), jaro_winkler(left["family"], right["given"])
    )
    direct = np.minimum(
        jaro_winkler(left["given"], right["given"]), jaro_winkler(left["family"], right["family"])
    )
    return (crossed >= 0.92) & (crossed > direct), crossed


def same_full_name(left: dict[str, np.ndarray], right: dict[str, np.ndarray]) -> np.ndarray:
    """Pairs whose given and family names, run together, have the same spelling key: split
    differently (a double family name taken for a middle name) or with a stray space."""
    return equal_values(left["full_name"], right["full_name"])


class GivenNameLevels(LevelComparison):
    """Given names: exact, nickname or close spelling, similar, different.

    Exact means the same spelling key (see `matching.names.spelling_key`: Jörg, Joerg and
    Jorg). For swapped pairs (see `names_swapped`) the level comes from the crosswise names.
    """

    comparison_name = "given_name"
    match_fields = ("given", "family", "given_key", "family_key", "nickname", "full_name")
    level_labels = (
        "missing",
        "different",
        "initial or jaro_winkler >= 0.80",
        "nickname, first name or jaro_winkler >= 0.92",
        "exact",
    )
    typical_m = (1.0, 0.05, 0.05, 0.15, 0.75)
    typical_u = (1.0, 0.985, 0.008, 0.004, 0.003)

    def levels(self, left: dict[str, np.ndarray], right: dict[str, np.ndarray]) -> np.ndarray:
        swapped, crossed = names_swapped(left, right)
        straight = ~swapped
        given_l, given_r = left["given"], right["given"]
        nickname = are_nicknames(left["nickname"], right["nickname"])
        similarity = np.where(swapped, crossed, jaro_winkler(given_l, given_r))
        exact_crosswise = equal_values(left["given_key"], right["family_key"]) & equal_values(
            left["family_key"], right["given_key"]
        )
        present = (_present(given_l) & _present(given_r)) | swapped
        return _grade(
            present,
            [
                (similarity >= 0.80) | (straight & _initial_of(given_l, given_r)),
                (similarity >= 0.92) | (straight & (nickname | _same_first_word(given_l, given_r))),
                np.where(
                    swapped, exact_crosswise, equal_values(left["given_key"], right["given_key"])
                )
                | same_full_name(left, right),
            ],
        )


class FamilyNameLevels(LevelComparison):
    """Family names: exact, swapped with the given name, close, similar, different.

    Exact means the same spelling key (see `matching.names.spelling_key`: Müller, Mueller
    and Muller).
    """

    comparison_name = "family_name"
    match_fields = ("given", "family", "family_key", "full_name")
    level_labels = (
        "missing",
        "different",
        "jaro_winkler >= 0.80",
        "jaro_winkler >= 0.92",
        "swapped with given name",
        "exact",
    )
    typical_m = (1.0, 0.05, 0.04, 0.08, 0.03, 0.80)
    typical_u = (1.0, 0.985, 0.008, 0.003, 0.0005, 0.0035)

    def levels(self, left: dict[str, np.ndarray], right: dict[str, np.ndarray]) -> np.ndarray:
        swapped, _ = names_swapped(left, right)
        similarity = jaro_winkler(left["family"], right["family"])
        present = (_present(left["family"]) & _present(right["family"])) | swapped
        exact = equal_values(left["family_key"], right["family_key"]) | same_full_name(left, right)
        return _grade(
            present,
            [similarity >= 0.80, similarity >= 0.92, swapped, exact & ~swapped],
        )


class BirthDateLevels(LevelComparison):
    """Birth dates: exact, day and month swapped or one part off, different."""

    comparison_name = "birth_date"
    match_fields = ("birth_year", "birth_month", "birth_day")
    level_labels = ("missing", "different", "day/month swapped or one part off", "exact")
    typical_m = (1.0, 0.05, 0.10, 0.85)
    typical_u = (1.0, 0.9917, 0.008, 0.0003)

    def _compute_vectorized(self, *columns: Any) -> np.ndarray:
        arrays = [np.asarray(c, dtype=np.int64) for c in columns]
        return self.levels(
            dict(zip(self.match_fields, arrays[:3], strict=True)),
            dict(zip(self.match_fields, arrays[3:], strict=True)),
        )

    def levels(self, left: dict[str, np.ndarray], right: dict[str, np.ndarray]) -> np.ndarray:
        year, month, day = (left[f] == right[f] for f in self.match_fields)
        present = (left["birth_year"] >= 0) & (right["birth_year"] >= 0)
        swapped = (
            year
            & (left["birth_month"] == right["birth_day"])
            & (left["birth_day"] == right["birth_month"])
        )
        parts_equal = year.astype(np.int8) + month + day
        return _grade(present, [swapped | (parts_equal == 2), parts_equal == 3])

    def counted_levels(self, match_fields: pd.DataFrame) -> dict[int, float]:
        return {3: pairs_sharing_a_value(match_fields["birth_date"])}


class EmailBirthYearLevels(LevelComparison):
    """The year ending one record's e-mail address against the other's birth year: the same
    year, its last two digits, another number.

    People often end an address with their birth year (``maria1987@``, ``ola_nordmann87@``),
    which tells a father from the son who shares his name, and gives a newsletter record
    that holds only a first name and an e-mail address something more to be placed by.
    Only a record without a birth date is read this way, and only against another address:
    where both records hold a birth date, `BirthDateLevels` compares them, and where both
    hold the same address, `EmailLevels` has counted it, year and all.
    """

    comparison_name = "email_birth_year"
    match_fields = ("birth_year", "email_year", "email_year_digits", "email")
    level_labels = (
        "missing",
        "another number",
        "same last two digits of the year",
        "same year",
    )
    typical_m = (1.0, 0.3, 0.35, 0.35)
    typical_u = (1.0, 0.97, 0.02, 0.01)

    def levels(self, left: dict[str, np.ndarray], right: dict[str, np.ndarray]) -> np.ndarray:
        numbers = self.match_fields[:3]
        sides = [
            {f: np.asarray(side[f], dtype=np.int64) for f in numbers} for side in (left, right)
        ]
        levels = np.maximum(self._one_way(sides[0], sides[1]), self._one_way(sides[1], sides[0]))
        same_address = equal_values(
            np.asarray(left["email"], dtype=object), np.asarray(right["email"], dtype=object)
        )
        return np.where(same_address, MISSING_LEVEL, levels).astype(np.int8)

    @staticmethod
    def _one_way(holder: dict[str, np.ndarray], other: dict[str, np.ndarray]) -> np.ndarray:
        """Level of `holder`'s e-mail year against `other`'s birth year."""
        applies = (
            (holder["birth_year"] < 0)
            & (holder["email_year_digits"] > 0)
            & (other["birth_year"] >= 0)
        )
        year, digits = holder["email_year"], holder["email_year_digits"]
        return _grade(
            applies,
            [
                (digits == 2) & (year == other["birth_year"] % 100),
                (digits == 4) & (year == other["birth_year"]),
            ],
        )


class EmailLevels(LevelComparison):
    """E-mail addresses: exact; exact but used by several people (a family's address);
    one typo apart; different.

    A typo in an address that is otherwise the same is one mailbox mistyped. The same
    local part at another provider is no level of its own: it is mostly the name again
    (``kari.nordmann@``), where namesakes meet, so counting it would count the name twice.
    """

    comparison_name = "email"
    match_fields = ("email", "email_shared")
    level_labels = (
        "missing",
        "different",
        "one typo apart",
        "exact, used by several people",
        "exact",
    )
    typical_m = (1.0, 0.30, 0.02, 0.05, 0.63)
    typical_u = (1.0, 0.9999, 0.00001, 0.00003, 0.00002)

    def levels(self, left: dict[str, np.ndarray], right: dict[str, np.ndarray]) -> np.ndarray:
        present = _present(left["email"]) & _present(right["email"])
        exact = equal_values(left["email"], right["email"])
        # Equal addresses are shared or not on both sides alike.
        shared = left["email_shared"].astype(bool)
        return _grade(
            present, [emails_one_typo_apart(left, right), exact & shared, exact & ~shared]
        )

    def counted_levels(self, match_fields: pd.DataFrame) -> dict[int, float]:
        email, shared = match_fields["email"], match_fields["email_shared"].astype(bool)
        return {3: pairs_sharing_a_value(email[shared]), 4: pairs_sharing_a_value(email[~shared])}


def emails_one_typo_apart(left: dict[str, np.ndarray], right: dict[str, np.ndarray]) -> np.ndarray:
    """Addresses one edit apart (see `edit_distance`) by a typo: ``jonh.smith@gmail.com``
    and ``john.smith@gmail.com``, ``anna.berg@gmial.com`` and ``anna.berg@gmail.com``.

    People build addresses from their names, so some near addresses are different people's
    rather than typos, and are left out (see `_name_variants`).
    """
    near: np.ndarray = edit_distance(left["email"], right["email"]) == 1
    near[near] = ~_name_variants(
        pd.Series(left["email"][near], dtype=object), pd.Series(right["email"][near], dtype=object)
    )
    return near


def _name_variants(left: pd.Series, right: pd.Series) -> np.ndarray:
    """Aligned addresses that differ in what people with one name vary between theirs.

    A number (``anna.berg1``, ``anna.berg2``, as providers hand them out), the initial
    (``kbinner``, ``mbinner`` in one household), a separator (``john.porter``,
    ``johnporter``), or a short local part, where one edit makes another name (``jo``,
    ``joe``).
    """
    digits = [side.str.replace(r"\D", "", regex=True) for side in (left, right)]
    unseparated = [side.str.replace(r"[._-]", "", regex=True) for side in (left, right)]
    local_length = [side.str.find("@") for side in (left, right)]
    return (
        (digits[0] != digits[1])
        | (left.str[:1] != right.str[:1])
        | (unseparated[0] == unseparated[1])
        | (np.minimum(local_length[0], local_length[1]) < _MIN_TYPO_LOCAL_LENGTH)
    ).to_numpy(dtype=bool)


class PhoneLevels(LevelComparison):
    """Phone numbers: the same number, same last seven digits, different."""

    comparison_name = "phone"
    match_fields = ("phone", "phone_last7")
    level_labels = ("missing", "different", "same last 7 digits", "same number")
    typical_m = (1.0, 0.35, 0.05, 0.60)
    typical_u = (1.0, 0.9999, 0.00005, 0.00005)

    def levels(self, left: dict[str, np.ndarray], right: dict[str, np.ndarray]) -> np.ndarray:
        present = _present(left["phone"]) & _present(right["phone"])
        return _grade(
            present,
            [
                equal_values(left["phone_last7"], right["phone_last7"]),
                same_phone_number(left, right),
            ],
        )


def same_phone_number(left: dict[str, np.ndarray], right: dict[str, np.ndarray]) -> np.ndarray:
    """Phone numbers (digits) that are the same, written alike or one in national form and
    one with its country code (``030 1234567`` and ``+49 30 1234567``).

    Records standardized by the quality stage hold E.164 numbers already; this is for
    numbers read without a country to place them in. The national form, without the
    leading zeros of its trunk prefix, must end the other number and keep at least
    `_MIN_NATIONAL_DIGITS` digits.
    """
    same = equal_values(left["phone"], right["phone"])
    tail = equal_values(left["phone_last7"], right["phone_last7"]) & ~same
    lefts = np.char.lstrip(left["phone"][tail].astype(str), "0")
    rights = np.char.lstrip(right["phone"][tail].astype(str), "0")
    left_shorter = np.char.str_len(lefts) <= np.char.str_len(rights)
    shorter = np.where(left_shorter, lefts, rights)
    longer = np.where(left_shorter, rights, lefts)
    same[tail] = np.char.endswith(longer, shorter) & (
        np.char.str_len(shorter) >= _MIN_NATIONAL_DIGITS
    )
    return same


class AddressLevels(LevelComparison):
    """Addresses: street name, house number and place, where place means postcode or city.

    The same street with another house number is a neighbour's address, not the person's:
    it has a level of its own, below a similar street with the same house number.
    """

    comparison_name = "address"
    match_fields = ("street_name", "house_number", "postcode", "city")
    level_labels = (
        "missing",
        "different",
        "same postcode or city",
        "same postcode and city",
        "street jaro_winkler >= 0.88, other house number, in the same place",
        "street jaro_winkler >= 0.88, house number not other, in the same place",
        "same street and house number in the same place",
    )
    typical_m = (1.0, 0.15, 0.05, 0.05, 0.02, 0.05, 0.68)
    typical_u = (1.0, 0.99, 0.008, 0.0015, 0.0002, 0.0001, 0.0002)

    def levels(self, left: dict[str, np.ndarray], right: dict[str, np.ndarray]) -> np.ndarray:
        street_both = _has_street(left) & _has_street(right)
        postcode_both = _present(left["postcode"]) & _present(right["postcode"])
        city_both = _present(left["city"]) & _present(right["city"])
        same_postcode = equal_values(left["postcode"], right["postcode"])
        same_city = equal_values(left["city"], right["city"])
        # A place known on only one side does not contradict the street.
        place_agrees = same_postcode | same_city | ~(postcode_both | city_both)
        similar_street = jaro_winkler(left["street_name"], right["street_name"]) >= 0.88
        other_number = (
            _present(left["house_number"])
            & _present(right["house_number"])
            & ~equal_values(left["house_number"], right["house_number"])
        )
        same_address = (
            street_both
            & _same_or_both_missing(left["street_name"], right["street_name"])
            & _same_or_both_missing(left["house_number"], right["house_number"])
        )
        return _grade(
            street_both | postcode_both | city_both,
            [
                same_postcode | same_city | same_address,
                same_postcode & same_city,
                similar_street & other_number & place_agrees,
                similar_street & ~other_number & place_agrees,
                same_address & place_agrees,
            ],
        )


def _has_street(side: dict[str, np.ndarray]) -> np.ndarray:
    has_street: np.ndarray = _present(side["street_name"]) | _present(side["house_number"])
    return has_street


def _same_or_both_missing(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    same: np.ndarray = equal_values(left, right) | ~(_present(left) | _present(right))
    return same


def _initial_of(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """One side is a single letter that starts the other side."""
    both = _present(left) & _present(right)
    result = np.zeros(len(left), dtype=bool)
    if both.any():
        lefts = pd.Series(left[both], dtype=object)
        rights = pd.Series(right[both], dtype=object)
        same_start = (lefts.str[:1] == rights.str[:1]).to_numpy()
        one_letter = ((lefts.str.len() == 1) | (rights.str.len() == 1)).to_numpy()
        result[both] = same_start & one_letter
    return result


def _same_first_word(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Multi-word given names that share their first word (``hans peter`` ~ ``hans``)."""
    both = _present(left) & _present(right)
    result = np.zeros(len(left), dtype=bool)
    if both.any():
        lefts = pd.Series(left[both], dtype=object).str.split(" ", n=1).str[0]
        rights = pd.Series(right[both], dtype=object).str.split(" ", n=1).str[0]
        result[both] = (lefts == rights).to_numpy() & (lefts.str.len() > 1).to_numpy()
    return result


class AttributeLevels(LevelComparison):
    """An extra attribute that sources map, compared the way the config says."""

    #: Lowest level at which an identifying attribute names the same person: exact, or
    #: off by what a typo does.
    identity_level: int

    def __init__(self, attribute: str) -> None:
        self.comparison_name = attribute
        self.match_fields = (attribute_field(attribute),)
        super().__init__()

    def levels(self, left: dict[str, np.ndarray], right: dict[str, np.ndarray]) -> np.ndarray:
        (field,) = self.match_fields
        present = _present(left[field]) & _present(right[field])
        return _grade(present, self.graded(left[field], right[field]))

    def graded(self, left: np.ndarray, right: np.ndarray) -> list[np.ndarray]:
        """Conditions of the levels above `DIFFERENT_LEVEL`, weakest first."""
        raise NotImplementedError


class ExactMatchLevels(AttributeLevels):
    """Same value or not."""

    level_labels = ("missing", "different", "exact")
    identity_level = 2
    typical_m = (1.0, 0.1, 0.9)
    typical_u = (1.0, 0.9, 0.1)

    def graded(self, left: np.ndarray, right: np.ndarray) -> list[np.ndarray]:
        return [equal_values(left, right)]


class EditDistanceLevels(AttributeLevels):
    """Exact, one edit apart (a typo or two swapped characters), two edits apart."""

    level_labels = ("missing", "different", "two edits apart", "one edit apart", "exact")
    identity_level = 3
    typical_m = (1.0, 0.05, 0.02, 0.08, 0.85)
    typical_u = (1.0, 0.99, 0.007, 0.002, 0.001)

    def graded(self, left: np.ndarray, right: np.ndarray) -> list[np.ndarray]:
        distance = edit_distance(left, right)
        return [distance <= 2, distance <= 1, equal_values(left, right)]


class JaroWinklerLevels(AttributeLevels):
    """Exact, Jaro–Winkler ≥ 0.92, ≥ 0.80, different."""

    level_labels = ("missing", "different", "jaro_winkler >= 0.80", "jaro_winkler >= 0.92", "exact")
    identity_level = 3
    typical_m = (1.0, 0.05, 0.05, 0.1, 0.8)
    typical_u = (1.0, 0.97, 0.02, 0.005, 0.005)

    def graded(self, left: np.ndarray, right: np.ndarray) -> list[np.ndarray]:
        similarity = jaro_winkler(left, right)
        return [similarity >= 0.80, similarity >= 0.92, equal_values(left, right)]


#: Attribute comparisons by the name the config chooses them with.
ATTRIBUTE_COMPARISONS: dict[str, type[AttributeLevels]] = {
    "exact": ExactMatchLevels,
    "edit_distance": EditDistanceLevels,
    "jaro_winkler": JaroWinklerLevels,
}


def edit_distance(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Optimal string alignment distance of aligned strings (a swap of neighbours is one
    edit); a large number where either side is missing."""
    present = _present(left) & _present(right)
    distances = np.full(len(left), np.iinfo(np.int32).max, dtype=np.int64)
    if present.any():
        distances[present] = cpdist(
            left[present].tolist(), right[present].tolist(), scorer=OSA.distance, workers=-1
        )
    return distances


#: The comparisons a default run scores, in explanation order.
DEFAULT_COMPARISONS: tuple[LevelComparison, ...] = (
    GivenNameLevels(),
    FamilyNameLevels(),
    BirthDateLevels(),
    EmailLevels(),
    PhoneLevels(),
    AddressLevels(),
    EmailBirthYearLevels(),
)


def compare_pairs(
    match_fields: pd.DataFrame,
    pairs: CandidatePairs | tuple[np.ndarray, np.ndarray],
    comparisons: Sequence[LevelComparison] = DEFAULT_COMPARISONS,
    chunk_pairs: int = 500_000,
) -> dict[str, np.ndarray]:
    """Comparison levels of every pair, by comparison name.

    Args:
        match_fields: Output of `prepare_match_fields`.
        pairs: Candidate pairs, or a ``(left, right)`` tuple of position arrays.
        comparisons: The comparisons to run.
        chunk_pairs: Pairs compared at once, to bound memory.

    Returns:
        For each comparison, an ``int8`` array of levels aligned with the pairs.
    """
    left, right = (pairs.left, pairs.right) if isinstance(pairs, CandidatePairs) else pairs
    needed = sorted({f for c in comparisons for f in c.match_fields})
    columns = {f: match_fields[f].to_numpy() for f in needed}
    levels = {c.comparison_name: np.empty(len(left), dtype=np.int8) for c in comparisons}
    for start in range(0, len(left), chunk_pairs):
        chunk = slice(start, start + chunk_pairs)
        left_side = {f: values[left[chunk]] for f, values in columns.items()}
        right_side = {f: values[right[chunk]] for f, values in columns.items()}
        for comparison in comparisons:
            levels[comparison.comparison_name][chunk] = comparison.levels(
                {f: left_side[f] for f in comparison.match_fields},
                {f: right_side[f] for f in comparison.match_fields},
            )
    return levels
