"""The synthetic population: people living in households, with the lives they led.

Each person is one row of a frame that holds the truth about them, and the
events that make their records disagree across systems: a move (``former_*``
address), a marriage (``former_family_name``) and a new e-mail (``former_email``).
Households hold the people that matching must keep apart: spouses and children
at one address, twins born the same day, and a father and son of the same name.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Final

import numpy as np
import pandas as pd

from demo.countries import COUNTRIES, COUNTRY_CODES, Country, phone_numbers
from demo.nicknames import nickname_table
from demo.pools import CountryPools
from demo.spelling import strip_diacritics

#: Day the demo is "taken": every age and timestamp is relative to it, never to the clock.
TODAY: Final = np.datetime64("2025-06-30", "D")


class Role(IntEnum):
    """A person's place in their household."""

    HEAD = 0
    SPOUSE = 1
    CHILD = 2
    TWIN = 3
    JUNIOR = 4
    """Son with his father's (the head's) full name."""


class Household(IntEnum):
    """Kinds of household, each with its own members."""

    SINGLE = 0
    COUPLE = 1
    FAMILY = 2
    TWINS = 3
    FATHER_AND_SON = 4


_HOUSEHOLD_SHARES: Final = {
    Household.SINGLE: 0.55,
    Household.COUPLE: 0.28,
    Household.FAMILY: 0.12,
    Household.TWINS: 0.02,
    Household.FATHER_AND_SON: 0.03,
}
MOVED_RATE: Final = 0.07
"""Share of households that moved, leaving their former address in older systems."""
RENAMED_RATE: Final = 0.2
"""Share of spouses who took their partner's family name recently."""
EMAIL_CHANGED_RATE: Final = 0.08
FAMILY_EMAIL_RATE: Final = 0.1
"""Share of households of two or more whose adults share one e-mail address."""
LANDLINE_RATE: Final = 0.4


def _members(kind: Household, rng_values: np.ndarray) -> list[Role]:
    spouse, second_child = int(rng_values[0] < 0.6), int(rng_values[1] < 0.4)
    if kind is Household.SINGLE:
        return [Role.HEAD]
    if kind is Household.COUPLE:
        return [Role.HEAD, Role.SPOUSE]
    if kind is Household.FAMILY:
        return [Role.HEAD, Role.SPOUSE, Role.CHILD] + [Role.CHILD] * second_child
    if kind is Household.TWINS:
        return [Role.HEAD] + [Role.SPOUSE] * spouse + [Role.TWIN, Role.TWIN]
    return [Role.HEAD] + [Role.SPOUSE] * spouse + [Role.JUNIOR]


def _households(rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Household index and role of ``size`` people."""
    kinds_drawn = rng.choice(
        np.array(list(_HOUSEHOLD_SHARES)), size=size, p=list(_HOUSEHOLD_SHARES.values())
    )
    options = rng.random((size, 2))
    household: list[int] = []
    roles: list[Role] = []
    for number, kind in enumerate(kinds_drawn):
        members = _members(Household(kind), options[number])
        if len(roles) + len(members) > size:
            members = [Role.HEAD]  # fill the rest with people living alone
        household.extend([number] * len(members))
        roles.extend(members)
        if len(roles) == size:
            break
    return np.array(household), np.array(roles, dtype=np.int8)


def _pick(rng: np.random.Generator, pool: np.ndarray, n: int) -> np.ndarray:
    return pool[rng.integers(0, len(pool), size=n)]


def _family_names(rng: np.random.Generator, pools: CountryPools, country: str, n: int) -> list[str]:
    first = _pick(rng, pools.family, n)
    if country != "ES":
        return list(first)
    # Spaniards carry two family names, father's then mother's.
    second = _pick(rng, pools.family, n)
    double = rng.random(n) < 0.85
    return [
        f"{a} {b}" if d and a != b else a for a, b, d in zip(first, second, double, strict=True)
    ]


def _streets(rng: np.random.Generator, pools: CountryPools, country: Country, n: int) -> list[str]:
    names = _pick(rng, pools.streets, n)
    if country.house_number_first:
        top = 9999 if country.code == "US" else 250
        return [f"{num} {name}" for num, name in zip(rng.integers(1, top, n), names, strict=True)]
    numbers = [str(v) for v in rng.integers(1, 160, n)]
    suffixed = rng.random(n) < 0.05
    letters = _pick(rng, np.array(list("abc"), dtype=object), n)
    numbers = [
        f"{num}{ch}" if s else num for num, ch, s in zip(numbers, letters, suffixed, strict=True)
    ]
    separator = ", " if country.code == "ES" else " "
    return [f"{name}{separator}{num}" for name, num in zip(names, numbers, strict=True)]


def _email_local(given: str, family: str, birth_year: int, pattern: int, number: int) -> str:
    g = strip_diacritics(given).lower().replace(" ", "").replace("'", "")
    f = strip_diacritics(family.split(" ")[0]).lower().replace("'", "")
    patterns = (
        f"{g}.{f}",
        f"{g}{f}",
        f"{g[0]}{f}",
        f"{g}_{f}{birth_year % 100:02d}",
        f"{f}.{g}",
        f"{g}{birth_year}",
        f"{g}.{f}{number}",
    )
    return patterns[pattern]


def _emails(
    rng: np.random.Generator, frame: pd.DataFrame, country: Country, family: pd.Series
) -> list[str]:
    n = len(frame)
    patterns = rng.integers(0, 7, n)
    numbers = rng.integers(1, 99, n)
    domains = _pick(rng, np.array(country.email_domains, dtype=object), n)
    years = frame["birth_date"].to_numpy().astype("datetime64[Y]").astype(int) + 1970
    return [
        f"{_email_local(g, f, y, p, num)}@{d}"
        for g, f, y, p, num, d in zip(
            frame["given_name"], family, years, patterns, numbers, domains, strict=True
        )
    ]


def _family_email(family: str, country: str, domain: str) -> str:
    f = strip_diacritics(family.split(" ")[0]).lower().replace("'", "")
    return {
        "DE": f"familie.{f}@{domain}",
        "ES": f"familia{f}@{domain}",
        "NO": f"familien.{f}@{domain}",
    }.get(country, f"the{f}s@{domain}")


def _birth_dates(
    rng: np.random.Generator, roles: np.ndarray, household: np.ndarray, heads: np.ndarray
) -> np.ndarray:
    """Birth dates (days since 1970) fitting each person's role in their household."""
    n, n_households = len(roles), len(heads)
    young = np.isin(roles, (Role.CHILD, Role.TWIN, Role.JUNIOR))
    has_young = np.zeros(n_households, dtype=bool)
    has_young[household[young]] = True
    head_age = np.where(
        has_young, 46 + 39 * rng.random(n_households), 20 + 68 * rng.random(n_households)
    )
    head_birth = TODAY.astype(int) - (head_age * 365.25).astype(np.int64)
    # Children are born when the head was 22 to 40, and are adults now.
    widest_gap = np.minimum(40, head_age - 18) - 22
    household_gap = 22 + rng.random(n_households) * widest_gap
    person_gap = 22 + rng.random(n) * widest_gap[household]
    spouse_shift = rng.normal(0, 3 * 365, n).astype(np.int64)
    births = head_birth[household].copy()
    births += np.where(roles == Role.SPOUSE, spouse_shift, 0)
    births = np.where(
        np.isin(roles, (Role.CHILD, Role.JUNIOR)),
        head_birth[household] + (person_gap * 365.25).astype(np.int64),
        births,
    )
    # Twins share the household's one gap, hence one birthday.
    births = np.where(
        roles == Role.TWIN, head_birth[household] + (household_gap[household] * 365.25), births
    ).astype(np.int64)
    adult_births: np.ndarray = np.minimum(births, TODAY.astype(int) - 19 * 366)
    return adult_births


class EmailRegister:
    """E-mail addresses handed out so far, each to one owner: a person or a household."""

    def __init__(self) -> None:
        self._owners: dict[str, str] = {}

    def claim(self, email: str, owner: str, rng: np.random.Generator) -> str:
        """``email`` if it is free or already ``owner``'s, else a numbered variant of it."""
        candidate = email
        while self._owners.setdefault(candidate, owner) != owner:
            local, domain = email.split("@")
            candidate = f"{local}{int(rng.integers(1, 1000))}@{domain}"
        return candidate


def draw_people(
    rng: np.random.Generator,
    pools: dict[str, CountryPools],
    size: int,
    first_number: int,
    first_household: int,
    register: EmailRegister,
) -> pd.DataFrame:
    """``size`` people in households, numbered from ``first_number``, one row each.

    Args:
        rng: The generator every draw comes from.
        pools: Names, streets and places per country code.
        size: How many people to draw.
        first_number: Number of the first person (person ids are ``P0000001``…).
        first_household: Number of the first household.
        register: E-mail addresses already taken by earlier people.
    """
    household, roles = _households(rng, size)
    heads = np.flatnonzero(np.r_[True, household[1:] != household[:-1]])
    n_households = len(heads)
    head_of = heads[household]

    shares = np.array([c.share for c in COUNTRIES])
    household_country = rng.choice(len(COUNTRIES), size=n_households, p=shares / shares.sum())
    country_index = household_country[household]

    female = rng.random(size) < 0.5
    has_junior = np.zeros(n_households, dtype=bool)
    has_junior[household[roles == Role.JUNIOR]] = True
    female[(roles == Role.JUNIOR) | ((roles == Role.HEAD) & has_junior[household])] = False
    spouses = roles == Role.SPOUSE
    female[spouses] = ~female[head_of[spouses]] ^ (rng.random(spouses.sum()) < 0.05)

    births = _birth_dates(rng, roles, household, heads)
    given = np.empty(size, dtype=object)
    family = np.empty(size, dtype=object)
    former_family = np.full(size, None, dtype=object)
    household_family = np.empty(n_households, dtype=object)
    for number, country in enumerate(COUNTRIES):
        pool = pools[country.code]
        in_country = country_index == number
        for is_female, names in ((False, pool.male_given), (True, pool.female_given)):
            mask = in_country & (female == is_female)
            given[mask] = _pick(rng, names, int(mask.sum()))
        households_here = household_country == number
        household_family[households_here] = _family_names(
            rng, pool, country.code, int(households_here.sum())
        )
        family[in_country] = household_family[household[in_country]]
        own = in_country & spouses & ((rng.random(size) < 0.1) | (country.code == "ES"))
        family[own] = _family_names(rng, pool, country.code, int(own.sum()))
        renamed = in_country & spouses & ~own & (rng.random(size) < RENAMED_RATE)
        former_family[renamed] = _family_names(rng, pool, country.code, int(renamed.sum()))
        hyphenated = renamed & (rng.random(size) < 0.3)
        family[hyphenated] = [
            f"{old}-{new}"
            for old, new in zip(former_family[hyphenated], family[hyphenated], strict=True)
        ]

    juniors = roles == Role.JUNIOR
    given[juniors] = given[head_of[juniors]]
    for twin in np.flatnonzero(roles == Role.TWIN):
        if roles[twin - 1] == Role.TWIN:
            pool = pools[COUNTRIES[country_index[twin]].code]
            names = pool.female_given if female[twin] else pool.male_given
            while given[twin] == given[twin - 1]:
                given[twin] = _pick(rng, names, 1)[0]

    frame = pd.DataFrame(
        {
            "person_id": [f"P{first_number + i:07d}" for i in range(size)],
            "household_id": household + first_household,
            "role": roles,
            "country": np.array(COUNTRY_CODES, dtype=object)[country_index],
            "given_name": given,
            "family_name": family,
            "former_family_name": former_family,
            "birth_date": births.astype("datetime64[D]"),
        }
    )
    frame["nickname"] = _nicknames(rng, frame)
    _add_addresses(rng, pools, frame, household_country, household)
    _add_phones(rng, frame, household_country, household)
    _add_emails(rng, frame, household_family, household, register)
    return frame


def _nicknames(rng: np.random.Generator, frame: pd.DataFrame) -> list[str | None]:
    draws = rng.random(len(frame))
    nicknames: list[str | None] = []
    for country, given, draw in zip(frame["country"], frame["given_name"], draws, strict=True):
        options = nickname_table(country).get(given)
        if not options:
            nicknames.append(None)
        else:
            nicknames.append(options[0] if draw < 0.6 else options[int(draw * 97) % len(options)])
    return nicknames


def _add_addresses(
    rng: np.random.Generator,
    pools: dict[str, CountryPools],
    frame: pd.DataFrame,
    household_country: np.ndarray,
    household: np.ndarray,
) -> None:
    n_households = len(household_country)
    moved = rng.random(n_households) < MOVED_RATE
    columns = {
        name: np.full(n_households, None, dtype=object)
        for name in (
            "street",
            "postcode",
            "city",
            "former_street",
            "former_postcode",
            "former_city",
        )
    }
    for number, country in enumerate(COUNTRIES):
        pool = pools[country.code]
        for prefix, mask in (
            ("", household_country == number),
            ("former_", (household_country == number) & moved),
        ):
            count = int(mask.sum())
            places = rng.integers(0, len(pool.postcodes), count)
            columns[f"{prefix}street"][mask] = _streets(rng, pool, country, count)
            columns[f"{prefix}postcode"][mask] = pool.postcodes[places]
            columns[f"{prefix}city"][mask] = pool.cities[places]
    for name, values in columns.items():
        frame[name] = values[household]


def _add_phones(
    rng: np.random.Generator,
    frame: pd.DataFrame,
    household_country: np.ndarray,
    household: np.ndarray,
) -> None:
    n_households, size = len(household_country), len(frame)
    landline = np.full(n_households, None, dtype=object)
    landline_intl = np.full(n_households, None, dtype=object)
    mobile = np.full(size, None, dtype=object)
    mobile_intl = np.full(size, None, dtype=object)
    has_landline = rng.random(n_households) < LANDLINE_RATE
    has_mobile = rng.random(size) < 0.85
    country_index = household_country[household]
    for number, country in enumerate(COUNTRIES):
        mask = (household_country == number) & has_landline
        landline[mask], landline_intl[mask] = phone_numbers(
            rng, country.code, int(mask.sum()), mobile=False
        )
        mask_p = (country_index == number) & has_mobile
        mobile[mask_p], mobile_intl[mask_p] = phone_numbers(
            rng, country.code, int(mask_p.sum()), mobile=True
        )
    frame["landline"] = landline[household]
    frame["landline_intl"] = landline_intl[household]
    frame["mobile"] = mobile
    frame["mobile_intl"] = mobile_intl


def _add_emails(
    rng: np.random.Generator,
    frame: pd.DataFrame,
    household_family: np.ndarray,
    household: np.ndarray,
    register: EmailRegister,
) -> None:
    size = len(frame)
    email = np.full(size, None, dtype=object)
    former = np.full(size, None, dtype=object)
    has_email = rng.random(size) < 0.92
    # Most who changed their family name also changed their e-mail address.
    renamed = frame["former_family_name"].notna().to_numpy()
    changed = (rng.random(size) < EMAIL_CHANGED_RATE) | (renamed & (rng.random(size) < 0.6))
    household_size = np.bincount(household)
    shares_family_email = (rng.random(len(household_size)) < FAMILY_EMAIL_RATE) & (
        household_size > 1
    )
    adult = np.isin(frame["role"].to_numpy(), (Role.HEAD, Role.SPOUSE))
    family_email = shares_family_email[household] & adult
    for country in COUNTRIES:
        mask = (frame["country"] == country.code).to_numpy()
        if not mask.any():
            continue
        here = frame[mask]
        email[mask] = _emails(rng, here, country, here["family_name"])
        former[mask] = _emails(
            rng, here, country, here["former_family_name"].fillna(here["family_name"])
        )
        domains = _pick(rng, np.array(country.email_domains, dtype=object), int(mask.sum()))
        shared = [
            _family_email(f, country.code, d)
            for f, d in zip(household_family[household[mask]], domains, strict=True)
        ]
        email[mask & family_email] = np.array(shared, dtype=object)[family_email[mask]]
    households = frame["household_id"].to_numpy()
    person_ids = frame["person_id"].to_numpy()
    # One household keeps one family address: the first adult's.
    family_addresses: dict[int, str] = {}
    for i in range(size):
        if family_email[i]:
            if households[i] not in family_addresses:
                owner = f"household {households[i]}"
                family_addresses[households[i]] = register.claim(email[i], owner, rng)
            email[i] = family_addresses[households[i]]
            former[i] = None
            continue
        if not has_email[i]:
            email[i] = former[i] = None
            continue
        owner = person_ids[i]
        email[i] = register.claim(email[i], owner, rng)
        if changed[i] and former[i] != email[i]:
            former[i] = register.claim(former[i], owner, rng)
        else:
            former[i] = None
    frame["email"] = email
    frame["former_email"] = former
    frame["family_email"] = family_email
