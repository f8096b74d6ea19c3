"""Validate canonical records with a Great Expectations suite, in process.

Each expectation carries a short rule name and a batch-level threshold (``mostly``).
Rows that break an expectation go to quarantine under its rule whether or not the
threshold holds; the batch as a whole fails (``ValidationReport.success`` is False)
when any threshold is broken. Structural invariants (keys present and unique) have a
threshold of 1: one failure means the stage upstream is broken, not that the data is
dirty.

Great Expectations takes seconds to import, so it is imported on first validation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from quality.canonical import CANONICAL_FIELDS, RECORD_ID
from quality.countries import ISO_ALPHA2_CODES
from quality.dates import EARLIEST_BIRTH_DATE
from quality.emails import EMAIL_PATTERN
from quality.exceptions import UnknownSuiteError
from quality.quarantine import QuarantineLog, quoted, rows_held_back

DEFAULT_SUITE = "canonical_customer"
_E164_PATTERN = r"^\+[1-9][0-9]{6,14}$"


@dataclass(frozen=True)
class Check:
    """One expectation of a suite, described without importing Great Expectations.

    Attributes:
        rule: Short rule name used in quarantine and reports.
        expectation: Name of the ``great_expectations.expectations`` class.
        column: The column checked, or ``None`` for a table-level expectation.
        reason: How a failing value is described in quarantine details.
        options: Further keyword arguments of the expectation (``mostly``, ``regex``...).
    """

    rule: str
    expectation: str
    column: str | None
    reason: str = "breaks the rule"
    options: dict[str, Any] = field(default_factory=dict)


def canonical_customer_checks(today: dt.date | None = None) -> list[Check]:
    """The default suite for canonical customer records.

    Args:
        today: The latest plausible birth date; defaults to the current UTC day.
    """
    today = today or dt.datetime.now(dt.UTC).date()
    return [
        Check(
            "canonical_columns",
            "ExpectTableColumnsToMatchOrderedList",
            None,
            options={"column_list": [*CANONICAL_FIELDS, RECORD_ID]},
        ),
        Check("missing_source", "ExpectColumnValuesToNotBeNull", "source", "is missing"),
        Check("missing_source_key", "ExpectColumnValuesToNotBeNull", "source_key", "is missing"),
        Check(
            "duplicate_record_id",
            "ExpectColumnValuesToBeUnique",
            RECORD_ID,
            "occurs more than once",
        ),
        Check(
            "invalid_email",
            "ExpectColumnValuesToMatchRegex",
            "email",
            "is not a valid e-mail address",
            {"regex": f"^(?:{EMAIL_PATTERN.pattern})$", "mostly": 0.95},
        ),
        Check(
            "invalid_phone",
            "ExpectColumnValuesToMatchRegex",
            "phone",
            "is not an E.164 phone number",
            {"regex": _E164_PATTERN, "mostly": 0.95},
        ),
        Check(
            "unknown_country",
            "ExpectColumnValuesToBeInSet",
            "country",
            "is not an ISO 3166-1 alpha-2 code",
            {"value_set": sorted(ISO_ALPHA2_CODES), "mostly": 0.99},
        ),
        Check(
            "implausible_birth_date",
            "ExpectColumnValuesToBeBetween",
            "birth_date",
            f"is not between {EARLIEST_BIRTH_DATE:%Y-%m-%d} and {today:%Y-%m-%d}",
            {
                "min_value": EARLIEST_BIRTH_DATE.to_pydatetime(),
                "max_value": dt.datetime.combine(today, dt.time()),
                "mostly": 0.99,
            },
        ),
    ]


SUITES = {DEFAULT_SUITE: canonical_customer_checks}
"""Suites by name: each builds its checks when a validation runs."""


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
        error: Why the expectation could not run, if it could not.
    """

    rule: str
    expectation: str
    column: str | None
    success: bool
    unexpected_count: int
    element_count: int
    error: str | None = None


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of validating one frame of canonical records.

    Attributes:
        records: The records that broke no expectation, in their original order.
        quarantine: Rows held back (``QUARANTINE_COLUMNS``); ``position`` is the 1-based
            row in the validated frame.
        expectations: One summary per expectation of the suite.
        success: False when any expectation's batch-level threshold was broken.
        rows_checked: Rows in the validated frame.
    """

    records: pd.DataFrame
    quarantine: pd.DataFrame
    expectations: tuple[ExpectationSummary, ...]
    success: bool
    rows_checked: int

    @property
    def rows_quarantined(self) -> int:
        """Validated rows held back, each counted once however many rules it broke."""
        return rows_held_back(self.quarantine)


def validate_records(records: pd.DataFrame, *, suite_name: str = DEFAULT_SUITE) -> ValidationReport:
    """Run an expectation suite over canonical records and quarantine the rows that fail.

    Args:
        records: Canonical records, as from ``standardize`` (several sources may be
            concatenated).
        suite_name: Which registered suite to run.

    Returns:
        The passing records, the quarantine, a summary per expectation and the
        batch-level verdict.

    Raises:
        UnknownSuiteError: No suite is registered under ``suite_name``.
    """
    if suite_name not in SUITES:
        raise UnknownSuiteError(suite_name, sorted(SUITES))
    checks = SUITES[suite_name]()
    frame = records.reset_index(drop=True)
    results = _run_suite(frame, suite_name, checks)

    log = QuarantineLog(
        _column_or_missing(frame, "source"), _column_or_missing(frame, "source_key")
    )
    summaries = []
    for check, result in zip(checks, results, strict=True):
        outcome = result.result or {}
        error = _error_of(result)
        failing_positions = outcome.get("unexpected_index_list") or []
        if check.column is not None and failing_positions:
            failing = np.zeros(len(frame), dtype=bool)
            failing[np.asarray(failing_positions, dtype=np.int64)] = True
            values = _shown(frame[check.column])
            log.add(failing, check.rule, f"column `{check.column}`: " + values + f" {check.reason}")
        summaries.append(
            ExpectationSummary(
                rule=check.rule,
                expectation=result.expectation_config.type,
                column=check.column,
                success=bool(result.success),
                unexpected_count=int(outcome.get("unexpected_count") or 0),
                element_count=int(outcome.get("element_count") or len(frame)),
                error=error,
            )
        )
    passed = records.loc[~log.held_back()]
    return ValidationReport(
        records=passed,
        quarantine=log.frame(),
        expectations=tuple(summaries),
        success=all(summary.success for summary in summaries),
        rows_checked=len(frame),
    )


def _run_suite(frame: pd.DataFrame, suite_name: str, checks: list[Check]) -> list[Any]:
    """Validate ``frame`` in a fresh ephemeral context; one result per check, in order."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    context = gx.get_context(
        mode="ephemeral",
        project_config=DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(),
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False),
        ),
    )
    batch_definition = (
        context.data_sources.add_pandas(suite_name)
        .add_dataframe_asset(suite_name)
        .add_batch_definition_whole_dataframe(suite_name)
    )
    suite = context.suites.add(gx.ExpectationSuite(name=suite_name))
    for check in checks:
        expectation_class = getattr(gx.expectations, check.expectation)
        column = {} if check.column is None else {"column": check.column}
        suite.add_expectation(
            expectation_class(**column, **check.options, meta={"rule": check.rule})
        )
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name=suite_name, data=batch_definition, suite=suite)
    )
    outcome = validation.run(batch_parameters={"dataframe": frame}, result_format="COMPLETE")
    by_rule = {_rule_of(result): result for result in outcome.results}
    return [by_rule[check.rule] for check in checks]


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


def _shown(values: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        return quoted(values.dt.strftime("%Y-%m-%d"))
    return quoted(values)
