"""Dagster resources: the warehouse connection."""

from __future__ import annotations

import dagster as dg
import sqlalchemy as sa

from warehouse import connect


class WarehouseResource(dg.ConfigurableResource):  # type: ignore[misc]
    """The warehouse database, reached through one SQLAlchemy URL."""

    url: str

    def engine(self) -> sa.Engine:
        """An engine with the warehouse schema in place."""
        return connect(self.url)
