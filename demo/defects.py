"""Plainly bad rows, the kind the quality stage must quarantine rather than guess at.

Every generated batch carries at least one of each kind, so even a small demo
shows the quarantine at work; larger ones carry them at about the given rates.
"""

from __future__ import annotations

from typing import Final, cast

import numpy as np
import pandas as pd

#: Rate of impossible or future birth dates in the legacy CRM.
BAD_BIRTH_DATE_RATE: Final = 0.006
#: Rate of malformed e-mail addresses in the systems that take them from a form.
BAD_EMAIL_RATE: Final = 0.004
#: Rate of birth dates in the future in the web shop.
FUTURE_BIRTH_RATE: Final = 0.002


def _victims(rng: np.random.Generator, candidates: np.ndarray, rate: float) -> np.ndarray:
    """Positions to spoil among ``candidates``: about ``rate`` of them, and at least one."""
    if len(candidates) == 0:
        return candidates
    count = max(1, int(rng.binomial(len(candidates), rate)))
    return rng.choice(candidates, size=min(count, len(candidates)), replace=False)


def _impossible_ddmmyyyy(rng: np.random.Generator, year: int) -> str:
    kind = int(rng.integers(0, 4))
    if kind == 0:
        return f"31{int(rng.choice([2, 4, 6, 9, 11])):02d}{year}"  # day the month lacks
    if kind == 1:
        return f"3002{year}"
    if kind == 2:
        return f"0000{year}"  # day and month unknown when keyed in
    day, month = int(rng.integers(1, 29)), int(rng.integers(1, 13))
    return f"{day:02d}{month:02d}{int(rng.integers(2026, 2040))}"  # born in the future


def _malformed(email: str, kind: int) -> str:
    local, domain = email.split("@")
    if kind == 0:
        return f"{local}@@{domain.split('.')[0]}"  # anna.mueller@@web
    if kind == 1:
        return f"{local}(at){domain}"  # bob(at)example.com
    if kind == 2:
        return f"{local}@{domain.replace('.', '..', 1)}"
    return f"{local} @{domain}"


def spoil_birth_dates(rng: np.random.Generator, records: pd.DataFrame) -> None:
    """Write impossible DDMMYYYY texts (``31021990``, ``00001985``) into ``BIRTH_DT``."""
    present = np.flatnonzero(records["BIRTH_DT"].notna().to_numpy())
    # The column names are unique, so `get_loc` gives one position, not a slice or mask.
    column = cast(int, records.columns.get_loc("BIRTH_DT"))
    for row in _victims(rng, present, BAD_BIRTH_DATE_RATE):
        year = int(cast(str, records.iat[row, column])[4:])
        records.iat[row, column] = _impossible_ddmmyyyy(rng, year)


def spoil_future_births(rng: np.random.Generator, records: pd.DataFrame, column: str) -> None:
    """Move a few ISO birth dates into the future."""
    present = np.flatnonzero(records[column].notna().to_numpy())
    position = cast(int, records.columns.get_loc(column))  # unique names: one position
    for row in _victims(rng, present, FUTURE_BIRTH_RATE):
        records.iat[row, position] = (
            f"{int(rng.integers(2026, 2040))}" + cast(str, records.iat[row, position])[4:]
        )


def spoil_emails(rng: np.random.Generator, records: pd.DataFrame, column: str) -> None:
    """Mangle a few e-mail addresses the way hasty typing and old forms do."""
    present = np.flatnonzero(records[column].notna().to_numpy())
    position = cast(int, records.columns.get_loc(column))  # unique names: one position
    for row in _victims(rng, present, BAD_EMAIL_RATE):
        email = cast(str, records.iat[row, position])
        records.iat[row, position] = _malformed(email, int(rng.integers(0, 4)))


def spoil_keys(rng: np.random.Generator, keys: list[str]) -> list[str]:
    """``keys`` with one blanked out and one repeated on a different record."""
    if len(keys) < 3:
        return keys
    spoiled = list(keys)
    blank, repeated = rng.choice(np.arange(1, len(keys)), size=2, replace=False)
    spoiled[blank] = ""
    spoiled[repeated] = spoiled[repeated - 1] or spoiled[repeated - 2]
    return spoiled
