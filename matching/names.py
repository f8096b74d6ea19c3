"""Name knowledge for matching: spelling keys, phonetic codes and nicknames of folded names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

import jellyfish
import numpy as np
import pandas as pd
from nicknames import name_triplets
from rapidfuzz.distance import JaroWinkler
from rapidfuzz.process import cdist, cpdist

from quality import fold_name, map_pairs, map_values

_MIN_FUZZY_NICKNAME_LENGTH = 5
# Misspelt names looked up at once against every known name (a float64 score each).
_FUZZY_NICKNAME_CHUNK = 2_048
# ae, oe, ue and aa where a transliteration of ä, ö, ü, ø or å stands: not after a vowel,
# and before a consonant.
_TRANSLITERATION = re.compile(r"(?<![aeiouy])(?:ae|oe|ue|aa)(?=[bcdfghjklmnpqrstvwxz])")

#: Given names and other forms of them that the `nicknames` data (English names only)
#: lacks: other languages' forms and short forms, and a few English ones. Every two names
#: in one group are used for the same person.
OWN_NICKNAME_GROUPS: tuple[tuple[str, ...], ...] = (
    ("william", "liam", "wilhelm", "willem"),
    ("robert", "robbie"),
    ("katherine", "catherine", "kathryn", "katharina", "katie", "kat"),
    ("elizabeth", "elisabeth", "elsa"),
    ("margaret", "greta", "margarethe", "margit"),
    ("michael", "michel", "micha"),
    ("johannes", "johann", "hans", "hansi", "jan"),
    ("francisco", "paco", "pancho", "frank", "fran"),
    ("jose", "pepe"),
    ("karianne", "kari"),
    ("alexander", "sascha", "sasha"),
    ("alexandra", "sascha", "sasha"),
    ("anthony", "antonio", "anton"),
    ("christopher", "christoph"),
    ("david", "davy"),
    ("joseph", "josef", "sepp"),
    ("matthew", "matthias", "mats"),
    ("nicholas", "nikolaus", "klaus"),
    ("stephen", "steven", "stefan"),
    ("susan", "suzanne"),
    ("dorothy", "dorothea"),
    ("andrew", "andreas"),
    ("charles", "karl", "carl"),
    ("frederick", "friedrich", "fritz"),
    ("henry", "heinrich", "heinz"),
    ("barbara", "barb"),
    ("christine", "christina", "kristin", "kristina"),
    ("maria", "mary", "marie", "mia"),
    ("ingeborg", "inge"),
    ("guillermo", "memo"),
    ("manuel", "manolo", "manu"),
    ("dolores", "lola"),
    ("ignacio", "nacho"),
    ("enrique", "quique"),
)


@dataclass(frozen=True)
class _NicknameIndex:
    """Known given names (by spelling key) numbered, and the pairs of them that are nicknames."""

    numbers: dict[str, int]
    names: tuple[str, ...]
    #: ``low * len(names) + high`` of each nickname pair's numbers, sorted.
    pair_codes: np.ndarray


def family_names_in_emails(email_locals: pd.Series, folded_given: pd.Series) -> pd.Series:
    """The family name an e-mail address spells next to the given name, where it does.

    People often build their address from their names (``haase.herbert``,
    ``carinahaase``, ``sofie_kristensen51``): with the given name found in the local
    part, the letters left beside it are taken for the family name (three or more).
    Elsewhere, including addresses without the given name (``thewilliamsons``), the
    result is ``None``.
    """
    return map_pairs(email_locals, folded_given.str.split(" ", n=1).str[0], _family_beside)


def _family_beside(local: str, given: str | None) -> str | None:
    if not given or len(given) < 3:
        return None
    letters = re.sub(r"[^a-z]+", " ", fold_name(local) or "")
    if given not in letters:
        return None
    rest = [word for word in letters.replace(given, " ", 1).split() if len(word) >= 3]
    return rest[0] if len(rest) == 1 else None


def spelling_key(folded: str) -> str:
    """A folded name (see `fold_name`) with ae, oe, ue and aa written as a, o, u and a.

    `fold_name` drops diacritics (Müller → muller, Jørgensen → jorgensen, Åse → ase,
    Strauß → strauss), but German and Nordic spellings without them keep a second letter
    (Mueller, Joergensen, Aase). The key writes both forms alike, so Müller, Mueller and
    Muller share one key, as do Jørgensen, Joergensen and Jorgensen, and Åse, Aase and Ase.

    The trade-off: the key cannot tell a transliteration from the same letters in a name
    that has them anyway, so it also joins some names that are not spellings of each other
    (Michael and Michal, Rafael and Rafal, Maas and Mas, Manuel and the non-name Manul).
    To keep those few, only a pair where a transliteration can stand is collapsed: not
    after a vowel (Bauer, Feuerstein keep theirs) and before a consonant, so names ending
    in one (Joe and Jo, Sue and Su, Mae and Ma) stay apart. ``ss`` is left alone (Strauß
    folds to strauss already; Hess and Hes, Rossi and Rosi stay apart).
    """
    return _TRANSLITERATION.sub(lambda found: found[0][0], folded)


def spelling_keys(folded: pd.Series) -> pd.Series:
    """`spelling_key` of each folded name (``None`` when missing)."""
    return map_values(folded, lambda name: spelling_key(name) if isinstance(name, str) else None)


def metaphone_series(folded: pd.Series) -> pd.Series:
    """Metaphone code of each folded value's letters (``None`` when missing)."""
    return map_values(folded, _metaphone_or_none)


def soundex_series(folded: pd.Series) -> pd.Series:
    """Soundex code of each folded value's letters (``None`` when missing)."""
    return map_values(folded, _soundex_or_none)


def nickname_numbers(given_keys: pd.Series) -> np.ndarray:
    """The known name each given name's first word is, as a number; ``-1`` when none.

    Args:
        given_keys: Spelling keys of folded given names (see `spelling_key`).

    Returns:
        One number per name, for `are_nicknames`. A misspelt name (``wiliam``) counts as
        the known name it is closest to, if that is close enough (Jaro–Winkler ≥ 0.92,
        five letters or more).
    """
    codes, distinct = pd.factorize(given_keys, use_na_sentinel=True)
    names = pd.Series(distinct, dtype=object).str.split(" ", n=1).str[0]
    numbers = names.map(_nickname_index().numbers).fillna(-1).to_numpy(np.int64)
    long_enough = (names.str.len() >= _MIN_FUZZY_NICKNAME_LENGTH).to_numpy()
    fuzzy = np.flatnonzero((numbers < 0) & long_enough)
    numbers[fuzzy] = _closest_known_names(names.iloc[fuzzy].tolist())
    return np.append(numbers, -1)[codes].astype(np.int32)  # code -1, a missing name, picks -1


def are_nicknames(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Aligned names (numbers from `nickname_numbers`) that are nicknames of each other.

    A pair is a nickname pair where the `nicknames` data lists one as a nickname of the
    other (William and Bill, Margaret and Peggy), or `OWN_NICKNAME_GROUPS` holds both
    (Johannes and Hans), or both are the same known name. The relation is not transitive:
    Al is a nickname of Alan and of Alfred, but Alan and Alfred are not nicknames of each
    other, nor are two nicknames of one name (Daisy and Rita of Margaret), which the data
    does not list together.
    """
    index = _nickname_index()
    left, right = np.asarray(left, dtype=np.int64), np.asarray(right, dtype=np.int64)
    codes = np.minimum(left, right) * len(index.names) + np.maximum(left, right)
    known = (left >= 0) & (right >= 0)
    nickname_pairs: np.ndarray = known & ((left == right) | np.isin(codes, index.pair_codes))
    return nickname_pairs


def _letters(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    letters = "".join(ch for ch in value if "a" <= ch <= "z")
    return letters or None


def _metaphone_or_none(value: object) -> str | None:
    letters = _letters(value)
    return jellyfish.metaphone(letters) or None if letters else None


def _soundex_or_none(value: object) -> str | None:
    letters = _letters(value)
    return jellyfish.soundex(letters) if letters else None


def _closest_known_names(names: list[str]) -> np.ndarray:
    """Number of the known name closest to each name, ``-1`` where none is close enough."""
    known = _nickname_index().names
    closest = np.full(len(names), -1, dtype=np.int64)
    for start in range(0, len(names), _FUZZY_NICKNAME_CHUNK):
        scores = cdist(
            names[start : start + _FUZZY_NICKNAME_CHUNK],
            known,
            scorer=JaroWinkler.normalized_similarity,
            score_cutoff=0.92,
            workers=-1,
            dtype=np.float64,
        )
        best = scores.argmax(axis=1)
        found = scores[np.arange(len(best)), best] > 0
        closest[start : start + len(best)] = np.where(found, best, -1)
    return closest


@lru_cache(maxsize=1)
def _nickname_index() -> _NicknameIndex:
    """Nickname pairs of the `nicknames` data and of `OWN_NICKNAME_GROUPS`, by spelling key."""
    listed = [(triplet.name1, triplet.name2) for triplet in name_triplets()]
    listed += [pair for group in OWN_NICKNAME_GROUPS for pair in combinations(group, 2)]
    keyed = [(spelling_key(fold_name(a)), spelling_key(fold_name(b))) for a, b in listed]
    names = tuple(sorted({name for pair in keyed for name in pair}))
    numbers = {name: number for number, name in enumerate(names)}
    codes = {
        min(numbers[a], numbers[b]) * len(names) + max(numbers[a], numbers[b])
        for a, b in keyed
        if a != b
    }
    return _NicknameIndex(numbers, names, np.array(sorted(codes), dtype=np.int64))


def emails_used_by_several_people(match_fields: pd.DataFrame) -> np.ndarray:
    """Per record, whether its e-mail address is a family's: records holding it give given
    names that are plainly different (not the same first name, a nickname or a close
    spelling of one another).

    Args:
        match_fields: With ``email``, ``given_key`` and ``nickname`` (`nickname_numbers`).

    Returns:
        ``1`` where the address is used by several people, else ``0``.
    """
    email = match_fields["email"]
    first = match_fields["given_key"].str.split(" ", n=1).str[0]
    usable = email.notna() & (first.str.len() > 1)
    holders = pd.DataFrame({"email": email, "first": first, "nickname": match_fields["nickname"]})[
        usable.to_numpy()
    ].drop_duplicates(["email", "first"])
    holders = holders[holders.duplicated("email", keep=False)]
    pairs = holders.merge(holders, on="email", suffixes=("_l", "_r"))
    pairs = pairs[pairs["first_l"] < pairs["first_r"]]
    similar = (
        cpdist(pairs["first_l"].tolist(), pairs["first_r"].tolist(), scorer=JaroWinkler.similarity)
        >= 0.8
    )
    alike = similar | are_nicknames(pairs["nickname_l"].to_numpy(), pairs["nickname_r"].to_numpy())
    family_emails = pairs.loc[~alike, "email"].unique()
    return email.isin(family_emails).to_numpy(dtype=np.int8)
