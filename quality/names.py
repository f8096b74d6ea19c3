"""Person names: split full names, strip titles and suffixes, proper case for display.

Rules:

- A comma always separates ``Family, Given`` whatever the declared order.
- Without a comma, ``family_given`` takes the first word as the family name
  (``MÜLLER HANS PETER``) and ``given_family`` the last (``Anna Maria Müller``); name
  particles before the family name belong to it (``Anna van der Berg``). Compound
  surnames without a comma (``José García López``) cannot be told from middle names and
  are split at the last word; sources that hold them should map separate columns.
- Leading titles (Dr, Mr, Mrs, Ms, Miss, Mx, Prof, Herr, Frau, Sr, Sra, Srta, Doña)
  are removed. Generational suffixes (Jr, Sr, II, III, IV) at the end of a name are
  dropped: they are not part of the given name, and birth dates tell father and son
  apart better than a suffix that sources record inconsistently.
- Values written all in upper or all in lower case are re-cased for display
  (``MÜLLER-LÜDENSCHEIDT`` → ``Müller-Lüdenscheidt``, ``O'NEILL`` → ``O'Neill``,
  ``MCDONALD`` → ``McDonald``, ``VAN DER BERG`` → ``van der Berg``); mixed-case values
  are kept as written, since ``DeAndre`` or ``LeBlanc`` would not survive re-casing.
"""

from __future__ import annotations

import re
from typing import Literal

import pandas as pd

from quality.text import clean_text, map_distinct

NameOrder = Literal["given_family", "family_given"]

_TITLES = r"dr|mr|mrs|ms|miss|mx|prof|herr|frau|sr|sra|srta|don|doña"
_LEADING_TITLES = re.compile(rf"^(?:(?:{_TITLES})\.?(?:\s+|$))+", re.IGNORECASE)
_TRAILING_SUFFIX = re.compile(r"(?:\s*,)?\s+(?:jr|sr|ii|iii|iv)\.?$", re.IGNORECASE)

_PARTICLES = r"van|von|der|den|de|del|della|la|las|los|di|da|dos|das|du|ten|ter|zu|af|y"
_PARTICLE_RUN = rf"(?:(?:{_PARTICLES})\s+)*"
_COMMA_SPLIT = re.compile(r"^(?P<family>[^,]*),\s*(?P<given>.*)$")
_FAMILY_FIRST = re.compile(rf"^(?P<family>{_PARTICLE_RUN}\S+)\s*(?P<given>.*)$", re.IGNORECASE)
_FAMILY_LAST = re.compile(rf"^(?P<given>.*?)\s*(?P<family>{_PARTICLE_RUN}\S+)$", re.IGNORECASE)

_MC_PREFIX = re.compile(r"\bMc(\w)")
# A particle is lower-case only when another word follows it: "De" alone is a surname.
_CAPITALIZED_PARTICLE = re.compile(rf"\b({_PARTICLES})\b(?=\s+\S)", re.IGNORECASE)


def display_case(names: pd.Series) -> pd.Series:
    """Proper-case names written all upper or all lower; keep mixed case as written.

    Args:
        names: Cleaned name values (object dtype, NaN for missing).

    Returns:
        The names in display case.
    """
    single_case = names.str.isupper() | names.str.islower()
    recased = (
        names.str.title()
        .str.replace(_MC_PREFIX, lambda m: "Mc" + m.group(1).upper(), regex=True)
        .str.replace(_CAPITALIZED_PARTICLE, lambda m: m.group(1).lower(), regex=True)
    )
    return recased.where(single_case.eq(True), names)


def strip_titles(names: pd.Series) -> pd.Series:
    """Remove leading titles and trailing generational suffixes from cleaned names."""
    stripped = names.str.replace(_LEADING_TITLES, "", regex=True).str.replace(
        _TRAILING_SUFFIX, "", regex=True
    )
    stripped = stripped.str.strip(" ,")
    return stripped.where(stripped.str.len() > 0)


def clean_name(names: pd.Series) -> pd.Series:
    """Clean a single-name column (given or family): Unicode, whitespace, titles, case.

    Args:
        names: Raw name values from one source column.

    Returns:
        Display-ready names, NaN where nothing is left.
    """
    return map_distinct(names, lambda unique: display_case(strip_titles(clean_text(unique))))


def split_full_name(full_names: pd.Series, order: NameOrder = "given_family") -> pd.DataFrame:
    """Split full names into given and family names.

    Args:
        full_names: Raw full-name values from one source column.
        order: How the source writes names without a comma.

    Returns:
        A frame with ``given_name`` and ``family_name``, aligned with ``full_names``.
    """
    distinct = pd.Series(pd.unique(full_names.dropna()), dtype="object")
    cleaned = strip_titles(clean_text(distinct))
    no_comma = cleaned.str.extract(_FAMILY_FIRST if order == "family_given" else _FAMILY_LAST)
    with_comma = cleaned.str.extract(_COMMA_SPLIT)
    has_comma = cleaned.str.contains(",", regex=False, na=False).astype(bool)
    parts = no_comma.where(~has_comma, with_comma)
    given = display_case(strip_titles(parts["given"]))
    family = display_case(strip_titles(parts["family"]))
    given_by_full = pd.Series(given.to_numpy(), index=distinct.to_numpy())
    family_by_full = pd.Series(family.to_numpy(), index=distinct.to_numpy())
    return pd.DataFrame(
        {
            "given_name": full_names.map(given_by_full).astype("object"),
            "family_name": full_names.map(family_by_full).astype("object"),
        },
        index=full_names.index,
    )
