"""Source values as text: every connector hands rows to the quality stage as strings.

Keeping raw values as text means the quality stage, not the driver, decides what
``01022003`` or ``1.0`` means, and the raw landing keeps exactly what was read.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any


def as_text(value: Any) -> str | None:
    """One source value as text; ``None`` stays missing, blank strings become missing."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value:  # NaN
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def as_texts(values: Sequence[Any]) -> list[str | None]:
    """``as_text`` of each value; a column of one plain type skips the checks per value."""
    kinds = {type(value) for value in values}
    kinds.discard(type(None))
    if kinds <= {str}:
        # `isspace` is true exactly when `strip` leaves nothing of a non-empty string.
        return [value if value and not value.isspace() else None for value in values]
    if kinds == {int}:
        return [None if value is None else str(value) for value in values]
    if kinds == {dt.datetime} or kinds == {dt.date}:
        return [None if value is None else value.isoformat() for value in values]
    return [as_text(value) for value in values]
