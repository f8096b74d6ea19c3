"""How people and systems misspell names and streets.

Typing slips (a swapped, dropped or doubled letter) and the two ways systems
without full Unicode lose diacritics: transliterating them (Müller → Mueller,
Ødegård → Oedegaard) or dropping them (Müller → Muller, Núñez → Nunez).
"""

from __future__ import annotations

import unicodedata
from typing import Final

import numpy as np

# Letters whose transliteration is not simply the base letter.
_TRANSLITERATIONS: Final = {
    "ä": "ae",
    "ö": "oe",
    "ü": "ue",
    "Ä": "Ae",
    "Ö": "Oe",
    "Ü": "Ue",
    "ß": "ss",
    "ø": "oe",
    "Ø": "Oe",
    "æ": "ae",
    "Æ": "Ae",
    "å": "aa",
    "Å": "Aa",
}
# Letters that do not decompose into a base letter and a combining mark.
_UNDECOMPOSABLE: Final = {"ø": "o", "Ø": "O", "æ": "ae", "Æ": "Ae", "ß": "ss"}

_TRANSLITERATE_TABLE: Final = str.maketrans(_TRANSLITERATIONS)
_STRIP_TABLE: Final = str.maketrans(_UNDECOMPOSABLE)


def transliterate(text: str) -> str:
    """Write diacritics the way German and Norwegian typewriters did (ü → ue, å → aa)."""
    return strip_diacritics(text.translate(_TRANSLITERATE_TABLE))


def strip_diacritics(text: str) -> str:
    """Drop diacritics, keeping the base letter (Núñez → Nunez, Ødegård → Odegard)."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text.translate(_STRIP_TABLE))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def typo(text: str, rng: np.random.Generator) -> str:
    """``text`` with one slip of the keyboard: two letters swapped, one dropped or doubled."""
    if len(text) < 3:
        return text
    # Leave the first letter alone: people rarely get that wrong.
    at = int(rng.integers(1, len(text) - 1))
    slip = int(rng.integers(0, 3))
    if slip == 0:
        return text[:at] + text[at + 1] + text[at] + text[at + 2 :]
    if slip == 1:
        return text[:at] + text[at + 1 :]
    return text[:at] + text[at] + text[at:]


def misspell(
    texts: list[str | None], rng: np.random.Generator, rate: float | np.ndarray
) -> list[str | None]:
    """``texts`` with a typo in about ``rate`` of them (one rate, or one per text)."""
    hits = rng.random(len(texts)) < rate
    return [typo(t, rng) if hit and t else t for t, hit in zip(texts, hits, strict=True)]
