"""Errors raised by the warehouse."""


class WarehouseError(Exception):
    """The warehouse cannot be reached or written; the message says which and why."""
