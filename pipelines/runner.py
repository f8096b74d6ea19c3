"""Running the hub's assets once, in this process: every source's sync, then the stages."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dagster as dg
import sqlalchemy as sa

from errors import HubError, TerminalError
from pipelines.assets import SOURCE_PREFIX, source_key
from pipelines.code_fingerprint import code_fingerprint
from pipelines.config import HubConfig
from pipelines.definitions import build_definitions
from warehouse import (
    LockHolder,
    connect,
    keep_run_inputs,
    last_run_inputs,
    warehouse_inputs,
    warehouse_lock,
)

#: Dagster's own log lines stay out of the terminal; failures are reported by the caller.
_QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


class RunFailed(TerminalError):
    """A stage failed; the message has one line per failed step, naming the cause."""


@dataclass(frozen=True)
class HubRun:
    """What ``run_hub`` did: the run that published, the syncs that failed, the time taken."""

    run_id: str
    """The run that published the warehouse as it stands: this one, or, when nothing
    changed, the one before."""
    failed_syncs: dict[str, str]
    """Source name → why its sync failed; its previously landed rows were used."""
    deletions_held: dict[str, int]
    """Source name → rows gone from it that its sync did not mark deleted, as they were
    more than its ``sync.max_delete_share``; they stay published."""
    stage_seconds: dict[str, float]
    """Each step that ran → its seconds, in the order they started: every source's sync
    (``source__<name>``), then the stages (``customer_records`` …)."""
    unchanged: bool = False
    """Nothing the stages read changed since ``run_id`` published: no stage ran."""


_STEP_ENDS = (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE)


class _StageClock:
    """Times the steps of the runs it listens to, and tells ``on_stage`` as each starts."""

    def __init__(self, on_stage: Callable[[str], None] | None) -> None:
        self.on_stage = on_stage
        self.started: dict[str, float] = {}
        self.seconds: dict[str, float] = {}

    def __call__(self, entry: dg.EventLogEntry) -> None:
        event = entry.dagster_event
        if event is None or event.step_key is None:
            return
        step = event.step_key
        if event.event_type == dg.DagsterEventType.STEP_START:
            self.started[step] = entry.timestamp
            if self.on_stage is not None:
                self.on_stage(step)
        elif event.event_type in _STEP_ENDS:
            self.seconds[step] = entry.timestamp - self.started.get(step, entry.timestamp)


def run_hub(
    config: HubConfig,
    *,
    sync: bool = True,
    full: bool = False,
    on_wait: Callable[[LockHolder | None], None] | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> HubRun:
    """Sync every source, then standardize, match and publish; return what happened.

    A source whose sync fails does not stop the others: the stages run on what every
    source has landed, the failed source's previous rows included. Without ``sync`` the
    stages run on what the sources landed last (to apply steward decisions at once).

    When nothing the stages read changed since the last run published (see
    `_run_inputs`), no stage runs; ``full`` asks for every stage all the same. Matching
    keeps whole the customers with no new, changed or gone record (`matching.untouched`),
    unless ``full`` asks for every customer to be clustered anew.

    One run at a time writes a warehouse: the run holds the warehouse's lock throughout,
    waiting up to ``warehouse.lock_wait_seconds`` for another run that holds it (telling
    ``on_wait`` which, once). ``on_stage`` hears of each step as it starts.

    With ``DAGSTER_HOME`` set the runs are recorded in that Dagster instance, so they
    show in the Dagster UI; otherwise a throwaway instance is used.

    Raises:
        RunFailed: when a stage after the syncs fails; each line names the step and why.
        WarehouseBusy: another run held the warehouse all the while this one waited.
    """
    run_id = str(uuid.uuid4())
    engine = connect(config.warehouse.url)
    try:
        with (
            warehouse_lock(
                engine, run_id, wait_seconds=config.warehouse.lock_wait_seconds, on_wait=on_wait
            ),
            _dagster_instance() as instance,
        ):
            clock = _StageClock(on_stage)
            return _run(engine, instance, config, run_id, sync=sync, full=full, clock=clock)
    finally:
        engine.dispose()


def _run_inputs(engine: sa.Engine, config: HubConfig) -> str:
    """A digest of all a run's result follows from: the rows landed, the stewards'
    decisions, the config but for how sources are reached and where the warehouse is, the
    hub's code and libraries, and the day (a birth date in the future)."""
    settings: dict[str, Any] = config.model_dump(mode="json", exclude={"warehouse", "console"})
    for source in settings["sources"].values():
        source.pop("connector")
        source.pop("sync", None)
    inputs = [
        warehouse_inputs(engine),
        settings,
        code_fingerprint(),
        dt.datetime.now(dt.UTC).date().isoformat(),
    ]
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()


def _dagster_instance() -> dg.DagsterInstance:
    """The instance of ``DAGSTER_HOME`` where set, so runs show in the Dagster UI; else a
    throwaway one."""
    return (
        dg.DagsterInstance.get()
        if os.environ.get("DAGSTER_HOME")
        else dg.DagsterInstance.ephemeral()
    )


def _run(
    engine: sa.Engine,
    instance: dg.DagsterInstance,
    config: HubConfig,
    run_id: str,
    *,
    sync: bool,
    full: bool,
    clock: _StageClock,
) -> HubRun:
    defs = build_definitions(config)
    job = defs.resolve_implicit_global_asset_job_def()
    sources = [source_key(name) for name in config.sources]
    failed_syncs: dict[str, str] = {}
    deletions_held: dict[str, int] = {}
    if sync:
        sync_id = str(uuid.uuid4())
        instance.add_event_listener(sync_id, clock)
        synced = job.execute_in_process(
            run_config=_QUIET,
            instance=instance,
            raise_on_error=False,
            asset_selection=sources,
            run_id=sync_id,
        )
        failed_syncs = {
            step.removeprefix(f"{SOURCE_PREFIX}__"): message
            for step, message in _failures(synced).items()
        }
        for name in config.sources:
            node = f"{SOURCE_PREFIX}__{name}"
            if name in failed_syncs:
                continue
            for materialized in synced.asset_materializations_for_node(node):
                held = materialized.metadata.get("deletions_held")
                if held is not None and held.value:
                    deletions_held[name] = int(str(held.value))
    inputs = _run_inputs(engine, config)
    last = last_run_inputs(engine)
    if not full and last is not None and last.digest == inputs:
        return HubRun(
            run_id=last.run_id,
            failed_syncs=failed_syncs,
            deletions_held=deletions_held,
            stage_seconds=dict(clock.seconds),
            unchanged=True,
        )
    stages = [key for key in defs.resolve_asset_graph().get_all_asset_keys() if key not in sources]
    instance.add_event_listener(run_id, clock)
    built = job.execute_in_process(
        run_config={
            **_QUIET,
            "ops": {"customer_links": {"config": {"reevaluate_customers": full}}},
        },
        instance=instance,
        raise_on_error=False,
        asset_selection=stages,
        run_id=run_id,
    )
    if not built.success:
        lines = _blocking_checks(built) or [
            f"  - step `{step}`: {message}" for step, message in _failures(built).items()
        ]
        raise RunFailed("\n".join(lines or ["  - the run did not succeed"]))
    keep_run_inputs(engine, run_id, inputs)
    return HubRun(
        run_id=built.run_id,
        failed_syncs=failed_syncs,
        deletions_held=deletions_held,
        stage_seconds=dict(clock.seconds),
    )


def _blocking_checks(result: dg.ExecuteInProcessResult) -> list[str]:
    """Lines on each quality check that failed with ERROR severity, and so stopped the run."""
    lines = []
    for evaluation in result.get_asset_check_evaluations():
        if evaluation.passed or evaluation.severity != dg.AssetCheckSeverity.ERROR:
            continue
        metadata = {key: value.value for key, value in evaluation.metadata.items()}
        lines.append(
            f"  - quality check `{evaluation.check_name}` failed, so nothing was published:"
        )
        lines += [f"      {line}" for line in str(metadata.get("failed", "")).splitlines()]
        if "data_docs" in metadata:
            lines.append(f"      details: {metadata['data_docs']}")
    if lines:
        lines.append("  `hub quarantine list` shows the rows held back at the last publish.")
    return lines


def _failures(result: dg.ExecuteInProcessResult) -> dict[str, str]:
    """Failed step → the user-facing message for hub errors, else the error itself."""
    failures = {}
    for event in result.all_events:
        if not event.is_step_failure or event.step_failure_data is None:
            continue
        error = event.step_failure_data.error
        while error is not None and error.cause is not None and not _is_hub_error(error):
            error = error.cause
        failures[str(event.step_key)] = _said(error) if error else "unknown error"
    return failures


def _said(error: dg.SerializableErrorInfo) -> str:
    """The error's message; a hub error's without the ``module.Class:`` Dagster puts first,
    as its message is written for the user."""
    message = str(error.message).strip()
    if _is_hub_error(error):
        return re.sub(rf"^(?:[\w.]+\.)?{re.escape(error.cls_name)}: ", "", message)
    return message


def _is_hub_error(error: dg.SerializableErrorInfo) -> bool:
    """Whether a failure Dagster recorded is one of the hub's errors (it keeps only the
    class's name)."""
    return error.cls_name in {kind.__name__ for kind in _subclasses(HubError)}


def _subclasses(kind: type[Exception]) -> set[type[Exception]]:
    found = {kind}
    for subclass in kind.__subclasses__():
        found |= _subclasses(subclass)
    return found
