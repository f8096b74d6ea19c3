"""The warehouse schema's versions: created at the newest, upgraded in place by Alembic.

Migrations live in `warehouse/migrations/versions`. A warehouse the hub wrote before its
schema was versioned is at the baseline revision, ``0001``; one whose creation stopped
before its revision was recorded (SQLite commits each CREATE TABLE on its own) is
created the rest of the way.
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

from warehouse.exceptions import WarehouseSchemaError
from warehouse.schema import metadata

MIGRATIONS: Final = Path(__file__).parent / "migrations"
BASELINE: Final = "0001"
#: A table the baseline lacks: an unversioned warehouse with it is a creation cut short.
_AFTER_BASELINE: Final = "golden_redirect"


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
    """The revision the warehouse is at; ``None`` for one still to be created."""
    revision = MigrationContext.configure(connection).get_current_revision()
    inspector = sa.inspect(connection)
    if revision is None and inspector.has_table("hub_run"):
        return None if inspector.has_table(_AFTER_BASELINE) else BASELINE
    return revision


def is_known(revision: str) -> bool:
    """Whether this version of the hub has the migration of `revision`."""
    return any(
        s.revision == revision
        for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()
    )


def create_or_check(connection: sa.Connection) -> str:
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
        if before is not None and not is_known(before):
            raise WarehouseSchemaError(_newer(before))
        if before is None:
            create_or_check(connection)
        else:
            config = alembic_config(connection)
            if MigrationContext.configure(connection).get_current_revision() is None:
                command.stamp(config, BASELINE)
            command.upgrade(config, "head")
    return Upgrade(before=before, after=head_revision())


def _newer(revision: str) -> str:
    return (
        f"the warehouse was written by a newer version of the hub (schema revision "
        f"{revision}; this one knows up to {head_revision()}): run that version or a later one"
    )


def check_revision(revision: str, shown: str) -> None:
    """Refuse a warehouse at another revision than this version of the hub writes."""
    if revision == head_revision():
        return
    if not is_known(revision):
        raise WarehouseSchemaError(f"{shown}: {_newer(revision)}")
    raise WarehouseSchemaError(
        f"the warehouse at {shown} has the schema of an earlier version of the hub "
        f"(revision {revision}; this one writes {head_revision()}): upgrade it in place "
        "with `hub db upgrade`"
    )


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """Alembic's config for the hub's migrations, running them on `connection`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config
