"""The warehouse: the published golden customers, their crosswalk, landing and quarantine."""

from warehouse.customers import (
    customer_record_ids,
    find_customers,
    golden_id_of,
    golden_profile,
    live_golden_id,
    source_records,
)
from warehouse.decisions import (
    StewardDecision,
    decision_log,
    record_decision,
    steward_decision,
    steward_decisions,
)
from warehouse.engine import connect, inspect_warehouse, upgrade_warehouse
from warehouse.exceptions import (
    NotInWarehouse,
    WarehouseError,
    WarehouseSchemaError,
    WarehouseUnavailable,
)
from warehouse.field_issues import LOCATED_ISSUE_COLUMNS, located_issues, set_aside_values
from warehouse.golden import GoldenCustomers, golden_customers
from warehouse.identity import GoldenIdentity, IssuedIds, assign_golden_ids
from warehouse.landing import (
    HELD_BACK_COLUMNS,
    Landing,
    SyncFigures,
    held_back,
    landed_rows,
    note_unchanged_files,
    source_state,
)
from warehouse.match_models import (
    SavedModel,
    TrainedModel,
    latest_model,
    level_labels,
    saved_models,
)
from warehouse.publication import Publication
from warehouse.publishing import publish
from warehouse.reads import (
    QuarantineFilter,
    issued_ids,
    last_run_id,
    live_row_count,
    placed_records,
    quarantine_counts,
    quarantined_row,
    quarantined_rows,
    redirected_ids,
    run_summary,
    syncs_since,
)
from warehouse.review_queue import review_item, review_items
from warehouse.run_inputs import keep_run_inputs, last_run_inputs, warehouse_inputs
from warehouse.run_lock import LockHolder, WarehouseBusy, warehouse_lock

__all__ = [
    "keep_run_inputs",
    "note_unchanged_files",
    "last_run_inputs",
    "warehouse_inputs",
    "LOCATED_ISSUE_COLUMNS",
    "located_issues",
    "set_aside_values",
    "HELD_BACK_COLUMNS",
    "GoldenCustomers",
    "golden_customers",
    "held_back",
    "StewardDecision",
    "customer_record_ids",
    "decision_log",
    "find_customers",
    "golden_id_of",
    "golden_profile",
    "level_labels",
    "live_golden_id",
    "record_decision",
    "review_item",
    "review_items",
    "source_records",
    "steward_decision",
    "steward_decisions",
    "GoldenIdentity",
    "IssuedIds",
    "Landing",
    "Publication",
    "QuarantineFilter",
    "SavedModel",
    "SyncFigures",
    "TrainedModel",
    "NotInWarehouse",
    "WarehouseError",
    "WarehouseSchemaError",
    "WarehouseUnavailable",
    "WarehouseBusy",
    "LockHolder",
    "warehouse_lock",
    "connect",
    "inspect_warehouse",
    "upgrade_warehouse",
    "assign_golden_ids",
    "issued_ids",
    "last_run_id",
    "landed_rows",
    "latest_model",
    "live_row_count",
    "placed_records",
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
