"""Countries: ISO 3166-1 alpha-2 codes from codes and names as people write them.

Lookup keys are folded (case, accents, dots and spaces removed), so ``U.S.A.``,
``usa`` and ``U S A`` all find the United States. pycountry supplies the codes and the
English names; the alias table adds the native and colloquial names that source systems
in our markets hold. ``England``, ``Scotland``, ``Wales`` and ``Northern Ireland`` map to
``GB``, the ISO code of the United Kingdom.
"""

from __future__ import annotations

import unicodedata
from functools import cache

import pandas as pd
import pycountry

from quality.text import map_values

COUNTRY_ALIASES: dict[str, str] = {
    # United Kingdom
    "UK": "GB",
    "U.K.": "GB",
    "United Kingdom": "GB",
    "Great Britain": "GB",
    "Britain": "GB",
    "England": "GB",
    "Scotland": "GB",
    "Wales": "GB",
    "Northern Ireland": "GB",
    "Großbritannien": "GB",
    "Vereinigtes Königreich": "GB",
    "Reino Unido": "GB",
    "Gran Bretaña": "GB",
    "Storbritannia": "GB",
    "Det forente kongerike": "GB",
    # United States
    "USA": "US",
    "United States": "US",
    "United States of America": "US",
    "America": "US",
    "Vereinigte Staaten": "US",
    "Estados Unidos": "US",
    "EEUU": "US",
    "EE UU": "US",
    "Amerika": "US",
    "Sambandsstatene": "US",
    "De forente stater": "US",
    # Germany
    "Deutschland": "DE",
    "Alemania": "DE",
    "Tyskland": "DE",
    "Allemagne": "DE",
    "Germania": "DE",
    "BRD": "DE",
    # Spain
    "España": "ES",
    "Espana": "ES",
    "Spanien": "ES",
    "Spania": "ES",
    "Espagne": "ES",
    "Spagna": "ES",
    # Norway
    "Norge": "NO",
    "Noreg": "NO",
    "Norwegen": "NO",
    "Noruega": "NO",
    "Norvège": "NO",
    # Neighbours that turn up in the same customer bases
    "Sverige": "SE",
    "Danmark": "DK",
    "Suomi": "FI",
    "Ísland": "IS",
    "Österreich": "AT",
    "Schweiz": "CH",
    "Suisse": "CH",
    "Svizzera": "CH",
    "Nederland": "NL",
    "Holland": "NL",
    "The Netherlands": "NL",
    "België": "BE",
    "Belgique": "BE",
    "France": "FR",
    "Frankreich": "FR",
    "Francia": "FR",
    "Italia": "IT",
    "Italien": "IT",
    "Polska": "PL",
    "Polen": "PL",
    "Éire": "IE",
    "Irland": "IE",
    "Irlanda": "IE",
    "Portugal": "PT",
    "México": "MX",
    "Russia": "RU",
    "Czech Republic": "CZ",
    "Česko": "CZ",
    "South Korea": "KR",
    "Korea": "KR",
    "Turkey": "TR",
    "Türkiye": "TR",
    "Vietnam": "VN",
    "Iran": "IR",
    # International vehicle registration codes, which older European systems still hold
    "D": "DE",
    "N": "NO",
    "E": "ES",
    "F": "FR",
    "I": "IT",
    "A": "AT",
    "B": "BE",
    "S": "SE",
    "P": "PT",
    "L": "LU",
}
"""Names and codes that pycountry does not know, written as people write them."""

ISO_ALPHA2_CODES: frozenset[str] = frozenset(country.alpha_2 for country in pycountry.countries)
"""Every ISO 3166-1 alpha-2 code."""


def _fold(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return "".join(ch for ch in letters if ch.isalnum())


@cache
def _alpha2_by_key() -> dict[str, str]:
    by_key: dict[str, str] = {}
    for country in pycountry.countries:
        for attribute in ("name", "official_name", "common_name"):
            name = getattr(country, attribute, None)
            if name:
                by_key[_fold(name)] = country.alpha_2
    by_key.update({_fold(alias): code for alias, code in COUNTRY_ALIASES.items()})
    # Codes last: a two- or three-letter code is what a code-shaped value most likely is.
    for country in pycountry.countries:
        by_key[_fold(country.alpha_3)] = country.alpha_2
        by_key[_fold(country.alpha_2)] = country.alpha_2
    by_key[_fold("UK")] = "GB"
    return by_key


def to_alpha2(countries: pd.Series) -> pd.Series:
    """Map country codes and names to ISO 3166-1 alpha-2.

    Args:
        countries: Raw country values (codes or names, any case).

    Returns:
        Alpha-2 codes, object dtype; ``None`` where the value is missing or unknown. Compare
        with the input's presence to tell unknown values from missing ones.
    """
    by_key = _alpha2_by_key()
    return map_values(
        countries, lambda value: by_key.get(_fold(value)) if isinstance(value, str) else None
    )
