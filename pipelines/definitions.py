"""The hub's Dagster definitions, built from the hub config.

``dagster dev -m pipelines.definitions`` loads the config named by ``HUB_CONFIG``
(default: ``hub.yaml`` in the working folder).
"""

from __future__ import annotations

import dagster as dg

from pipelines.assets import build_assets, source_key
from pipelines.config import HubConfig, config_path, load_config
from pipelines.resources import WarehouseResource
from pipelines.sensors import new_files_sensor


def build_definitions(config: HubConfig) -> dg.Definitions:
    """One ``Definitions``: every asset, a sync job per source with its schedule, file sensors."""
    sync_jobs = {
        name: dg.define_asset_job(f"sync_{name}", selection=[source_key(name)])
        for name in config.sources
    }
    schedules = [
        dg.ScheduleDefinition(
            name=f"sync_{name}_schedule",
            job=sync_jobs[name],
            cron_schedule=source.sync.schedule,
            default_status=dg.DefaultScheduleStatus.RUNNING,
        )
        for name, source in config.sources.items()
        if source.sync.schedule
    ]
    sensors = [
        new_files_sensor(name, source, sync_jobs[name])
        for name, source in config.sources.items()
        if getattr(source.connector, "path", None) is not None
    ]
    # The stages after the syncs follow new data on their own (eager automation).
    stages = dg.AutomationConditionSensorDefinition(
        "customer_stages_follow_syncs",
        target=dg.AssetSelection.all(),
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
    return dg.Definitions(
        assets=build_assets(config),
        jobs=list(sync_jobs.values()),
        schedules=schedules,
        sensors=[*sensors, stages],
        resources={"warehouse": WarehouseResource(url=config.warehouse.url)},
    )


@dg.definitions
def defs() -> dg.Definitions:
    """The hub's definitions for the config named by ``$HUB_CONFIG``."""
    return build_definitions(load_config(config_path()))
