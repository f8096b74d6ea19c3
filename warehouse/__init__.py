"""The warehouse: the published golden customers, their crosswalk, landing and quarantine."""

from warehouse.engine import connect
from warehouse.exceptions import (
    NotInWarehouse,
    WarehouseError,
    WarehouseSchemaError,
    WarehouseUnavailable,
)
from warehouse.identity import GoldenIdentity, IssuedIds, assign_golden_ids
from warehouse.landing import (
    LANDED_PREFIX,
    Landing,
    SourceState,
    SyncFigures,
    landed_rows,
    source_state,
)
from warehouse.match_models import SavedModel, TrainedModel, latest_model, saved_models
from warehouse.publish import Publication, publish
from warehouse.reads import (
    QuarantineFilter,
    issued_ids,
    live_row_count,
    quarantine_counts,
    quarantined_row,
    quarantined_rows,
    redirected_ids,
    run_summary,
    syncs_since,
)
from warehouse.schema import metadata

__all__ = [
    "LANDED_PREFIX",
    "GoldenIdentity",
    "IssuedIds",
    "Landing",
    "Publication",
    "QuarantineFilter",
    "SavedModel",
    "SourceState",
    "SyncFigures",
    "TrainedModel",
    "NotInWarehouse",
    "WarehouseError",
    "WarehouseSchemaError",
    "WarehouseUnavailable",
    "connect",
    "assign_golden_ids",
    "issued_ids",
    "landed_rows",
    "latest_model",
    "live_row_count",
    "metadata",
    "publish",
    "quarantine_counts",
    "quarantined_row",
    "quarantined_rows",
    "redirected_ids",
    "run_summary",
    "saved_models",
    "syncs_since",
    "source_state",
]
