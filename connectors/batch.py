"""What connectors yield: rows in batches, with where each came from and what could not be read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

#: Rows per batch unless a connector is told otherwise; bounds memory on big sources.
BATCH_ROWS = 50_000


@dataclass(frozen=True)
class RejectedRow:
    """A row a connector could not read; it goes to quarantine, never silently away.

    Attributes:
        location: Where it was, in the user's terms: ``customers.csv line 17``,
            ``GET https://api.example.com/customers?page=3``.
        reason: Why it could not be read: ``expected 7 fields, found 9``.
        raw: The row's text as far as it could be read, for the steward who fixes it.
        values: The values of the row that could still be read, by column: those the damage
            did not reach. A key among them tells a full refresh that the row is still in
            the source, although it cannot be landed as it is.
    """

    location: str
    reason: str
    raw: str | None = None
    values: Mapping[str, str] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class RowBatch:
    """Rows read from a source, in source order.

    Attributes:
        rows: One row per record; every value is text or ``None``; columns as the source
            names them (a row missing a column has ``None`` there).
        locations: Where each row was read, aligned with ``rows`` (``customers.csv line 12``,
            ``page 3 item 5``).
        rejected: Rows of this stretch of the source that could not be read.
        cursor: The incremental cursor's high-water mark after this batch (the largest
            cursor value read so far, as text), or ``None`` when the source has no cursor.
    """

    rows: pd.DataFrame
    locations: pd.Series
    rejected: tuple[RejectedRow, ...] = field(default_factory=tuple)
    cursor: str | None = None

    def __post_init__(self) -> None:
        if len(self.rows) != len(self.locations):
            raise ValueError(f"{len(self.rows)} rows but {len(self.locations)} locations")
