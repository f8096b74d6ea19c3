"""Errors raised while reading a source system."""

from errors import HubError, TerminalError, TransientError


class ConnectorError(HubError):
    """A source could not be read; the message names the source and what to fix."""


class SourceUnavailable(ConnectorError, TransientError):
    """The source's database or service cannot be reached right now; a later try may work."""


class SourceSchemaError(ConnectorError, TerminalError):
    """The source is reachable but does not have the shape the config declares."""


class SourceNotFound(ConnectorError, TerminalError):
    """The source's file or table does not exist; retrying will not help until someone acts."""


class SourceRefused(ConnectorError, TerminalError):
    """The source answered but refuses the read (credentials, permissions, a wrong URL);
    retrying will not help until someone acts."""


class CursorError(ConnectorError, TerminalError):
    """The cursor kept from the last sync does not fit the source; a full refresh resets it."""
