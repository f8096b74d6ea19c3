"""Errors of the quality stage.

Bad data is not an error: it goes to quarantine with its reason. These exceptions are
for a stage that cannot run at all, such as a mapping that names a column the source
does not have.
"""

from __future__ import annotations

from errors import HubError, TerminalError


class QualityError(HubError):
    """Base class for errors raised by the quality stage."""


class MissingColumnError(QualityError, TerminalError):
    """A column the source mapping reads is not in the source's rows."""

    def __init__(self, source: str, column: str, available: list[str]) -> None:
        self.source = source
        self.column = column
        self.available = available
        shown = ", ".join(f"`{name}`" for name in available[:20])
        more = f" and {len(available) - 20} more" if len(available) > 20 else ""
        super().__init__(
            f"source `{source}`: mapped column `{column}` is not in the source rows "
            f"(columns read: {shown or 'none'}{more}); fix the column name in the mapping"
        )
