"""Errors raised by the matching stage."""

from __future__ import annotations

from errors import TerminalError


class MatchingError(TerminalError):
    """Matching cannot run as asked (records, settings, model or constraints); the message
    says what to change."""
