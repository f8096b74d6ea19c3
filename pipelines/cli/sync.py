"""`hub sync`: sync sources from the command line, with a progress bar on long reads."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from errors import HubError
from pipelines.config import HubConfig
from pipelines.stages import sync_source
from warehouse import SyncFigures, connect, syncs_since

#: What stops one source's sync without stopping the others.
_SOURCE_FAILURES: tuple[type[Exception], ...] = (HubError, sa.exc.DBAPIError)


def sync_sources(
    config: HubConfig, names: list[str], *, full_refresh: bool = False
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Sync the named sources one after another; a failing source does not stop the rest.

    Returns:
        The syncs' figures as recorded in the warehouse, and source → why it failed.
    """
    engine = connect(config.warehouse.url)
    started_at = dt.datetime.now(dt.UTC)
    failed: dict[str, str] = {}
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, transient=True) as progress:
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
