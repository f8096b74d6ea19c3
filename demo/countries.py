"""The five countries of the demo customer base and how each writes its own data.

Each country brings its Faker locale, the way its people write phone numbers and
street addresses, the names a web form gets for it, its currency and its clock.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Country:
    """Conventions of one country, as its customers and its systems write them."""

    code: str
    """ISO 3166-1 alpha-2 code."""
    locale: str
    """Faker locale used for names, streets and places."""
    share: float
    """Share of the customer base living there."""
    written_names: tuple[str, ...]
    """How customers type the country into a web form."""
    legacy_codes: tuple[str, ...]
    """How the legacy CRM wrote the country over the years."""
    house_number_first: bool
    """``221 Baker Street`` rather than ``Hauptstraße 12``."""
    email_domains: tuple[str, ...]
    currency: str
    utc_offset: str
    """Offset the support desk stamps on its local timestamps."""


COUNTRIES: tuple[Country, ...] = (
    Country(
        "US",
        "en_US",
        0.30,
        ("USA", "United States", "United States of America", "US"),
        ("US", "US", "USA"),
        True,
        ("gmail.com", "yahoo.com", "outlook.com", "aol.com", "comcast.net"),
        "USD",
        "-05:00",
    ),
    Country(
        "GB",
        "en_GB",
        0.20,
        ("UK", "United Kingdom", "Great Britain", "England"),
        ("GB", "UK"),
        True,
        ("gmail.com", "btinternet.com", "hotmail.co.uk", "yahoo.co.uk", "sky.com"),
        "GBP",
        "+00:00",
    ),
    Country(
        "DE",
        "de_DE",
        0.25,
        ("Deutschland", "Germany", "Deutschland", "DE"),
        ("DE", "DE", "D"),
        False,
        ("web.de", "gmx.de", "t-online.de", "gmail.com", "freenet.de"),
        "EUR",
        "+01:00",
    ),
    Country(
        "ES",
        "es_ES",
        0.15,
        ("España", "Spain", "Espana", "ES"),
        ("ES", "ES", "E"),
        False,
        ("gmail.com", "hotmail.es", "telefonica.net", "yahoo.es"),
        "EUR",
        "+01:00",
    ),
    Country(
        "NO",
        "no_NO",
        0.10,
        ("Norge", "Norway", "Norge", "NO"),
        ("NO", "N"),
        False,
        ("online.no", "gmail.com", "hotmail.com", "telenor.no"),
        "NOK",
        "+01:00",
    ),
)

COUNTRY_CODES: tuple[str, ...] = tuple(c.code for c in COUNTRIES)


def _digits(rng: np.random.Generator, n: int, width: int) -> list[str]:
    return [str(v).zfill(width) for v in rng.integers(0, 10**width, size=n)]


def _pick(rng: np.random.Generator, options: tuple[str, ...], n: int) -> list[str]:
    return [options[i] for i in rng.integers(0, len(options), size=n)]


def _us(rng: np.random.Generator, n: int) -> tuple[list[str], list[str]]:
    areas = _pick(rng, ("212", "646", "718", "415", "312", "617", "206", "305", "713", "404"), n)
    exchanges = rng.integers(201, 990, size=n)
    # N11 and 555 exchanges are reserved; shift them off.
    exchanges = np.where((exchanges % 100 == 11) | (exchanges == 555), exchanges + 1, exchanges)
    lines = _digits(rng, n, 4)
    national = [f"({a}) {e}-{s}" for a, e, s in zip(areas, exchanges, lines, strict=True)]
    international = [f"+1 {a}-{e}-{s}" for a, e, s in zip(areas, exchanges, lines, strict=True)]
    return national, international


def _gb(rng: np.random.Generator, n: int, mobile: bool) -> tuple[list[str], list[str]]:
    if mobile:
        prefixes = [f"07{p}" for p in rng.integers(800, 900, size=n)]
        subscribers = _digits(rng, n, 6)
        national = [f"{p} {s}" for p, s in zip(prefixes, subscribers, strict=True)]
        return national, [f"+44 {x[1:]}" for x in national]
    london = rng.random(n) < 0.6
    first = rng.integers(7, 9, size=n)
    blocks = [str(v) for v in rng.integers(2_000_000, 4_999_999, size=n)]
    areas = _pick(rng, ("0161", "0113", "0121", "0131", "0117"), n)
    national = [
        f"020 {f}{b[:3]} {b[3:]}" if ldn else f"{a} {b[:3]} {b[3:]}"
        for ldn, f, b, a in zip(london, first, blocks, areas, strict=True)
    ]
    return national, [f"+44 {x[1:]}" for x in national]


def _de(rng: np.random.Generator, n: int, mobile: bool) -> tuple[list[str], list[str]]:
    if mobile:
        prefixes = _pick(rng, ("0151", "0160", "0170", "0171", "0176", "0172"), n)
        subscribers = _digits(rng, n, 8)
        national = [
            f"{p} {s if p in ('0151', '0176') else s[1:]}"
            for p, s in zip(prefixes, subscribers, strict=True)
        ]
    else:
        areas = _pick(rng, ("030", "040", "089", "0221", "069", "0711", "0211", "0341"), n)
        subscribers = [str(v) for v in rng.integers(2_000_000, 9_999_999, size=n)]
        national = [
            f"{a} {s if len(a) == 3 else s[:6]}" for a, s in zip(areas, subscribers, strict=True)
        ]
    return national, [f"+49 {x[1:]}" for x in national]


def _es(rng: np.random.Generator, n: int, mobile: bool) -> tuple[list[str], list[str]]:
    heads = _pick(rng, ("6",), n) if mobile else _pick(rng, ("91", "93", "96", "95"), n)
    digits = _digits(rng, n, 9)
    numbers = [(h + d)[:9] for h, d in zip(heads, digits, strict=True)]
    national = [f"{d[:3]} {d[3:5]} {d[5:7]} {d[7:]}" for d in numbers]
    return national, [f"+34 {x}" for x in national]


def _no(rng: np.random.Generator, n: int, mobile: bool) -> tuple[list[str], list[str]]:
    heads = (
        _pick(rng, ("9", "40", "41", "46", "48"), n)
        if mobile
        else _pick(rng, ("22", "23", "55", "73", "51"), n)
    )
    digits = _digits(rng, n, 8)
    numbers = [(h + d)[:8] for h, d in zip(heads, digits, strict=True)]
    if mobile:
        national = [f"{d[:3]} {d[3:5]} {d[5:]}" for d in numbers]
    else:
        national = [f"{d[:2]} {d[2:4]} {d[4:6]} {d[6:]}" for d in numbers]
    return national, [f"+47 {x}" for x in national]


def phone_numbers(
    rng: np.random.Generator, country: str, n: int, *, mobile: bool
) -> tuple[list[str], list[str]]:
    """``n`` phone numbers of ``country``, in national and in international format."""
    if country == "US":
        return _us(rng, n)
    if country == "GB":
        return _gb(rng, n, mobile)
    if country == "DE":
        return _de(rng, n, mobile)
    if country == "ES":
        return _es(rng, n, mobile)
    return _no(rng, n, mobile)
