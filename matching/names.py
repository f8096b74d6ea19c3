"""Name knowledge for matching: spelling keys, phonetic codes and nickname groups of folded
names."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import jellyfish
import numpy as np
import pandas as pd
from rapidfuzz.distance import JaroWinkler
from rapidfuzz.process import extractOne

from quality.names import fold_name
from quality.text import map_pairs, map_values

_MIN_FUZZY_NICKNAME_LENGTH = 5
# ae, oe, ue and aa where a transliteration of ä, ö, ü, ø or å stands: not after a vowel,
# and before a consonant.
_TRANSLITERATION = re.compile(r"(?<![aeiouy])(?:ae|oe|ue|aa)(?=[bcdfghjklmnpqrstvwxz])")

#: Groups of given names that people use for one another, folded by `fold_name`.
NICKNAME_GROUPS: tuple[tuple[str, ...], ...] = (
    ("william", "bill", "billy", "will", "willy", "liam", "wilhelm", "willem"),
    ("robert", "bob", "bobby", "rob", "robbie", "bert"),
    ("katherine", "catherine", "kathryn", "kate", "katie", "kathy", "cathy", "kat", "katharina"),
    ("elizabeth", "elisabeth", "liz", "lizzie", "beth", "betty", "eliza", "lisa", "elsa"),
    ("margaret", "maggie", "meg", "peggy", "greta", "margarethe", "margit"),
    ("james", "jim", "jimmy", "jamie"),
    ("michael", "mike", "mick", "mikey", "michel", "micha"),
    ("thomas", "tom", "tommy"),
    ("richard", "dick", "rick", "ricky", "rich"),
    ("johannes", "hans", "hansi", "johann", "jan"),
    ("francisco", "paco", "pancho", "frank", "fran"),
    ("jose", "pepe"),
    ("karianne", "kari"),
    ("alexander", "alexandra", "alex", "sascha", "sasha", "sandra", "sandy"),
    ("anthony", "tony", "antonio", "anton"),
    ("benjamin", "ben", "benny"),
    ("christopher", "chris", "kit", "christoph"),
    ("daniel", "dan", "danny"),
    ("david", "dave", "davy"),
    ("edward", "ed", "eddie", "ted", "teddy"),
    ("jennifer", "jen", "jenny"),
    ("jonathan", "jon", "jonny"),
    ("john", "jack", "johnny"),
    ("joseph", "joe", "joey", "josef", "sepp"),
    ("matthew", "matt", "matthias", "mats"),
    ("nicholas", "nick", "nicky", "nikolaus", "klaus"),
    ("patricia", "pat", "patty", "trish"),
    ("patrick", "paddy"),
    ("peter", "pete"),
    ("rebecca", "becky", "becca"),
    ("samuel", "sam", "sammy"),
    ("stephen", "steven", "steve", "stefan"),
    ("susan", "sue", "susie", "suzanne"),
    ("victoria", "vicky", "tori"),
    ("dorothy", "dot", "dolly", "dorothea"),
    ("andrew", "andy", "drew", "andreas"),
    ("charles", "charlie", "chuck", "karl", "carl"),
    ("frederick", "fred", "freddie", "friedrich", "fritz"),
    ("henry", "harry", "hank", "heinrich", "heinz"),
    ("lawrence", "larry"),
    ("timothy", "tim", "timmy"),
    ("gregory", "greg"),
    ("ronald", "ron", "ronnie"),
    ("donald", "don", "donnie"),
    ("kenneth", "ken", "kenny"),
    ("barbara", "barb", "babs"),
    ("deborah", "debbie", "deb"),
    ("christine", "christina", "kristin", "kristina", "tina", "chrissy"),
    ("josephine", "jo", "josie"),
    ("maria", "mary", "marie", "mia", "molly", "polly"),
    ("ingeborg", "inge"),
    ("guillermo", "memo"),
    ("manuel", "manolo", "manu"),
    ("dolores", "lola"),
    ("ignacio", "nacho"),
    ("enrique", "quique"),
)


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


def nickname_group_ids(folded_given: pd.Series) -> np.ndarray:
    """Nickname group of each folded given name's first word, ``-1`` when it has none.

    A misspelt name (``wiliam``) joins the group of the name it is closest to, if
    that is close enough (Jaro–Winkler ≥ 0.92, five letters or more).
    """
    first_word = folded_given.str.split(" ", n=1).str[0]
    groups = map_values(first_word, _nickname_group).astype(np.float64)
    return groups.fillna(-1).to_numpy(dtype=np.int32)


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


def _nickname_group(name: object) -> int | None:
    if not isinstance(name, str):
        return None
    groups = _nickname_index()
    if name in groups:
        return groups[name]
    if len(name) < _MIN_FUZZY_NICKNAME_LENGTH:
        return None
    best = extractOne(
        name, list(groups), scorer=JaroWinkler.normalized_similarity, score_cutoff=0.92
    )
    return groups[best[0]] if best else None


@lru_cache(maxsize=1)
def _nickname_index() -> dict[str, int]:
    return _union_groups(NICKNAME_GROUPS)


def _union_groups(groups: Iterable[Iterable[str]]) -> dict[str, int]:
    """Name → group id, merging groups that share a name so every name has one group."""
    index: dict[str, int] = {}
    parent: list[int] = []

    def root(group: int) -> int:
        while parent[group] != group:
            group = parent[group]
        return group

    for group_id, names in enumerate(groups):
        parent.append(group_id)
        for name in names:
            folded = fold_name(name)
            if folded in index:
                parent[root(group_id)] = root(index[folded])
            else:
                index[folded] = group_id
    return {name: root(group) for name, group in index.items()}
