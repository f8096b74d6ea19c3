"""Sensors: sync a file source as soon as a new or changed file lands in its folder."""

from __future__ import annotations

import dagster as dg

from connectors import ConnectorError, source_files
from pipelines.config import Source


def new_files_sensor(
    name: str, source: Source, job: dg.UnresolvedAssetJobDefinition
) -> dg.SensorDefinition:
    """A sensor that requests a sync of ``name`` when a file matching its path appears or changes.

    It selects files exactly as the connector does, and its cursor is the newest
    modification time it has acted on, so each new file version triggers one sync.
    """
    pattern = str(source.connector.path)  # type: ignore[union-attr]

    @dg.sensor(
        name=f"{name}_new_files",
        job=job,
        minimum_interval_seconds=30,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=f"Syncs `{name}` when a file matching {pattern} appears or changes.",
    )
    def _new_files(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
        try:
            changed = source_files(pattern, name, since=context.cursor or None)
        except ConnectorError as exc:
            return dg.SkipReason(str(exc))
        if not changed:
            return dg.SkipReason(f"no new or changed file matches {pattern}")
        newest = max(file.modified for file in changed)
        files = ", ".join(file.name for file in changed)
        request = dg.RunRequest(run_key=f"{name}:{newest}", tags={"hub/files": files[:200]})
        return dg.SensorResult(run_requests=[request], cursor=newest)

    return _new_files
