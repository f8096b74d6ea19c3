"""Dagster resources: the warehouse connection."""

from __future__ import annotations

import dagster as dg
import sqlalchemy as sa
from pydantic import PrivateAttr

from warehouse import connect


# Not subscripted (the type argument is the resource itself): on this pydantic model a
# subscript would build a parametrized subclass at runtime.
class WarehouseResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    """The warehouse database, reached through one SQLAlchemy URL; one engine per step."""

    url: str
    _engine: sa.Engine | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._engine = None

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def engine(self) -> sa.Engine:
        """The step's engine, with the warehouse schema in place."""
        if self._engine is None:
            self._engine = connect(self.url)
        return self._engine
