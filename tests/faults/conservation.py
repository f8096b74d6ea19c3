"""What a warehouse must hold after a hostile file was synced over a clean one.

Conservation: every record line of the file was read by the sync, landed or held back at
its own location, once; the rows still live that the sync did not read are exactly the
rows it held back under their key (their line is there, unreadable as it is now); and no
key that the file still holds, where it can be read, is marked deleted.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from tests.faults.hostile_files import HostileFile


@dataclass(frozen=True)
class SourceLanding:
    """One source's rows in the warehouse after its last sync."""

    sync: pd.Series
    """The last sync's row in ``source_sync``."""
    records: pd.DataFrame
    """``source_record``: ``source_key``, ``location``, ``read`` (by the last sync), ``live``."""
    held: pd.DataFrame
    """The sync's quarantine: ``source_key``, ``location``, ``rule``."""

    @property
    def read(self) -> pd.DataFrame:
        return self.records[self.records["read"]]

    @property
    def live_keys(self) -> set[str]:
        return set(self.records.loc[self.records["live"], "source_key"])

    @property
    def deleted_keys(self) -> set[str]:
        return set(self.records.loc[~self.records["live"], "source_key"])


def source_landing(engine: sa.Engine, source: str) -> SourceLanding:
    with engine.connect() as connection:
        syncs = pd.read_sql(
            sa.text("SELECT * FROM source_sync WHERE source = :s ORDER BY started_at"),
            connection,
            params={"s": source},
        )
        records = pd.read_sql(
            sa.text(
                "SELECT source_key, location, last_seen, deleted_at FROM source_record"
                " WHERE source = :s"
            ),
            connection,
            params={"s": source},
        )
        held = pd.read_sql(
            sa.text(
                "SELECT source_key, location, rule FROM quarantine"
                " WHERE source = :s AND stage = 'sync'"
            ),
            connection,
            params={"s": source},
        )
    sync = syncs.iloc[-1]
    started = pd.Timestamp(sync["started_at"])
    last_seen = pd.to_datetime(records["last_seen"])
    if last_seen.dt.tz is None and started.tz is not None:
        started = started.tz_localize(None)
    records = records.assign(read=last_seen >= started, live=records["deleted_at"].isna())
    return SourceLanding(sync, records, held)


def assert_conserved(landing: SourceLanding, file: HostileFile, landed_before: set[str]) -> None:
    """The hostile file's sync kept every line and deleted only what is gone.

    Args:
        landing: The source after the hostile file's sync.
        file: The hostile file.
        landed_before: The source's live keys before that sync.
    """
    sync = landing.sync
    lines = len(file.lines)
    assert sync["rows_read"] == lines
    kept = sync["new"] + sync["changed"] + sync["unchanged"] + sync["quarantined"]
    assert kept == lines, f"{lines} lines read, but {kept} landed or held back"

    found = sorted([*landing.read["location"], *landing.held["location"]])
    assert found == sorted(file.location(line) for line in file.lines), "lines lost or doubled"

    still_there = file.readable_keys & landed_before
    wrongly_deleted = still_there & landing.deleted_keys
    assert not wrongly_deleted, f"keys still in the file marked deleted: {wrongly_deleted}"
    if sync["deletions_held"]:
        return  # more gone than `max_delete_share` allows: none marked, all still live
    held_keys = set(landing.held["source_key"].dropna())
    stale = landing.live_keys - set(landing.read["source_key"])
    assert stale <= held_keys, "rows neither read nor held back are still live"
    gone = landed_before - set(landing.read["source_key"]) - held_keys
    assert landing.deleted_keys & landed_before == gone
