"""Pools of names, streets and places per country, sampled from Faker once.

Drawing people from these pools with numpy is what keeps the generator fast:
Faker is called a few thousand times per country, never once per person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from faker import Faker

from demo.countries import COUNTRIES, Country
from demo.nicknames import FEMALE_NAMES, nickname_table

_GIVEN_NAMES: Final = 400
_FAMILY_NAMES: Final = 800
_STREETS: Final = 1200
_PLACES: Final = 600

#: Names that every pool holds: common bearers of diacritics, per country code.
#: Pools are (male given, female given, family).
SPELLING_HARD_NAMES: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]]] = {
    "US": (("José", "Jesús"), ("Zoë", "Renée", "María"), ("García", "Núñez", "Peña")),
    "GB": (("Seán",), ("Zoë", "Chloë"), ("O'Brien", "Brontë")),
    "DE": (
        ("Jürgen", "Jörg", "Günter", "Björn", "Bernd"),
        ("Bärbel", "Käthe", "Dörte", "Jördis"),
        ("Müller", "Schäfer", "Köhler", "Böhm", "Krüger", "Weiß", "Groß", "Jäger", "Schröder"),
    ),
    "ES": (
        ("José", "Jesús", "Ramón", "Óscar", "Martín"),
        ("María", "Inés", "Sofía", "Lucía", "Begoña"),
        ("Núñez", "Muñoz", "Martínez", "Gómez", "Pérez", "Ibáñez", "Fernández"),
    ),
    "NO": (
        ("Bjørn", "Øystein", "Håkon", "Kåre", "Pål"),
        ("Åse", "Sølvi", "Bjørg", "Gøril", "Hæge"),
        ("Ødegård", "Sæther", "Bråten", "Løken", "Håland", "Bjørnstad", "Nøkleby"),
    ),
}


#: How many times each listed name is added to a pool, so that it is common.
_LISTED_NAME_WEIGHT: Final = 3


@dataclass(frozen=True)
class CountryPools:
    """Everything the population draws from for one country (object arrays of text)."""

    male_given: np.ndarray
    female_given: np.ndarray
    family: np.ndarray
    streets: np.ndarray
    postcodes: np.ndarray
    cities: np.ndarray
    """Aligned with ``postcodes``: a place is one postcode with its town."""


def _with_listed(sampled: list[str], listed: tuple[str, ...] | list[str]) -> np.ndarray:
    return np.array(sampled + list(listed) * _LISTED_NAME_WEIGHT, dtype=object)


def _country_pools(country: Country, seed: int) -> CountryPools:
    fake = Faker(country.locale)
    fake.seed_instance(seed)
    hard_male, hard_female, hard_family = SPELLING_HARD_NAMES[country.code]
    nicknamed = list(nickname_table(country.code))
    male = [fake.first_name_male() for _ in range(_GIVEN_NAMES)]
    female = [fake.first_name_female() for _ in range(_GIVEN_NAMES)]
    male_listed = [n for n in nicknamed if n not in FEMALE_NAMES]
    female_listed = [n for n in nicknamed if n in FEMALE_NAMES]
    return CountryPools(
        male_given=_with_listed(male, [*hard_male, *male_listed]),
        female_given=_with_listed(female, [*hard_female, *female_listed]),
        family=_with_listed([fake.last_name() for _ in range(_FAMILY_NAMES)], hard_family),
        streets=np.array([fake.street_name() for _ in range(_STREETS)], dtype=object),
        postcodes=np.array([fake.postcode() for _ in range(_PLACES)], dtype=object),
        cities=np.array([fake.city() for _ in range(_PLACES)], dtype=object),
    )


def sample_pools(seed: int) -> dict[str, CountryPools]:
    """Pools for every country, keyed by country code, reproducible from ``seed``."""
    return {country.code: _country_pools(country, seed) for country in COUNTRIES}
