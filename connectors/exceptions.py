"""Errors raised while reading a source system."""


class ConnectorError(Exception):
    """A source could not be read; the message names the source and what to fix."""


class SourceUnavailable(ConnectorError):
    """The source's database or service cannot be reached right now; a later try may work."""


class SourceSchemaError(ConnectorError):
    """The source is reachable but does not have the shape the config declares."""


class SourceNotFound(ConnectorError):
    """The source's file or table does not exist; retrying will not help until someone acts."""


class SourceRefused(ConnectorError):
    """The source answered but refuses the read (credentials, permissions, a wrong URL);
    retrying will not help until someone acts."""
