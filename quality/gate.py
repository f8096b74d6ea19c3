"""The quality gate of one source: standardize its rows, then validate them.

What leaves the gate is a clean canonical record or a quarantined row with every rule
it broke, and the counts add up: rows read = rows passed + rows quarantined. Of the rows
passed, the verdict also counts those whose values had control characters removed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from quality.mapping import SourceMappingBase
from quality.quarantine import rows_held_back
from quality.standardize import standardize
from quality.suites import Check
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
        rows_cleaned: Rows passed whose values had control characters removed.
    """

    source: str
    rows_read: int
    rows_passed: int
    rows_quarantined: int
    expectations: tuple[ExpectationSummary, ...]
    data_docs: Path | None = None
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
            position in the raw rows.
        quarantine: Every problem of every held-back row (``QUARANTINE_COLUMNS``);
            ``position`` is the 1-based raw row.
        verdict: The counts and the suite's results.
    """

    records: pd.DataFrame
    quarantine: pd.DataFrame
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
    batch = standardize(raw, source=source, primary_key=primary_key, mapping=mapping)
    report = validate_records(
        batch.records, checks=checks, suite_name=source, data_docs=data_docs, run_name=run_name
    )
    # Validation numbers rows from 1 in the order given, which is the raw order.
    quarantine = pd.concat([batch.quarantine, report.quarantine], ignore_index=True)
    quarantine = quarantine.sort_values(["position", "rule"], kind="stable", ignore_index=True)
    held_back = batch.records.index.isin(quarantine["position"] - 1)
    cleaned = batch.records.index.isin(batch.cleaned["position"] - 1)
    verdict = QualityVerdict(
        source=source,
        rows_read=len(raw),
        rows_passed=int((~held_back).sum()),
        rows_quarantined=rows_held_back(quarantine),
        expectations=report.expectations,
        data_docs=report.data_docs,
        rows_cleaned=int((cleaned & ~held_back).sum()),
    )
    return SourceQuality(records=batch.records[~held_back], quarantine=quarantine, verdict=verdict)
