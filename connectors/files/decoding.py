"""Opening text files whose bytes may not all fit the declared encoding.

A byte the encoding cannot decode must cost one row, not the whole file. Files are opened
with an error handler that works like ``surrogateescape`` (the byte survives as a lone
surrogate, so the row it is in can be found and rejected) and also counts its calls, so
readers look for such bytes only once a file has shown one: clean files pay nothing.
"""

from __future__ import annotations

import codecs
import re
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TextIO

_HANDLER = "connectors.files.escape_and_count"
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")
#: Half of a UTF-16 surrogate pair: an escaped byte, or a ``\\ud800`` escape in JSON text,
#: which Python reads but no database stores (it is not a character).
_SURROGATE = re.compile("[\ud800-\udfff]")
_escape = codecs.lookup_error("surrogateescape")


class _DecodeErrors(threading.local):
    # Per thread, so one reader's undecodable bytes never send another reader looking.
    def __init__(self) -> None:
        self.count = 0


_decode_errors = _DecodeErrors()


def _escape_and_count(error: UnicodeError) -> tuple[str | bytes, int]:
    _decode_errors.count += 1
    return _escape(error)


codecs.register_error(_HANDLER, _escape_and_count)


def open_text(path: Path, encoding: str) -> TextIO:
    """``path`` opened for reading as text, newlines untranslated (as ``csv`` wants them).

    A UTF-8 byte-order mark is dropped, so it never sticks to the first column's name.
    """
    codec = codecs.lookup(encoding).name
    return path.open(
        encoding="utf-8-sig" if codec == "utf-8" else encoding, errors=_HANDLER, newline=""
    )


class DecodeWatch:
    """Tells whether this thread has met an undecodable byte since the watch started.

    Decoding runs ahead of parsing by a buffer, so rows parsed before the watch is alerted
    are clean; from then on, rows must be looked at.
    """

    def __init__(self) -> None:
        self._errors = _decode_errors
        self._start = _decode_errors.count

    @property
    def errors(self) -> _DecodeErrors:
        """This thread's count of undecodable bytes; ``errors.count != start`` is ``alerted``
        without a call, for loops that check it on every row."""
        return self._errors

    @property
    def start(self) -> int:
        """The count when the watch started."""
        return self._start

    @property
    def alerted(self) -> bool:
        """Whether an undecodable byte was decoded (as a surrogate) since the start."""
        return bool(self._errors.count != self._start)


def undecodable(values: Iterable[str], encoding: str) -> tuple[int, str] | None:
    """The position of the first value holding an undecodable byte, and what to say of it.

    Returns:
        ``(index, "undecodable byte 0xE9 for encoding utf-8")``, or ``None`` when every
        value decoded cleanly.
    """
    for index, value in enumerate(values):
        found = _ESCAPED_BYTE.search(value)
        if found:
            byte = ord(found.group()) - 0xDC00
            return index, f"undecodable byte 0x{byte:02X} for encoding {encoding}"
    return None


def printable(text: str, encoding: str) -> str:
    """``text`` with each undecodable byte written as ``\\xE9``, safe to store and show."""
    if not _ESCAPED_BYTE.search(text):
        return text
    codec = codecs.lookup(encoding).name
    return text.encode(codec, "surrogateescape").decode(codec, "backslashreplace")


def lone_surrogate(texts: Mapping[str, str | None]) -> str | None:
    """What to say of the first name or value holding half of a surrogate pair, if any.

    JSON text may write one (``"\\ud800"``) and Python reads it, but it is no character:
    neither UTF-8 nor any database holds it.

    Returns:
        ``column `note` holds half of a UTF-16 surrogate pair (\\ud800), not a character``,
        or ``None`` when every text is whole.
    """
    for name, value in texts.items():
        if _SURROGATE.search(name):
            return f"a column name {_surrogate_at(name)}"
        if value is not None and _SURROGATE.search(value):
            return f"column `{name}` {_surrogate_at(value)}"
    return None


def _surrogate_at(text: str) -> str:
    found = _SURROGATE.search(text)
    code = ord(found.group()) if found else 0
    return f"holds half of a UTF-16 surrogate pair (\\u{code:04x}), not a character"


def readable_values(values: Mapping[str, str | None]) -> dict[str, str]:
    """The present values of a rejected row whose name and text are whole: no undecodable
    byte, no half of a surrogate pair."""
    return {
        name: value
        for name, value in values.items()
        if value is not None and not _SURROGATE.search(name) and not _SURROGATE.search(value)
    }
