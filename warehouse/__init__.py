"""The warehouse: the published golden customers, their crosswalk, landing and quarantine."""

from warehouse.engine import connect
from warehouse.exceptions import WarehouseError
from warehouse.identity import golden_ids
from warehouse.publish import LandingCounts, Publication, publish
from warehouse.reads import run_summary
from warehouse.schema import metadata

__all__ = [
    "LandingCounts",
    "Publication",
    "WarehouseError",
    "connect",
    "golden_ids",
    "metadata",
    "publish",
    "run_summary",
]
