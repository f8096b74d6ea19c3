"""Quarantine: the rows held back from the hub, each with the rule it broke and why.

One quarantine row names one problem with one source row; a source row with several
problems has several quarantine rows. Counting held-back source rows therefore counts
distinct ``(source, position)`` pairs, which :func:`rows_held_back` does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final, TypeAlias, cast

import numpy as np
import pandas as pd

QUARANTINE_COLUMNS: Final = ("source", "source_key", "position", "rule", "detail")
"""Columns of a quarantine frame.

- ``source``: the configured source system.
- ``source_key``: the row's own key as read (missing when that is the problem).
- ``position``: 1-based row number in the checked frame (the raw batch for the gate and
  ``standardize_interactions``, the records frame for ``validate_records``).
- ``rule``: short name of the broken rule, e.g. ``invalid_email``.
- ``detail``: the column and the offending value, in the user's terms.
"""


Details: TypeAlias = str | pd.Series | Callable[[np.ndarray], pd.Series]
"""What a quarantine row says: see :meth:`QuarantineLog.add`."""


def offending(
    label: str, values: pd.Series, reason: str | pd.Series
) -> Callable[[np.ndarray], pd.Series]:
    """Details naming the column and each failing row's value: ``column `EMAIL`: "x" is not ...``.

    Args:
        label: How the column is named, e.g. ``column `EMAIL```.
        values: The offending values, positionally aligned with the checked frame.
        reason: What is wrong with a value, for all rows or per row (aligned likewise).
    """

    def describe(positions: np.ndarray) -> pd.Series:
        shown = quoted(values.iloc[positions].reset_index(drop=True))
        why = reason if isinstance(reason, str) else reason.iloc[positions].reset_index(drop=True)
        return f"{label}: " + shown + " " + why

    return describe


class QuarantineLog:
    """Collects quarantine rows for one frame of one source, rule by rule."""

    def __init__(self, source: str | pd.Series, source_keys: pd.Series) -> None:
        """Start an empty log.

        Args:
            source: The source name, or one per row when the frame mixes sources.
            source_keys: The rows' source keys, positionally aligned with the frame.
        """
        keys = source_keys.reset_index(drop=True).astype("object")
        # pandas takes None as `other`; pandas-stubs leave it out, hence the cast.
        self._source_keys = keys.where(keys.notna(), cast(Any, None))
        if isinstance(source, str):
            self._sources = pd.Series(source, index=keys.index, dtype="object")
        else:
            self._sources = source.reset_index(drop=True).astype("object")
        self._parts: list[pd.DataFrame] = []

    def add(self, failing: pd.Series | np.ndarray, rule: str, details: Details) -> None:
        """Quarantine the failing rows under ``rule``.

        Args:
            failing: Boolean mask over the frame's rows (positional).
            rule: Short rule name.
            details: One detail for all failing rows, one per row of the frame
                (positional), or a function that describes the rows at the failing
                positions (see :func:`offending`), so only failing rows are described.
        """
        self._add(failing, rule, details)

    def _add(
        self, failing: pd.Series | np.ndarray, rule: str, details: Details, **more: Any
    ) -> np.ndarray:
        """Add rows for the failing positions, with ``more`` columns; return the positions."""
        mask = np.asarray(failing, dtype=bool)
        positions = np.flatnonzero(mask)
        if not len(positions):
            return positions
        if isinstance(details, str):
            detail_values: object = details
        elif callable(details):
            detail_values = np.asarray(details(positions), dtype=object)
        else:
            detail_values = np.asarray(details, dtype=object)[positions]
        self._parts.append(
            pd.DataFrame(
                {
                    "source": self._sources.to_numpy()[positions],
                    "source_key": self._source_keys.to_numpy()[positions],
                    "position": positions + 1,
                    "rule": rule,
                    "detail": detail_values,
                    **more,
                }
            )
        )
        return positions

    def held_back(self) -> np.ndarray:
        """Boolean mask of the frame's rows that have at least one quarantine row."""
        mask = np.zeros(len(self._source_keys), dtype=bool)
        for part in self._parts:
            mask[part["position"].to_numpy() - 1] = True
        return mask

    def frame(self) -> pd.DataFrame:
        """The quarantine rows, ordered by position then rule."""
        return _ordered(self._parts, QUARANTINE_COLUMNS)


def _ordered(parts: list[pd.DataFrame], columns: tuple[str, ...]) -> pd.DataFrame:
    if not parts:
        return _empty(columns)
    rows = pd.concat(parts, ignore_index=True)
    rows = rows.sort_values(["position", "rule"], kind="stable", ignore_index=True)
    return rows.astype({"position": "int64"})[list(columns)]


def _empty(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(
        {name: pd.Series(dtype="int64" if name == "position" else "object") for name in columns}
    )


def empty_quarantine() -> pd.DataFrame:
    """A quarantine frame with no rows and the right columns and dtypes."""
    return _empty(QUARANTINE_COLUMNS)


FIELD_ISSUE_COLUMNS: Final = (
    "source",
    "source_key",
    "position",
    "field",
    "rule",
    "value",
    "detail",
)
"""Columns of a frame of field issues: values of records that go on without them.

- ``source``, ``source_key``, ``position``, ``rule``, ``detail``: as in a quarantine.
- ``field``: the canonical field the value was read for (``email``).
- ``value``: the value as read from the source, as text, control characters written out
  (``Ann\\x00a``).
"""


class FieldIssueLog(QuarantineLog):
    """Collects field issues for one frame of one source: values set aside (or cleaned),
    each with its field, rule, raw text and why."""

    def add_values(
        self,
        failing: pd.Series | np.ndarray,
        field: str,
        rule: str,
        values: pd.Series,
        details: Details,
    ) -> None:
        """Note the failing rows' values of ``field`` under ``rule``.

        Args:
            failing: Boolean mask over the frame's rows (positional).
            field: The canonical field.
            rule: Short rule name.
            values: The values as read, positionally aligned with the frame.
            details: As for :meth:`QuarantineLog.add`.
        """
        mask = np.asarray(failing, dtype=bool)
        raw = values.iloc[np.flatnonzero(mask)].tolist()
        text = [shown_as_read(value) for value in raw]
        self._add(mask, rule, details, field=field, value=np.asarray(text, dtype=object))

    def frame(self) -> pd.DataFrame:
        """The field issues, ordered by position then rule."""
        return _ordered(self._parts, FIELD_ISSUE_COLUMNS)


def rows_held_back(quarantine: pd.DataFrame) -> int:
    """How many checked rows a quarantine frame holds back, each counted once."""
    return int(quarantine[["source", "position"]].drop_duplicates().shape[0])


def quoted(values: pd.Series) -> pd.Series:
    """Values as they appear in details: ``"31021990"``, dates as ``"1990-02-28"``; missing
    as ``missing``; control characters written out (``"Ann\\x00a"``)."""
    if pd.api.types.is_datetime64_any_dtype(values):
        shown: pd.Series = values.dt.strftime("%Y-%m-%d")
    else:
        shown = values.astype("object").astype(str)
        # Most text is printable: one test of all of it first.
        if not "".join(shown.tolist()).isprintable():
            shown = shown.map(written_out)
    return ('"' + shown + '"').where(values.notna(), "missing")


#: Every control character, whitespace included: a detail is one line of printable text.
_ANY_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def shown_as_read(value: object) -> str | None:
    """A value as read, as text with its control characters written out; missing is None."""
    if value is None or value != value:  # NaN is missing
        return None
    return written_out(str(value))


def written_out(text: str) -> str:
    """Text with its control characters written out: ``Ann\\x00a``."""
    if text.isprintable():
        return text
    return _ANY_CONTROL.sub(lambda control: f"\\x{ord(control[0]):02x}", text)


#: The rule ``standardize`` notes while reading dates; the gate judges its threshold.
INVALID_DATE: Final = "invalid_date"

#: Not a rule that sets anything aside: the field issue that ``standardize`` and
#: ``standardize_interactions`` note of each value they removed control characters from
#: (see ``quality.text``). The record goes on, cleaned.
CONTROL_CHARACTERS_REMOVED: Final = "control_characters_removed"


def note_control_characters(
    notes: FieldIssueLog, field: str, label: str, values: pd.Series, with_controls: np.ndarray
) -> None:
    """Note each value that had control characters removed, under
    ``CONTROL_CHARACTERS_REMOVED``: ``column `NAME`: "Ann\\x00a" had its control characters
    removed``.

    Args:
        notes: Where the notes go.
        field: The field the column feeds.
        label: How the column is named, e.g. ``column `NAME```.
        values: The raw values, positionally aligned with the frame.
        with_controls: Which of them held control characters.
    """
    notes.add_values(
        with_controls,
        field,
        CONTROL_CHARACTERS_REMOVED,
        values,
        offending(label, values, "had its control characters removed"),
    )
