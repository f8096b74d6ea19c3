"""Errors raised by the warehouse."""

from errors import HubError, TerminalError, TransientError


class WarehouseError(HubError):
    """The warehouse cannot do what was asked; the message says which and why."""


class WarehouseUnavailable(WarehouseError, TransientError):
    """The warehouse's database cannot be reached or refused the statement right now."""


class WarehouseRefused(WarehouseError, TerminalError):
    """The warehouse's database refused the login or the grants, or has no such database."""


class WarehouseSchemaError(WarehouseError, TerminalError):
    """The warehouse's schema is not the one this version of the hub writes."""


class NotInWarehouse(WarehouseError, TerminalError):
    """What was asked for (a run, a decision, a queue item, a customer, a quarantined row)
    is not in the warehouse."""
