"""The warehouse schema's versions: created at the newest, upgraded in place by Alembic.

Migrations live in `warehouse/migrations/versions`. A warehouse the hub wrote before its
schema was versioned is at the baseline revision, ``0001``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from warehouse.schema import metadata

MIGRATIONS: Final = Path(__file__).parent / "migrations"
BASELINE: Final = "0001"


@dataclass(frozen=True)
class Upgrade:
    """What `upgrade` did: the revision the warehouse was at (``None``: empty) and is at."""

    before: str | None
    after: str


def head_revision() -> str:
    """The revision this version of the hub writes."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, f"no migrations in {MIGRATIONS}"
    return head


def schema_revision(connection: sa.Connection) -> str | None:
    """The revision the warehouse is at; ``None`` for one without the hub's tables."""
    revision = MigrationContext.configure(connection).get_current_revision()
    if revision is None and sa.inspect(connection).has_table("hub_run"):
        return BASELINE
    return revision


def create_or_check(connection: sa.Connection) -> str | None:
    """Create the newest schema in a warehouse without one; return the revision it is at."""
    revision = schema_revision(connection)
    if revision is None:
        metadata.create_all(connection)
        command.stamp(alembic_config(connection), "head")
        return head_revision()
    return revision


def upgrade(engine: sa.Engine) -> Upgrade:
    """Bring the warehouse to the newest revision, in one transaction where the database
    allows it (PostgreSQL does; SQLite commits some steps of a table rebuild itself)."""
    with engine.begin() as connection:
        before = schema_revision(connection)
        config = alembic_config(connection)
        if before is None:
            metadata.create_all(connection)
            command.stamp(config, "head")
        else:
            if MigrationContext.configure(connection).get_current_revision() is None:
                command.stamp(config, BASELINE)
            command.upgrade(config, "head")
    return Upgrade(before=before, after=head_revision())


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """Alembic's config for the hub's migrations, running them on `connection`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config
