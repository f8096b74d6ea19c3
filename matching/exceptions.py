"""Errors raised by the matching stage."""

from __future__ import annotations


class MatchingError(Exception):
    """Base class for every error the matching stage raises."""
