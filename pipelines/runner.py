"""Running every asset of the hub once, in this process."""

from __future__ import annotations

import os

import dagster as dg

from pipelines.config import HubConfig
from pipelines.definitions import build_definitions
from pipelines.errors import HUB_ERRORS

#: Dagster's own log lines stay out of the terminal; failures are reported by `RunFailed`.
_QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


class RunFailed(Exception):
    """A stage failed; the message has one line per failed step, naming the cause."""


def run_hub(config: HubConfig) -> str:
    """Materialize every asset for ``config`` and return the run id.

    With ``DAGSTER_HOME`` set the run is recorded in that Dagster instance, so it
    shows in the Dagster UI; otherwise a throwaway instance is used.

    Raises:
        RunFailed: when a step fails; each line names the step and the cause.
    """
    defs = build_definitions(config)
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else None
    job = defs.resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(run_config=_QUIET, instance=instance, raise_on_error=False)
    if not result.success:
        raise RunFailed("\n".join(_failures(result)))
    return result.run_id


def _failures(result: dg.ExecuteInProcessResult) -> list[str]:
    """One line per failed step: the user-facing message for hub errors, else the error."""
    lines = []
    for event in result.all_events:
        if not event.is_step_failure or event.step_failure_data is None:
            continue
        error = event.step_failure_data.error
        while error is not None and error.cause is not None and not _is_hub_error(error):
            error = error.cause
        message = error.message.strip() if error is not None else "unknown error"
        lines.append(f"  - step `{event.step_key}`: {message}")
    return lines or ["  - the run did not succeed (see the Dagster logs)"]


def _is_hub_error(error: dg.SerializableErrorInfo) -> bool:
    names = {cls.__name__ for kind in HUB_ERRORS for cls in (kind, *kind.__subclasses__())}
    return error.cls_name in names
