"""Which files a file source reads: one path or a glob, and only those newer than the cursor.

The cursor of a file source is the modification time of the newest file read, as ISO-8601
UTC text with microseconds, so cursors compare as times and as text alike.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from connectors.exceptions import CursorError, SourceNotFound

_GLOB_CHARACTERS = frozenset("*?[")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class SourceFile:
    """One file to read.

    Attributes:
        path: Where it is.
        name: How locations name it: its path below the glob's base folder, or its file name.
        modified: Its modification time as cursor text.
    """

    path: Path
    name: str
    modified: str


def source_files(pattern: str, source: str, *, since: str | None = None) -> list[SourceFile]:
    """The files ``pattern`` names, in name order, leaving out those not modified after ``since``.

    Raises:
        SourceNotFound: ``pattern`` is a plain path and no such file exists (a glob that
            matches nothing names no file, which is not an error).
        CursorError: ``since`` is not a cursor of a file source.
    """
    after = _cursor_time(since, source) if since is not None else None
    parts = Path(pattern).parts
    magic = [i for i, part in enumerate(parts) if _GLOB_CHARACTERS & set(part)]
    if not magic:
        path = Path(pattern)
        if not path.is_file():
            raise SourceNotFound(f"source `{source}`: file {path} does not exist")
        found = [SourceFile(path, path.name, modified_time(path))]
    else:
        base = Path(*parts[: magic[0]]) if magic[0] else Path()
        rest = str(Path(*parts[magic[0] :]))
        found = sorted(
            (
                SourceFile(path, path.relative_to(base).as_posix(), modified_time(path))
                for path in base.glob(rest)
                if path.is_file()
            ),
            key=lambda file: file.name,
        )
    if after is None:
        return found
    return [file for file in found if dt.datetime.fromisoformat(file.modified) > after]


def modified_time(path: Path) -> str:
    """The file's modification time as cursor text: ``2026-11-23T10:15:00.123456+00:00``."""
    # From nanoseconds, not the float st_mtime: the float loses microseconds, and a cursor
    # that rounds up would skip a file written in the same microsecond.
    micros = path.stat().st_mtime_ns // 1000
    return (_EPOCH + dt.timedelta(microseconds=micros)).isoformat(timespec="microseconds")


def _cursor_time(since: str, source: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(since)
    except ValueError:
        raise CursorError(
            f"source `{source}`: cursor {since!r} is not a file modification time "
            "(ISO-8601, like 2026-11-23T10:15:00.123456+00:00); run a full refresh"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
