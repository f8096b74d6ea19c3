"""The quality gate of one source: standardize its rows, then validate them.

What leaves the gate is a clean canonical record or a quarantined row with every rule
it broke, and the counts add up: rows read = rows passed + rows quarantined. A record
that passed goes on without the values a field-level rule set aside; the verdict counts
them, and the rows whose values had control characters removed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from quality.mapping import DATE_FIELDS, SourceMappingBase
from quality.quarantine import (
    CONTROL_CHARACTERS_REMOVED,
    QUARANTINE_COLUMNS,
    empty_quarantine,
    rows_held_back,
    shown_as_read,
)
from quality.standardize import StandardizedBatch, standardize
from quality.suites import Check, canonical_customer_checks
from quality.validation import ExpectationSummary, validate_records


@dataclass(frozen=True)
class QualityVerdict:
    """How one source fared at the gate: the counts and each expectation's result.

    Attributes:
        source: The configured source system.
        rows_read: Raw rows that entered the gate.
        rows_passed: Raw rows that became clean records.
        rows_quarantined: Raw rows held back, each counted once whatever it broke.
        expectations: What the expectation suite found, per expectation.
        data_docs: The Data Docs page of the validation, when Data Docs were written.
        values_set_aside: Values of passed rows set aside for a rule they broke.
        rows_cleaned: Rows passed whose values had control characters removed.
    """

    source: str
    rows_read: int
    rows_passed: int
    rows_quarantined: int
    expectations: tuple[ExpectationSummary, ...]
    data_docs: Path | None = None
    values_set_aside: int = 0
    rows_cleaned: int = 0

    def __post_init__(self) -> None:
        if self.rows_passed + self.rows_quarantined != self.rows_read:
            raise AssertionError(
                f"source `{self.source}`: {self.rows_read} rows read but "
                f"{self.rows_passed} passed + {self.rows_quarantined} quarantined"
            )

    @property
    def failures(self) -> tuple[ExpectationSummary, ...]:
        """Expectations whose batch-level threshold was broken."""
        return tuple(summary for summary in self.expectations if not summary.success)

    @property
    def blocking_failures(self) -> tuple[ExpectationSummary, ...]:
        """Broken expectations that stop publishing."""
        return tuple(summary for summary in self.failures if summary.blocking)


@dataclass(frozen=True)
class SourceQuality:
    """One source's rows after the quality gate.

    Attributes:
        records: Canonical records of the rows that passed, indexed by their 0-based
            position in the raw rows, without the values set aside.
        quarantine: Every problem of every held-back row (``QUARANTINE_COLUMNS``);
            ``position`` is the 1-based raw row.
        issues: The values of passed rows set aside or cleaned (``FIELD_ISSUE_COLUMNS``,
            ``value`` as read).
        verdict: The counts and the suite's results.
    """

    records: pd.DataFrame
    quarantine: pd.DataFrame
    issues: pd.DataFrame
    verdict: QualityVerdict


def quality_gate(
    raw: pd.DataFrame,
    *,
    source: str,
    primary_key: str,
    mapping: SourceMappingBase,
    checks: Sequence[Check] | None = None,
    data_docs: Path | None = None,
    run_name: str | None = None,
) -> SourceQuality:
    """Standardize a source's raw rows and validate every record with the source's suite.

    Args:
        raw: The source's rows as read (see ``standardize``).
        source: The configured source name.
        primary_key: The raw column holding the source's own key.
        mapping: Which raw column (or constant) feeds each canonical field.
        checks: The source's suite; the default suite if ``None``.
        data_docs: Folder for Data Docs (see ``validate_records``); none written if ``None``.
        run_name: The run this validation belongs to, as Data Docs list it.

    Raises:
        MissingColumnError: The primary key or a mapped column is not in ``raw``.
    """
    checks = list(canonical_customer_checks() if checks is None else checks)
    batch = standardize(raw, source=source, primary_key=primary_key, mapping=mapping)
    report = validate_records(
        batch.records, checks=checks, suite_name=source, data_docs=data_docs, run_name=run_name
    )
    read = _judged_while_reading(batch, checks)
    # Validation numbers rows from 1 in the order given, which is the raw order.
    quarantine = pd.concat([read.quarantine, report.quarantine], ignore_index=True)
    held_back = batch.records.index.isin(quarantine["position"] - 1)
    issues = pd.concat([read.issues, _as_read(report.issues, raw, mapping)], ignore_index=True)
    issues = issues.sort_values(["position", "rule"], kind="stable", ignore_index=True)
    cleaned = issues["rule"] == CONTROL_CHARACTERS_REMOVED
    # A held-back row's quarantine names every rule it broke; it has no record to go on.
    of_held_back = issues["position"].isin(quarantine["position"])
    quarantine = pd.concat(
        [quarantine, issues.loc[of_held_back & ~cleaned, list(QUARANTINE_COLUMNS)]],
        ignore_index=True,
    )
    quarantine = quarantine.sort_values(["position", "rule"], kind="stable", ignore_index=True)
    issues = issues[~of_held_back].reset_index(drop=True)
    cleaned = issues["rule"] == CONTROL_CHARACTERS_REMOVED
    order = {check.rule: n for n, check in enumerate(checks)}
    expectations = sorted((*read.expectations, *report.expectations), key=lambda e: order[e.rule])
    verdict = QualityVerdict(
        source=source,
        rows_read=len(raw),
        rows_passed=int((~held_back).sum()),
        rows_quarantined=rows_held_back(quarantine),
        expectations=tuple(expectations),
        data_docs=report.data_docs,
        values_set_aside=int((~cleaned).sum()),
        rows_cleaned=int(issues.loc[cleaned, "position"].nunique()),
    )
    records = _without(batch.records[~held_back], issues[~cleaned])
    return SourceQuality(records=records, quarantine=quarantine, issues=issues, verdict=verdict)


@dataclass(frozen=True)
class _Read:
    """What the rules judged while reading found: values set aside, rows held back."""

    issues: pd.DataFrame
    quarantine: pd.DataFrame
    expectations: tuple[ExpectationSummary, ...]


def _judged_while_reading(batch: StandardizedBatch, checks: Sequence[Check]) -> _Read:
    """Judge the rules standardizing applied (``invalid_date``) as their checks say: the
    threshold over the date values given (of every date field), and the level (a date set
    aside, or its row held back)."""
    issues = batch.issues
    quarantine, summaries = [empty_quarantine()], []
    for check in checks:
        if check.expectation is not None:
            continue
        # Every date field's values: the readable ones, and those set aside as unreadable.
        broken = (issues["rule"] == check.rule).to_numpy()
        unexpected = int(broken.sum())
        checked = int(batch.records[list(DATE_FIELDS)].notna().to_numpy().sum()) + unexpected
        summaries.append(
            ExpectationSummary(
                rule=check.rule,
                expectation="judged while reading",
                column=check.column,
                success=unexpected <= (1 - check.mostly) * checked + 1e-9,
                unexpected_count=unexpected,
                element_count=checked,
                mostly=check.mostly,
                blocking=check.blocking,
                sample=tuple(issues.loc[broken, "value"].dropna().astype(str).head(5)),
            )
        )
        # An unreadable date cannot go on in its record: it is noted whatever the check
        # says, and only holds its row back at level `record` (unless `quarantine: false`).
        if check.quarantine and not check.sets_values_aside:
            quarantine.append(issues.loc[broken, list(QUARANTINE_COLUMNS)])
            issues = issues[~broken]
    return _Read(issues, pd.concat(quarantine, ignore_index=True), tuple(summaries))


def _as_read(issues: pd.DataFrame, raw: pd.DataFrame, mapping: SourceMappingBase) -> pd.DataFrame:
    """Issues of validated values, each with the value as read from its column."""
    specs = {**mapping.fields, **mapping.attributes}
    values = issues["value"].to_numpy(dtype=object).copy()
    for field, at in issues.groupby("field").indices.items():
        spec = specs.get(str(field))
        if spec is not None and spec.column is not None:
            column = raw[spec.column].to_numpy(dtype=object)
            values[at] = [shown_as_read(v) for v in column[issues["position"].to_numpy()[at] - 1]]
        elif spec is not None:
            values[at] = shown_as_read(spec.value)
    return issues.assign(value=values)


def _without(records: pd.DataFrame, issues: pd.DataFrame) -> pd.DataFrame:
    """The records with each value that an issue set aside missing."""
    if issues.empty:
        return records
    records = records.copy()
    for field, positions in issues.groupby("field")["position"]:
        rows = records.index.isin(positions.to_numpy() - 1)
        missing = pd.NaT if field in DATE_FIELDS else None
        records.loc[rows, str(field)] = missing
    return records
