"""`hub sync`: sync sources from the command line, with a progress bar on long reads."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

import pandas as pd
import sqlalchemy as sa
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from errors import HubError
from pipelines.config import HubConfig
from pipelines.stages import sync_source
from warehouse import LockHolder, SyncFigures, connect, syncs_since, warehouse_lock

#: What stops one source's sync without stopping the others.
_SOURCE_FAILURES: tuple[type[Exception], ...] = (HubError, sa.exc.DBAPIError)


def sync_sources(
    config: HubConfig,
    names: list[str],
    *,
    full_refresh: bool = False,
    on_wait: Callable[[LockHolder | None], None] | None = None,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Sync the named sources one after another; a failing source does not stop the rest.
    The syncs hold the warehouse's lock, as a run does (see `pipelines.runner.run_hub`).

    Returns:
        The syncs' figures as recorded in the warehouse, and source → why it failed.
    """
    engine = connect(config.warehouse.url)
    started_at = dt.datetime.now(dt.UTC)
    failed: dict[str, str] = {}
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    wait = config.warehouse.lock_wait_seconds
    with (
        warehouse_lock(engine, str(uuid.uuid4()), wait_seconds=wait, on_wait=on_wait),
        Progress(*columns, transient=True) as progress,
    ):
        for name in names:
            task = progress.add_task(f"{name}: reading")

            def show(figures: SyncFigures, task: TaskID = task, name: str = name) -> None:
                progress.update(task, description=f"{name}: {figures.rows_read:,} rows read")

            try:
                sync_source(
                    engine, name, config.sources[name], full_refresh=full_refresh, progress=show
                )
            except _SOURCE_FAILURES as exc:
                failed[name] = str(exc).splitlines()[0]
            progress.remove_task(task)
    syncs = syncs_since(engine, started_at)
    engine.dispose()
    return syncs, failed
