"""Person names: split full names, strip titles and suffixes, proper case for display.

Rules:

- A comma always separates ``Family, Given`` whatever the declared order.
- Without a comma, ``family_given`` takes the first word as the family name
  (``MÜLLER HANS PETER``) and ``given_family`` the last (``Anna Maria Müller``); name
  particles before the family name belong to it (``Anna van der Berg``). Compound
  surnames without a comma (``José García López``) cannot be told from middle names and
  are split at the last word; sources that hold them should map separate columns.
- Leading titles (Dr, Mr, Mrs, Ms, Miss, Mx, Prof, Herr, Frau, Sr, Sra, Srta, Don, Doña)
  are removed. Generational suffixes (Jr, Sr, II, III, IV) at the end of a name are
  dropped: they are not part of the given name, and birth dates tell father and son
  apart better than a suffix that sources record inconsistently. A name that is nothing
  but such a word is kept: ``Herr`` and ``Don`` are family names too.
- Values written all in upper or all in lower case are re-cased for display
  (``MÜLLER-LÜDENSCHEIDT`` → ``Müller-Lüdenscheidt``, ``O'NEILL`` → ``O'Neill``,
  ``MCDONALD`` → ``McDonald``, ``VAN DER BERG`` → ``van der Berg``); mixed-case values
  are kept as written, since ``DeAndre`` or ``LeBlanc`` would not survive re-casing.
- For matching, :func:`fold_name` gives a lower-case form without diacritics
  (``Müller`` → ``muller``, ``Søren`` → ``soren``, ``Strauß`` → ``strauss``) and, with
  ``transliterate``, the German and Nordic spelling of the same letters (``Müller`` →
  ``mueller``, ``Åse`` → ``aase``), so ``Müller``, ``Mueller`` and ``Muller`` meet.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

import pandas as pd

from quality.text import clean_value, map_values

NameOrder = Literal["given_family", "family_given"]

_TITLE_WORDS = frozenset(
    ("dr", "mr", "mrs", "ms", "miss", "mx", "prof", "herr", "frau", "sr", "sra", "srta", "don")
) | {"doña"}
_SUFFIX_WORDS = frozenset(("jr", "sr", "ii", "iii", "iv"))
_TITLES = "|".join(sorted(_TITLE_WORDS, key=lambda word: (-len(word), word)))
_LEADING_TITLES = re.compile(rf"^(?:(?:{_TITLES})\.?(?:\s+|$))+", re.IGNORECASE)
_TRAILING_SUFFIX = re.compile(r"(?:(?:\s*,)?\s+(?:jr|sr|ii|iii|iv)\.?)+$", re.IGNORECASE)

_PARTICLES = r"van|von|der|den|de|del|della|la|las|los|di|da|dos|das|du|ten|ter|zu|af|y"
_PARTICLE_RUN = rf"(?:(?:{_PARTICLES})\s+)*"
_FAMILY_FIRST = re.compile(rf"^(?P<family>{_PARTICLE_RUN}\S+)\s*(?P<given>.*)$", re.IGNORECASE)
_FAMILY_LAST = re.compile(rf"^(?P<given>.*?)\s*(?P<family>{_PARTICLE_RUN}\S+)$", re.IGNORECASE)

_MC_PREFIX = re.compile(r"\bMc(\w)")
# A particle is lower-case only when another word follows it: "De" alone is a surname.
_CAPITALIZED_PARTICLE = re.compile(rf"\b({_PARTICLES})\b(?=\s+\S)", re.IGNORECASE)

# Letters that Unicode does not decompose into a base letter plus an accent.
_UNDECOMPOSABLE = str.maketrans(
    {"ø": "o", "Ø": "o", "ß": "ss", "ẞ": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "đ": "d"}
    | {"Đ": "d", "ł": "l", "Ł": "l", "þ": "th", "Þ": "th", "ı": "i"}
)
# How German and the Nordic languages spell these letters without diacritics.
_TRANSLITERATED = str.maketrans(
    {"ä": "ae", "Ä": "ae", "ö": "oe", "Ö": "oe", "ü": "ue", "Ü": "ue", "ø": "oe", "Ø": "oe"}
    | {"å": "aa", "Å": "aa"}
)


# The regular expressions below run only where a cheap test says they may apply:
# names are standardized by the million.


def _display_case(name: str) -> str:
    if not (name.isupper() or name.islower()):
        return name
    recased = name.title()
    if "Mc" in recased:
        recased = _MC_PREFIX.sub(lambda m: "Mc" + m.group(1).upper(), recased)
    if " " in recased:
        recased = _CAPITALIZED_PARTICLE.sub(lambda m: m.group(1).lower(), recased)
    return recased


def _word(word: str) -> str:
    return word.strip(",.").lower()


def _without_titles(name: str) -> str | None:
    bare = name
    if _word(bare.partition(" ")[0]) in _TITLE_WORDS:
        bare = _LEADING_TITLES.sub("", bare)
    if _word(bare.rpartition(" ")[2]) in _SUFFIX_WORDS:
        bare = _TRAILING_SUFFIX.sub("", bare)
    return bare.strip(" ,") or name.strip(" ,") or None


def _name_part(part: str | None) -> str | None:
    bare = _without_titles(part) if part else None
    return _display_case(bare) if bare else None


def _cased(part: str | None) -> str | None:
    return _display_case(part) if part else None


def _clean_name(value: object) -> str | None:
    cleaned = clean_value(value)
    return _name_part(cleaned) if cleaned else None


def _split(value: object, order: NameOrder) -> tuple[str | None, str | None]:
    cleaned = clean_value(value)
    bare = _without_titles(cleaned) if cleaned else None
    if bare is None:
        return None, None
    if "," in bare:
        family, _, given = bare.partition(",")
        return _name_part(given.strip()), _name_part(family.strip())
    # Titles and suffixes were stripped from the ends of the whole name already.
    parts = (_FAMILY_FIRST if order == "family_given" else _FAMILY_LAST).match(bare)
    if parts is None:
        return None, None
    return _cased(parts["given"]), _cased(parts["family"])


def clean_name(names: pd.Series) -> pd.Series:
    """Clean a single-name column (given or family): Unicode, whitespace, titles, case.

    Args:
        names: Raw name values from one source column.

    Returns:
        Display-ready names, ``None`` where nothing is left.
    """
    return map_values(names, _clean_name)


def split_full_name(full_names: pd.Series, order: NameOrder = "given_family") -> pd.DataFrame:
    """Split full names into given and family names.

    Args:
        full_names: Raw full-name values from one source column.
        order: How the source writes names without a comma.

    Returns:
        A frame with ``given_name`` and ``family_name``, aligned with ``full_names``.
    """
    split = map_values(full_names, lambda value: _split(value, order))
    missing = (None, None)
    parts = [missing if pair is None else pair for pair in split]
    return pd.DataFrame(
        {
            "given_name": pd.Series([p[0] for p in parts], index=full_names.index, dtype=object),
            "family_name": pd.Series([p[1] for p in parts], index=full_names.index, dtype=object),
        }
    )


def fold_name(value: str, *, transliterate: bool = False) -> str:
    """Lower-case ``value`` and fold diacritics away, for comparing names.

    Args:
        value: Any text.
        transliterate: Spell ä, ö, ü, ø and å as ae, oe, ue, oe and aa instead of
            dropping their marks.

    Returns:
        The text in lower case without diacritics; hyphens and dots become spaces and
        whitespace is collapsed (``José-María`` → ``jose maria``).
    """
    if value.isascii():  # no diacritics to fold: most names
        bare = value
    else:
        if transliterate:
            value = value.translate(_TRANSLITERATED)
        decomposed = unicodedata.normalize("NFKD", value.translate(_UNDECOMPOSABLE))
        bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.lower().replace("-", " ").replace(".", " ").split())


def fold_names(names: pd.Series, *, transliterate: bool = False) -> pd.Series:
    """:func:`fold_name` over a column; missing and blank values become ``None``."""
    return map_values(
        names,
        lambda value: (
            (fold_name(value, transliterate=transliterate) or None)
            if isinstance(value, str)
            else None
        ),
    )
