"""Fixtures for matching tests: hand-made records and a seeded synthetic population.

The suite runs with ``--import-mode=importlib``, so builders reach tests as fixtures.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from matching import FellegiSunterModel, link_records
from quality.canonical import PERSON_FIELDS

_GIVEN = [
    "Anna",
    "Lars",
    "Maria",
    "Jonas",
    "Sofie",
    "Erik",
    "Ingrid",
    "Ole",
    "Nora",
    "Henrik",
    "Lucia",
    "Pablo",
    "Carmen",
    "Diego",
    "Elena",
    "Marta",
    "Thomas",
    "Katherine",
    "William",
    "Robert",
    "Elizabeth",
    "Margaret",
    "James",
    "Michael",
]
_FAMILY = [
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Berg",
    "García",
    "Martínez",
    "López",
    "Sánchez",
    "Pérez",
    "Gómez",
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Hoffmann",
    "Søren",
]
_STREETS = [
    "Storgata",
    "Kirkeveien",
    "Calle Mayor",
    "Hauptstraße",
    "Bahnhofstraße",
    "Gran Vía",
    "Parkveien",
    "Schillerstraße",
    "Avenida del Sol",
    "Fjordgata",
]
_NICKNAMES = {
    "Thomas": "Tom",
    "Katherine": "Kate",
    "William": "Bill",
    "Robert": "Bob",
    "Elizabeth": "Liz",
    "Margaret": "Maggie",
    "James": "Jim",
    "Michael": "Mike",
}


def build_record(record_id: str, **fields: Any) -> dict[str, Any]:
    """One canonical record; unspecified person fields are missing."""
    source, source_key = record_id.split(":", 1)
    row: dict[str, Any] = {"record_id": record_id, "source": source, "source_key": source_key}
    row.update({field: None for field in PERSON_FIELDS})
    row["source_updated_at"] = pd.Timestamp("2024-01-01", tz="UTC")
    row.update(fields)
    if isinstance(row["birth_date"], str):
        row["birth_date"] = pd.Timestamp(row["birth_date"])
    if isinstance(row["source_updated_at"], str):
        row["source_updated_at"] = pd.Timestamp(row["source_updated_at"], tz="UTC")
    return row


def build_frame(*rows: dict[str, Any]) -> pd.DataFrame:
    """Canonical records from `record` rows, with canonical dtypes."""
    frame = pd.DataFrame(list(rows))
    frame["birth_date"] = pd.to_datetime(frame["birth_date"])
    frame["source_updated_at"] = pd.to_datetime(frame["source_updated_at"], utc=True)
    return frame


def _typo(rng: np.random.Generator, text: str) -> str:
    if len(text) < 4:
        return text
    i = int(rng.integers(1, len(text) - 2))
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def build_synthetic_customers(people: int, seed: int = 7) -> tuple[pd.DataFrame, pd.Series]:
    """Seeded customers with duplicates across sources; returns records and true person ids."""
    rng = np.random.default_rng(seed)
    rows, person_ids = [], []
    for person in range(people):
        given = str(rng.choice(_GIVEN))
        family = str(rng.choice(_FAMILY))
        birth = pd.Timestamp("1940-01-01") + pd.Timedelta(days=int(rng.integers(0, 25_000)))
        email = f"{given.lower()}.{family.lower()}{person}@example.org"
        phone = f"+47{rng.integers(10_000_000, 99_999_999)}"
        street = f"{rng.choice(_STREETS)} {rng.integers(1, 200)}"
        postcode = f"{rng.integers(1000, 9999)}"
        copies = int(rng.choice([1, 2, 3], p=[0.5, 0.3, 0.2]))
        for copy in range(copies):
            variant_given, variant_family = given, family
            roll = rng.random()
            if copy and roll < 0.2:
                variant_given = _typo(rng, given)
            elif copy and roll < 0.35:
                variant_given = _NICKNAMES.get(given, given)
            elif copy and roll < 0.45:
                variant_family = family.replace("ø", "o").replace("í", "i").replace("ü", "u")
            elif copy and roll < 0.5:
                variant_given, variant_family = family, given
            rows.append(
                build_record(
                    f"src{copy}:{person}",
                    given_name=variant_given,
                    family_name=variant_family,
                    birth_date=birth if rng.random() > 0.1 else None,
                    email=email if rng.random() > 0.4 else None,
                    phone=phone if rng.random() > 0.5 else None,
                    street=street,
                    postcode=postcode,
                    city="Oslo",
                    country="NO",
                )
            )
            person_ids.append(person)
    frame = build_frame(*rows)
    return frame, pd.Series(person_ids, index=frame["record_id"], name="person")


def build_households(households: int, seed: int = 3) -> tuple[pd.DataFrame, pd.Series]:
    """Seeded couples sharing family name, address and landline, some with two records each.

    Couples are what the model's independence assumption gets wrong: two people who agree
    on everything the household shares. Records carry a ``gender`` attribute, which
    couples differ on. Returns records and true person ids (``<household>-<f|m>``).
    """
    rng = np.random.default_rng(seed)
    rows, person_ids = [], []
    for household in range(households):
        shared = {
            "family_name": str(rng.choice(_FAMILY)),
            "street": f"{rng.choice(_STREETS)} {household + 1}",
            "postcode": f"{1000 + household}",
            "city": "Oslo",
            "country": "NO",
        }
        landline = f"+4722{rng.integers(100_000, 999_999)}"
        for gender, given in zip(("f", "m"), rng.choice(_GIVEN, 2, replace=False), strict=True):
            birth = pd.Timestamp("1950-01-01") + pd.Timedelta(days=int(rng.integers(0, 15_000)))
            person = f"{household}-{gender}"
            for copy in range(int(rng.choice([1, 2]))):
                rows.append(
                    build_record(
                        f"src{copy}:{person}",
                        given_name=str(given),
                        birth_date=birth if rng.random() > 0.2 else None,
                        phone=landline if rng.random() > 0.3 else None,
                        gender=gender,
                        **shared,
                    )
                )
                person_ids.append(person)
    frame = build_frame(*rows)
    return frame, pd.Series(person_ids, index=frame["record_id"], name="person")


@pytest.fixture(scope="session")
def record() -> Callable[..., dict[str, Any]]:
    """Builder of one canonical record: ``record("crm:1", given_name="Anna", ...)``."""
    return build_record


@pytest.fixture(scope="session")
def records_frame() -> Callable[..., pd.DataFrame]:
    """Builder of a canonical records frame from `record` rows."""
    return build_frame


@pytest.fixture(scope="session")
def synthetic_customers() -> Callable[..., tuple[pd.DataFrame, pd.Series]]:
    """Builder of a seeded synthetic population with duplicates and its true person ids."""
    return build_synthetic_customers


@pytest.fixture(scope="session")
def households() -> Callable[..., tuple[pd.DataFrame, pd.Series]]:
    """Builder of seeded couples sharing a household, and their true person ids."""
    return build_households


@pytest.fixture(scope="session")
def trained_model() -> FellegiSunterModel:
    """A model trained on a synthetic population, to score tiny hand-made frames with."""
    records, _ = build_synthetic_customers(1_500)
    return link_records(records).model
