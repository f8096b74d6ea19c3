"""Set-up shared by the benchmarks: the demo's customer sources, synced into a fresh warehouse."""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa

from demo import DemoSources, generate_demo
from pipelines.config import HubConfig, load_config
from pipelines.stages import sync_source
from warehouse import connect


def synced_demo(out: Path, *, people: int, seed: int) -> tuple[DemoSources, HubConfig, sa.Engine]:
    """Generate the demo sources for `people` in `out` and sync its customer sources into
    a new SQLite warehouse there (``HUB_WAREHOUSE_URL`` is ignored)."""
    demo = generate_demo(out, people=people, seed=seed)
    (out / "warehouse.sqlite").unlink(missing_ok=True)
    os.environ.pop("HUB_WAREHOUSE_URL", None)
    config = load_config(demo.config)
    engine = connect(config.warehouse.url)
    for name, source in config.customer_sources.items():
        sync_source(engine, name, source)
    return demo, config, engine
