"""Validate canonical records with a Great Expectations suite, in process.

A suite is a list of :class:`~quality.suites.Check`: each is one expectation with a
rule name, a batch-level threshold (``mostly``) and how the hub handles it. Rows that
break a check go to quarantine under its rule (unless the check says otherwise)
whether or not the threshold holds; the batch fails when any threshold is broken, and
the failure is *blocking* when that check is.

Great Expectations runs in an ephemeral context. Given a folder, each validation is
also kept there and rendered as Data Docs (``index.html`` lists every run).
Great Expectations takes seconds to import, so it is imported on first validation.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from quality.quarantine import QuarantineLog, offending, rows_held_back
from quality.suites import Check, canonical_customer_checks

DEFAULT_SUITE = "canonical_customer"
_DOCS_SITE = "hub"
_SAMPLE_SIZE = 5


@dataclass(frozen=True)
class ExpectationSummary:
    """How one expectation fared on the batch.

    Attributes:
        rule: The check's short rule name.
        expectation: The Great Expectations expectation type.
        column: The column checked, or ``None`` for a table-level expectation.
        success: Whether the expectation's threshold held.
        unexpected_count: Rows that broke it (0 for table-level expectations).
        element_count: Rows checked.
        mostly: The share of rows that had to pass.
        blocking: Whether a failure stops publishing.
        sample: A few offending values, as text.
        error: Why the expectation could not run, if it could not.
    """

    rule: str
    expectation: str
    column: str | None
    success: bool
    unexpected_count: int
    element_count: int
    mostly: float = 1.0
    blocking: bool = True
    sample: tuple[str, ...] = ()
    error: str | None = None

    @property
    def unexpected_share(self) -> float:
        """Share of the checked rows that broke the expectation."""
        return self.unexpected_count / self.element_count if self.element_count else 0.0

    def describe(self) -> str:
        """One line on the outcome: ``invalid_email failed for 2 of 3 rows (66.7%; ...)``."""
        if self.error:
            return f"{self.rule} could not run: {self.error}"
        verdict = "held" if self.success else "failed"
        if self.column is None:
            return f"{self.rule} {verdict}"
        allowed = f"at most {1 - self.mostly:.0%} allowed"
        return (
            f"{self.rule} {verdict} for {self.unexpected_count:,} of {self.element_count:,} "
            f"rows ({self.unexpected_share:.1%}; {allowed})"
        )


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of validating one frame of canonical records.

    Attributes:
        checked: The validated records.
        quarantine: Rows held back (``QUARANTINE_COLUMNS``); ``position`` is the 1-based
            row in the validated frame.
        expectations: One summary per expectation of the suite.
        data_docs: The Data Docs page of this validation, when Data Docs were written.
    """

    checked: pd.DataFrame
    quarantine: pd.DataFrame
    expectations: tuple[ExpectationSummary, ...]
    data_docs: Path | None = None

    @property
    def records(self) -> pd.DataFrame:
        """The records that broke no expectation, in their original order."""
        held_back = np.zeros(len(self.checked), dtype=bool)
        held_back[self.quarantine["position"].to_numpy(dtype=np.int64) - 1] = True
        return self.checked.loc[~held_back]

    @property
    def success(self) -> bool:
        """False when any expectation's batch-level threshold was broken."""
        return all(summary.success for summary in self.expectations)

    @property
    def rows_quarantined(self) -> int:
        """Validated rows held back, each counted once however many rules it broke."""
        return rows_held_back(self.quarantine)


def validate_records(
    records: pd.DataFrame,
    *,
    checks: Sequence[Check] | None = None,
    suite_name: str = DEFAULT_SUITE,
    data_docs: Path | None = None,
    run_name: str | None = None,
) -> ValidationReport:
    """Run an expectation suite over canonical records and quarantine the rows that fail.

    Args:
        records: Canonical records, as from ``standardize``.
        checks: The suite; the default suite of canonical customer records if ``None``.
        suite_name: The suite's name in Great Expectations and Data Docs (the source).
        data_docs: Folder to keep validations in and render Data Docs into.
        run_name: The run the validation belongs to, as Data Docs list it.

    Returns:
        The passing records, the quarantine, a summary per expectation and where the
        Data Docs page is.
    """
    checks = list(canonical_customer_checks() if checks is None else checks)
    frame = records.reset_index(drop=True)
    results, page = _run_suite(
        _checked_columns(frame, checks), suite_name, checks, data_docs, run_name
    )

    log = QuarantineLog(
        _column_or_missing(frame, "source"), _column_or_missing(frame, "source_key")
    )
    summaries = []
    for check, result in zip(checks, results, strict=True):
        outcome = result.result or {}
        failing_positions = outcome.get("unexpected_index_list") or []
        if check.quarantine and check.column is not None and failing_positions:
            failing = np.zeros(len(frame), dtype=bool)
            failing[np.asarray(failing_positions, dtype=np.int64)] = True
            log.add(
                failing,
                check.rule,
                offending(f"column `{check.column}`", frame[check.column], check.reason),
            )
        summaries.append(
            ExpectationSummary(
                rule=check.rule,
                expectation=check.expectation,
                column=check.column,
                success=bool(result.success),
                unexpected_count=int(outcome.get("unexpected_count") or 0),
                element_count=int(outcome.get("element_count") or len(frame)),
                mostly=check.mostly,
                blocking=check.blocking,
                sample=tuple(
                    str(value) for value in (outcome.get("partial_unexpected_list") or [])
                )[:_SAMPLE_SIZE],
                error=_error_of(result),
            )
        )
    return ValidationReport(
        checked=records,
        quarantine=log.frame(),
        expectations=tuple(summaries),
        data_docs=page,
    )


def expectation(check: Check) -> Any:
    """The Great Expectations expectation that ``check`` declares.

    Raises:
        ValueError: The expectation does not exist, or its arguments do not fit it.
    """
    from great_expectations.exceptions.exceptions import ExpectationNotFoundError
    from great_expectations.expectations.expectation import ColumnMapExpectation
    from great_expectations.expectations.registry import get_expectation_impl

    try:
        expectation_class = get_expectation_impl(check.expectation)
    except ExpectationNotFoundError:
        raise ValueError(f"`{check.expectation}` is not a Great Expectations expectation") from None
    arguments: dict[str, Any] = {**check.options, "meta": {"rule": check.rule}}
    if check.column is not None:
        arguments["column"] = check.column
    if issubclass(expectation_class, ColumnMapExpectation):
        arguments["mostly"] = check.mostly
    elif check.mostly != 1.0:
        raise ValueError(f"`{check.expectation}` judges the batch as a whole: it takes no `mostly`")
    try:
        return expectation_class(**arguments)
    except Exception as exc:  # Great Expectations' pydantic (v1) ValidationError, and others
        errors = exc.errors() if hasattr(exc, "errors") else [{"loc": (), "msg": str(exc)}]
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'arguments'}: {error['msg']}"
            for error in errors
        )
        raise ValueError(f"`{check.expectation}`: {problems}") from None


def _context(data_docs: Path | None) -> Any:
    """An ephemeral context; with ``data_docs``, validations are kept there and rendered."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
        data_docs_sites={},
    )
    if data_docs is not None:
        data_docs = data_docs.resolve()
        data_docs.mkdir(parents=True, exist_ok=True)
        config.data_docs_sites = {
            _DOCS_SITE: {
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(data_docs),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            }
        }
        config.stores[config.validation_results_store_name] = {
            "class_name": "ValidationResultsStore",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(data_docs / "results"),
            },
        }
    return gx.get_context(mode="ephemeral", project_config=config)


def _run_suite(
    frame: pd.DataFrame,
    suite_name: str,
    checks: list[Check],
    data_docs: Path | None,
    run_name: str | None,
) -> tuple[list[Any], Path | None]:
    """Validate ``frame``; one result per check, in order, and the Data Docs page if any."""
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier

    context = _context(data_docs)
    batch_definition = (
        context.data_sources.add_pandas(suite_name)
        .add_dataframe_asset(suite_name)
        .add_batch_definition_whole_dataframe(suite_name)
    )
    suite = context.suites.add(gx.ExpectationSuite(name=suite_name))
    for check in checks:
        suite.add_expectation(expectation(check))
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name=suite_name, data=batch_definition, suite=suite)
    )
    run_id = RunIdentifier(run_name=run_name, run_time=dt.datetime.now(dt.UTC))
    outcome = validation.run(
        batch_parameters={"dataframe": frame}, result_format="COMPLETE", run_id=run_id
    )
    page = None if data_docs is None else _render(context, suite_name, outcome, data_docs)
    by_rule = {_rule_of(result): result for result in outcome.results}
    return [by_rule[check.rule] for check in checks], page


def _render(context: Any, suite_name: str, outcome: Any, data_docs: Path) -> Path:
    """Render a stored validation into the Data Docs site; return its page.

    Sources are validated in parallel processes, so the site is updated under a lock.
    """
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    identifier = ValidationResultIdentifier(
        expectation_suite_identifier=ExpectationSuiteIdentifier(name=suite_name),
        run_id=outcome.meta["run_id"],
        batch_identifier=outcome.batch_id,
    )
    with (data_docs.resolve() / ".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        context.build_data_docs(site_names=[_DOCS_SITE], resource_identifiers=[identifier])
    (site,) = context.get_docs_sites_urls(resource_identifier=identifier, site_name=_DOCS_SITE)
    return Path(urllib.request.url2pathname(urllib.parse.urlparse(site["site_url"]).path))


def _checked_columns(frame: pd.DataFrame, checks: list[Check]) -> pd.DataFrame:
    """The columns the checks read: Great Expectations copies and hashes what it is given."""
    if any(check.column is None for check in checks):
        return frame  # a table-level expectation may read any column
    return frame[list(dict.fromkeys(check.column for check in checks if check.column))]


def _rule_of(result: Any) -> str:
    return str(result.expectation_config.meta["rule"])


def _error_of(result: Any) -> str | None:
    info = result.exception_info or {}
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    for nested in info.values():
        if isinstance(nested, dict) and nested.get("raised_exception"):
            return str(nested.get("exception_message"))
    return None


def _column_or_missing(frame: pd.DataFrame, column: str) -> pd.Series:
    if column in frame.columns:
        return frame[column]
    return pd.Series(None, index=frame.index, dtype="object")
