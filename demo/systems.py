"""Rendering the population into the four source systems, each in its own conventions.

Every system sees a different slice of the people and a different moment of their
lives: the legacy CRM still has the maiden name and the old address, the web shop
has the nickname and the new e-mail, the support desk has whatever the caller said.
Each record keeps the ``person_id`` it was rendered from; it becomes the truth file.
"""

from __future__ import annotations

from typing import Final, cast

import numpy as np
import pandas as pd

from demo.countries import COUNTRIES
from demo.people import TODAY, EmailRegister
from demo.spelling import misspell, strip_diacritics, transliterate

#: Share of people each system knows, and the share it knows twice (duplicate accounts).
REACH: Final = {
    "crm_legacy": (0.60, 0.02),
    "webshop": (0.58, 0.04),
    "support_desk": (0.30, 0.05),
    "newsletter": (0.38, 0.03),
}
_NEEDS_EMAIL: Final = ("webshop", "newsletter")
_BY_CODE: Final = {country.code: country for country in COUNTRIES}


def memberships(rng: np.random.Generator, people: pd.DataFrame) -> dict[str, np.ndarray]:
    """How many records (0, 1 or 2) each person has in each system; everyone has one."""
    size = len(people)
    has_email = people["email"].notna().to_numpy()
    counts: dict[str, np.ndarray] = {}
    for system, (reach, twice) in REACH.items():
        eligible = has_email if system in _NEEDS_EMAIL else np.ones(size, dtype=bool)
        known = (rng.random(size) < reach) & eligible
        counts[system] = known.astype(np.int8) + (known & (rng.random(size) < twice))
    nowhere = np.flatnonzero(sum(counts.values()) == 0)
    fallback = rng.integers(0, len(REACH), len(nowhere))
    for person, choice in zip(nowhere, fallback, strict=True):
        system = list(REACH)[choice]
        if system in _NEEDS_EMAIL and not has_email[person]:
            system = "crm_legacy"
        counts[system][person] = 1
    return counts


def _records(people: pd.DataFrame, counts: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per record, and whether it is the second record of its person."""
    rows = people.loc[people.index.repeat(counts)].reset_index(drop=True)
    second = rows["person_id"].duplicated(keep="first").to_numpy()
    return rows, second


def _either(condition: np.ndarray, when_true: pd.Series, when_false: pd.Series) -> np.ndarray:
    """Element-wise choice that keeps missing values of the chosen side."""
    return np.where(condition, when_true.to_numpy(dtype=object), when_false.to_numpy(dtype=object))


def _kept(keep: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``values`` where ``keep`` holds, missing elsewhere."""
    kept = np.array(values, dtype=object)
    kept[~keep] = None
    return kept


def _present(rng: np.random.Generator, values: np.ndarray, rate: float) -> np.ndarray:
    """``values`` with about ``1 - rate`` of them blanked out."""
    return _kept(rng.random(len(values)) < rate, values)


def _timestamps(rng: np.random.Generator, n: int, start: str, end: str) -> np.ndarray:
    low = np.datetime64(start, "s").astype(np.int64)
    high = np.datetime64(end, "s").astype(np.int64)
    return rng.integers(low, high, n).astype("datetime64[s]")


def _iso(stamps: np.ndarray, offsets: list[str] | str) -> list[str]:
    texts = np.datetime_as_string(stamps, unit="s")
    if isinstance(offsets, str):
        return [f"{t}{offsets}" for t in texts]
    return [f"{t}{o}" for t, o in zip(texts, offsets, strict=True)]


def _written(names: np.ndarray, spelling: np.ndarray) -> list[str | None]:
    """Names as a system keeps them: 0 as typed, 1 without diacritics, 2 transliterated."""
    spellers = (lambda t: t, strip_diacritics, transliterate)
    return [None if n is None else spellers[s](n) for n, s in zip(names, spelling, strict=True)]


def _given(rng: np.random.Generator, rows: pd.DataFrame, nickname_rate: float) -> np.ndarray:
    use_nickname = (rng.random(len(rows)) < nickname_rate) & rows["nickname"].notna().to_numpy()
    return _either(use_nickname, rows["nickname"], rows["given_name"])


def _moved_yet(
    rng: np.random.Generator, rows: pd.DataFrame, rate: float | np.ndarray
) -> np.ndarray:
    """Whether each record has the person's new address (``rate`` of those who moved)."""
    return rows["former_street"].isna().to_numpy() | (rng.random(len(rows)) < rate)


def _address(rows: pd.DataFrame, current: np.ndarray) -> dict[str, np.ndarray]:
    return {
        part: _either(current, rows[part], rows[f"former_{part}"])
        for part in ("street", "postcode", "city")
    }


def crm_legacy(rng: np.random.Generator, people: pd.DataFrame, counts: np.ndarray) -> pd.DataFrame:
    """The legacy CRM: upper-case ``SURNAME, GIVEN``, DDMMYYYY dates, national phones."""
    rows, second = _records(people, counts)
    n = len(rows)
    renamed = rows["former_family_name"].notna().to_numpy() & (rng.random(n) < 0.9)
    family = _either(renamed, rows["former_family_name"], rows["family_name"])
    given = _given(rng, rows, 0.03)
    # A duplicate account is often a careless re-entry.
    family = np.array(misspell(list(family), rng, np.where(second, 0.15, 0.02)), dtype=object)
    given = np.array(misspell(list(given), rng, 0.02), dtype=object)
    spelling = rng.choice(3, n, p=[0.2, 0.35, 0.45])
    family_w, given_w = _written(family, spelling), _written(given, spelling)
    swapped = rng.random(n) < 0.01
    names = [
        f"{g}, {f}".upper() if s else f"{f}, {g}".upper()
        for f, g, s in zip(family_w, given_w, swapped, strict=True)
    ]
    address = _address(rows, _moved_yet(rng, rows, 0.2))
    streets = misspell(list(address["street"]), rng, 0.03)
    phone = _either(rows["landline"].notna().to_numpy(), rows["landline"], rows["mobile"])
    email = _either(rows["former_email"].notna().to_numpy(), rows["former_email"], rows["email"])
    births = pd.Series(rows["birth_date"]).dt.strftime("%d%m%Y").to_numpy(dtype=object)
    codes = [_BY_CODE[c].legacy_codes for c in rows["country"]]
    picks = rng.integers(0, 6, n)
    changed = _timestamps(rng, n, "2006-01-01", "2019-12-31")
    return pd.DataFrame(
        {
            "person_id": rows["person_id"],
            "NAME": names,
            "BIRTH_DT": _present(rng, births, 0.95),
            "TEL": _present(rng, phone, 0.85),
            "STREET": streets,
            "ZIP": address["postcode"],
            "CITY": [c.upper() for c in address["city"]],
            "CTRY": [options[p % len(options)] for options, p in zip(codes, picks, strict=True)],
            "EMAIL": _present(rng, email, 0.12),
            "LAST_CHG": pd.Series(changed).dt.strftime("%Y-%m-%d %H:%M:%S"),
        }
    )


def webshop(
    rng: np.random.Generator,
    people: pd.DataFrame,
    counts: np.ndarray,
    register: EmailRegister,
) -> pd.DataFrame:
    """The web shop: e-mail centred, nicknames, ISO dates, country written as a name."""
    rows, second = _records(people, counts)
    n = len(rows)
    has_second = rows["person_id"].duplicated(keep=False).to_numpy() & ~second
    # The older of two accounts still has the former e-mail, name and address.
    old = has_second
    email = rows["email"].to_numpy(dtype=object).copy()
    for i in map(int, np.flatnonzero(old)):
        if rows["former_email"].iat[i] is not None:
            email[i] = rows["former_email"].iat[i]
        else:
            local, domain = email[i].split("@")
            other = _BY_CODE[cast(str, rows["country"].iat[i])].email_domains[0]
            email[i] = register.claim(
                f"{local}.shop@{other if other != domain else 'gmail.com'}",
                cast(str, rows["person_id"].iat[i]),
                rng,
            )
    family = _either(
        old & rows["former_family_name"].notna().to_numpy(),
        rows["former_family_name"],
        rows["family_name"],
    )
    first_only = (rows["country"] == "ES").to_numpy() & (rng.random(n) < 0.3)
    family = np.array(
        [f.split(" ")[0] if cut else f for f, cut in zip(family, first_only, strict=True)],
        dtype=object,
    )
    given = _given(rng, rows, 0.35)
    spelling = np.where(rng.random(n) < 0.15, 1, 0)
    given_w = misspell(_written(given, spelling), rng, 0.02)
    family_w = misspell(_written(family, spelling), rng, 0.02)
    swapped = rng.random(n) < 0.015
    address = _address(rows, _moved_yet(rng, rows, np.where(old, 0.0, 0.85)))
    phone = _either(
        rows["mobile_intl"].notna().to_numpy(), rows["mobile_intl"], rows["landline_intl"]
    )
    countries = [_BY_CODE[c].written_names for c in rows["country"]]
    picks = rng.integers(0, 12, n)
    updated = _timestamps(rng, n, "2018-01-01", str(TODAY))
    updated = np.where(old, updated - np.timedelta64(400, "D"), updated)
    return pd.DataFrame(
        {
            "person_id": rows["person_id"],
            "email": email,
            "first_name": _either(swapped, pd.Series(family_w), pd.Series(given_w)),
            "last_name": _either(swapped, pd.Series(given_w), pd.Series(family_w)),
            "date_of_birth": _present(
                rng, pd.Series(rows["birth_date"]).dt.strftime("%Y-%m-%d").to_numpy(), 0.7
            ),
            "phone": _present(rng, phone, 0.45),
            "address_line": misspell(list(address["street"]), rng, 0.02),
            "zip": address["postcode"],
            "city": address["city"],
            "country": [names[p % len(names)] for names, p in zip(countries, picks, strict=True)],
            "updated_at": _iso(updated, "+00:00"),
        }
    )


def support_desk(
    rng: np.random.Generator, people: pd.DataFrame, counts: np.ndarray
) -> pd.DataFrame:
    """The support desk: one name field, whatever contact the caller gave, local times."""
    rows, _ = _records(people, counts)
    n = len(rows)
    given = _given(rng, rows, 0.15)
    spelling = np.where(rng.random(n) < 0.1, 1, 0)
    given_w = misspell(_written(given, spelling), rng, 0.03)
    family_w = misspell(_written(rows["family_name"].to_numpy(dtype=object), spelling), rng, 0.03)
    swapped = rng.random(n) < 0.02
    names = [
        f"{f} {g}" if s else f"{g} {f}" for g, f, s in zip(given_w, family_w, swapped, strict=True)
    ]
    email = _either(
        rows["former_email"].notna().to_numpy() & (rng.random(n) < 0.3),
        rows["former_email"],
        rows["email"],
    )
    email = _present(rng, email, 0.6)
    national = rng.random(n) < 0.5
    mobile = _either(national, rows["mobile"], rows["mobile_intl"])
    landline = _either(national, rows["landline"], rows["landline_intl"])
    phone = _present(rng, _either(pd.notna(mobile), pd.Series(mobile), pd.Series(landline)), 0.45)
    no_contact = pd.isna(email) & pd.isna(phone)
    with_address = no_contact | (rng.random(n) < 0.3)
    address = _address(rows, _moved_yet(rng, rows, 0.5))
    offsets = [_BY_CODE[c].utc_offset for c in rows["country"]]
    created = _timestamps(rng, n, "2017-01-01", "2024-06-30")
    modified = created + rng.integers(0, 365 * 86400, n).astype("timedelta64[s]")
    return pd.DataFrame(
        {
            "person_id": rows["person_id"],
            "name": names,
            "email": email,
            "phone": phone,
            "street": _kept(with_address, address["street"]),
            "zip": _kept(with_address, address["postcode"]),
            "city": _kept(with_address, address["city"]),
            "country": rows["country"],
            "created": _iso(created, offsets),
            "modified": _iso(modified, offsets),
        }
    )


def newsletter(rng: np.random.Generator, people: pd.DataFrame, counts: np.ndarray) -> pd.DataFrame:
    """The newsletter tool: an e-mail, maybe a first name, and consent."""
    rows, second = _records(people, counts)
    n = len(rows)
    has_former = rows["former_email"].notna().to_numpy()
    first_of_two = rows["person_id"].duplicated(keep=False).to_numpy() & ~second
    use_former = has_former & (first_of_two | (rng.random(n) < 0.4)) & ~second
    email = _either(use_former, rows["former_email"], rows["email"])
    given = _given(rng, rows, 0.3)
    spelling = np.where(rng.random(n) < 0.1, 1, 0)
    subscribed = _timestamps(rng, n, "2015-01-01", str(TODAY))
    return pd.DataFrame(
        {
            "person_id": rows["person_id"],
            "email": email,
            "first_name": _present(rng, np.array(_written(given, spelling), dtype=object), 0.85),
            "consent": np.where(rng.random(n) < 0.85, "true", "false"),
            "subscribed_at": _iso(subscribed, "Z"),
        }
    )
