"""Parsing JSON text from files that may be damaged: a cut line, a stray byte, a number
too long or nesting too deep for Python, each one reason to reject a record, never an error
that stops the sync.
"""

from __future__ import annotations

import json
import re
from typing import Any

_decoder = json.JSONDecoder()
#: JSON's own whitespace: space, tab, line feed, carriage return.
_WHITESPACE = re.compile(r"[ \t\n\r]*")
#: What may follow a number or a literal that ended where it was meant to.
_AFTER_A_VALUE = frozenset(" \t\n\r,}]")


def parse_json(text: str, *, by_line: bool = False) -> tuple[Any, str | None]:
    """The JSON value ``text`` holds, or why it holds none.

    Args:
        text: One line of a JSON-lines file, or a whole JSON document.
        by_line: Whether to say on which line of ``text`` it breaks.

    Returns:
        ``(value, None)``, or ``(None, reason)``: ``not JSON: Expecting ',' delimiter at
        column 17``, or ``not JSON the hub can read: …`` for valid JSON that Python refuses
        (an integer of more than 4,300 digits, nesting deeper than its recursion limit).
    """
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        # Some messages end in "at" already ("Invalid control character at").
        message = exc.msg.removesuffix(" at")
        line = f"line {exc.lineno} " if by_line else ""
        return None, f"not JSON: {message} at {line}column {exc.colno}"
    except ValueError as exc:
        return None, f"not JSON the hub can read: {str(exc).split(';')[0]}"
    except RecursionError:
        return None, "not JSON the hub can read: values nested too deeply"


def leading_members(text: str) -> dict[str, Any]:
    """The members of the JSON object that ``text`` begins with, up to where it breaks.

    A member counts only where its value certainly ended: a string, an array or an object
    closed, or a number or literal followed by what may follow a value. So a line cut short
    in ``{"id": 12`` gives no ``id``, as the key may have been ``123``.
    """
    members: dict[str, Any] = {}
    at = _skip(text, 0)
    if not text.startswith("{", at):
        return members
    at += 1
    try:
        while True:
            at = _skip(text, at)
            if not text.startswith('"', at):
                return members
            name, at = _decoder.raw_decode(text, at)  # a string: it begins with a quote
            at = _skip(text, at)
            if not text.startswith(":", at):
                return members
            at = _skip(text, at + 1)
            value, at = _decoder.raw_decode(text, at)
            closed = isinstance(value, str | list | dict)
            if not closed and (at == len(text) or text[at] not in _AFTER_A_VALUE):
                return members
            members[name] = value
            at = _skip(text, at)
            if not text.startswith(",", at):
                return members
            at += 1
    except (ValueError, RecursionError):
        return members


def _skip(text: str, at: int) -> int:
    """Where the JSON whitespace from ``at`` on ends."""
    found = _WHITESPACE.match(text, at)
    return found.end() if found else at


def json_kind(value: Any) -> str:
    """What a JSON value is, in words: ``a list``, ``a string``, ``null``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"
