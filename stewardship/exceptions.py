"""Errors raised by stewardship."""

from errors import HubError, TerminalError


class StewardshipError(HubError):
    """Base class for errors raised by stewardship."""


class DecisionRefused(StewardshipError, TerminalError):
    """A decision cannot be recorded or obeyed as it stands; the message says why and what
    to do."""
