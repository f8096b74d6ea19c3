"""Sensors: sync a file source as soon as a new or changed file lands in its folder."""

from __future__ import annotations

import glob
import os

import dagster as dg

from pipelines.config import Source


def new_files_sensor(
    name: str, source: Source, job: dg.UnresolvedAssetJobDefinition
) -> dg.SensorDefinition:
    """A sensor that requests a sync of ``name`` when a file matching its path appears or changes.

    The sensor's cursor is the newest modification time it has acted on, so each file
    version triggers one sync.
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
        modified = {
            path: os.stat(path).st_mtime for path in glob.glob(pattern) if os.path.isfile(path)
        }
        newest = max(modified.values(), default=None)
        acted_on = float(context.cursor) if context.cursor else None
        if newest is None:
            return dg.SkipReason(f"no file matches {pattern}")
        if acted_on is not None and newest <= acted_on:
            return dg.SkipReason("no new or changed file")
        changed = sorted(
            os.path.basename(p) for p, m in modified.items() if acted_on is None or m > acted_on
        )
        request = dg.RunRequest(
            run_key=f"{name}:{newest}", tags={"hub/files": ", ".join(changed)[:200]}
        )
        return dg.SensorResult(run_requests=[request], cursor=str(newest))

    return _new_files
