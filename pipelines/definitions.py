"""The hub's Dagster definitions, built from the hub config.

``dagster dev -m pipelines.definitions`` loads the config named by ``HUB_CONFIG``
(default: ``hub.yaml`` in the working folder).
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from pipelines.assets import build_assets
from pipelines.config import HubConfig, load_config
from pipelines.resources import WarehouseResource

#: Environment variable naming the hub config file.
CONFIG_ENV = "HUB_CONFIG"


def build_definitions(config: HubConfig) -> dg.Definitions:
    """One ``Definitions`` with every asset of the hub and the warehouse resource."""
    return dg.Definitions(
        assets=build_assets(config),
        resources={"warehouse": WarehouseResource(url=config.warehouse.url)},
    )


def config_path() -> Path:
    """The config file the definitions load: ``$HUB_CONFIG`` or ``./hub.yaml``."""
    return Path(os.environ.get(CONFIG_ENV, "hub.yaml"))


@dg.definitions
def defs() -> dg.Definitions:
    """The hub's definitions for the config named by ``$HUB_CONFIG``."""
    return build_definitions(load_config(config_path()))
