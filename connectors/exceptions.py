"""Errors raised while reading a source system."""


class ConnectorError(Exception):
    """A source could not be read; the message names the source and what to fix."""


class SourceUnavailable(ConnectorError):
    """The source's file, database or service cannot be reached right now."""


class SourceSchemaError(ConnectorError):
    """The source is reachable but does not have the shape the config declares."""
