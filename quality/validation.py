"""Validate canonical records with a Great Expectations suite, in process.

A suite is a list of :class:`~quality.suites.Check`: each is one expectation with a
rule name, a batch-level threshold (``mostly``) and how the hub handles it. What breaks
a check is set aside under its rule (unless the check says otherwise) whether or not
the threshold holds: the value, noted as a field issue, for a field-level check; the
row, in quarantine, for a record-level one. The batch fails when any threshold is
broken, and the failure is *blocking* when that check is.

Great Expectations runs in an ephemeral context. Given a folder, each validation is
also kept there and rendered as Data Docs: ``index.html`` lists the last
``DATA_DOCS_RUNS_KEPT`` runs of each suite (older results and pages are removed), and the
pages load their scripts and styles from copies in the folder, so they open offline.
Great Expectations takes seconds to import, so it is imported on first validation.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import re
import shutil
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from quality.quarantine import FieldIssueLog, QuarantineLog, offending, rows_held_back
from quality.suites import Check, canonical_customer_checks

DEFAULT_SUITE = "canonical_customer"
_DOCS_SITE = "hub"
_SAMPLE_SIZE = 5

DATA_DOCS_RUNS_KEPT = 5
"""Validations of each suite (one a run) whose results and Data Docs pages are kept."""

_ASSETS = Path(__file__).with_name("data_docs_assets")
# The CDN scripts and style sheets that Great Expectations' page templates load, and the
# copies in `data_docs_assets/` (see its README) that the pages load instead; `()` drops
# one. An address missing here is left as it is, and tests/quality/test_data_docs.py fails.
_OFFLINE_ASSETS: dict[str, tuple[str, ...]] = {
    "https://code.jquery.com/jquery-3.7.1.min.js": ("jquery-3.7.1/jquery.min.js",),
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": (
        "popper.js-1.12.9/popper.min.js",
    ),
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": (
        "bootstrap-4.3.1/bootstrap.min.js",
    ),
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": (
        "bootstrap-4.3.1/bootstrap.min.css",
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": (
        "bootstrap-table-1.19.1/bootstrap-table.min.js",
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": (
        "bootstrap-table-1.19.1/bootstrap-table.min.css",
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.js": (
        "bootstrap-table-1.19.1/bootstrap-table-filter-control.min.js",
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.css": (
        "bootstrap-table-1.19.1/bootstrap-table-filter-control.min.css",
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.css": (
        "bootstrap-table-1.19.1/bootstrap-table-filter-control.min.css",
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/"
    "bootstrap-datepicker.min.js": ("bootstrap-datepicker-1.9.0/bootstrap-datepicker.min.js",),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/"
    "bootstrap-datepicker.min.css": ("bootstrap-datepicker-1.9.0/bootstrap-datepicker.min.css",),
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": (
        "fontawesome-free-6.6.0/css/fontawesome.min.css",
        "fontawesome-free-6.6.0/css/solid.min.css",
    ),
    # Charts of the KL-divergence expectation only, and a dark theme: not worth 1 MB.
    "https://cdn.jsdelivr.net/npm/vega@5": (),
    "https://cdn.jsdelivr.net/npm/vega-lite@5": (),
    "https://cdn.jsdelivr.net/npm/vega-embed@6": (),
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/"
    "bootstrap-prefers-dark.css": (),
}
_REMOTE_ASSET = re.compile(
    r'<(?:script|link)\b[^>]*?\b(?:src|href)="(?P<url>https?://[^"]+)"[^>]*>(?:</script>)?'
)
# The navigation bar's logo, light and dark: Great Expectations ships the light one in the
# site's images (the dark theme is not vendored, so the bar stays light).
_REMOTE_LOGO = re.compile(
    r"https://great-expectations-web-assets\.[^\"')]*/\w*logo[\w-]*\.png[^\"')]*"
)
# The site's own static files: a validation page's favicon is one folder too high up.
_SITE_STATIC = re.compile(r"(?<=[\"'])(?:\.\.?/)*static/")


@dataclass(frozen=True)
class ExpectationSummary:
    """How one expectation fared on the batch.

    Attributes:
        rule: The check's short rule name.
        expectation: The Great Expectations expectation type.
        column: The column checked, or ``None`` for a table-level expectation.
        success: Whether the expectation's threshold held.
        unexpected_count: Values that broke it (0 for table-level expectations).
        element_count: Values checked: of a column, those present (as ``mostly`` counts).
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
        """One line on the outcome: ``invalid_email failed for 2 of 3 values (66.7%; ...)``."""
        if self.error:
            return f"{self.rule} could not run: {self.error}"
        verdict = "held" if self.success else "failed"
        if self.column is None:
            return f"{self.rule} {verdict}"
        allowed = f"at most {1 - self.mostly:.0%} allowed"
        return (
            f"{self.rule} {verdict} for {self.unexpected_count:,} of {self.element_count:,} "
            f"values ({self.unexpected_share:.1%}; {allowed})"
        )


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of validating one frame of canonical records.

    Attributes:
        checked: The validated records.
        quarantine: Rows held back (``QUARANTINE_COLUMNS``); ``position`` is the 1-based
            row in the validated frame.
        issues: Values set aside by field-level checks (``FIELD_ISSUE_COLUMNS``, the
            value as validated); their records are not held back.
        expectations: One summary per expectation of the suite.
        data_docs: The Data Docs page of this validation, when Data Docs were written.
    """

    checked: pd.DataFrame
    quarantine: pd.DataFrame
    issues: pd.DataFrame
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
    """Run an expectation suite over canonical records and set aside what fails.

    Args:
        records: Canonical records, as from ``standardize``.
        checks: The suite; the default suite of canonical customer records if ``None``.
            Checks without an expectation (judged while reading) are left out.
        suite_name: The suite's name in Great Expectations and Data Docs (the source).
        data_docs: Folder to keep validations in and render Data Docs into.
        run_name: The run the validation belongs to, as Data Docs list it.

    Returns:
        The quarantine, the values set aside, a summary per expectation and where the
        Data Docs page is.
    """
    every_check = canonical_customer_checks() if checks is None else checks
    checks = [check for check in every_check if check.expectation is not None]
    frame = records.reset_index(drop=True)
    results, page = _run_suite(
        _checked_columns(frame, checks), suite_name, checks, data_docs, run_name
    )

    sources, keys = _column_or_missing(frame, "source"), _column_or_missing(frame, "source_key")
    log, issues = QuarantineLog(sources, keys), FieldIssueLog(sources, keys)
    summaries = []
    for check, result in zip(checks, results, strict=True):
        outcome = result.result or {}
        failing_positions = outcome.get("unexpected_index_list") or []
        if check.quarantine and check.column is not None and failing_positions:
            failing = np.zeros(len(frame), dtype=bool)
            failing[np.asarray(failing_positions, dtype=np.int64)] = True
            values = frame[check.column]
            detail = offending(f"column `{check.column}`", values, check.reason)
            if check.sets_values_aside:
                issues.add_values(failing, check.column, check.rule, values, detail)
            else:
                log.add(failing, check.rule, detail)
        summaries.append(
            ExpectationSummary(
                rule=check.rule,
                expectation=str(check.expectation),
                column=check.column,
                success=bool(result.success),
                unexpected_count=int(outcome.get("unexpected_count") or 0),
                element_count=int(outcome.get("element_count") or len(frame))
                - int(outcome.get("missing_count") or 0),
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
        issues=issues.frame(),
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

    if check.expectation is None:
        raise ValueError(f"rule `{check.rule}` is judged while reading: it has no expectation")
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
        # Kept too, so that every suite's page, which the index links to, stays in the site.
        config.stores[config.expectations_store_name] = {
            "class_name": "ExpectationsStore",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(data_docs / "suites"),
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
    suite = context.suites.add_or_update(  # a suite kept with Data Docs: this run's replaces it
        gx.ExpectationSuite(name=suite_name, expectations=[expectation(c) for c in checks])
    )
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

    The suite's older validations beyond the last ``DATA_DOCS_RUNS_KEPT`` are removed,
    results and pages alike, and every page is pointed at the site's own copies of its
    scripts and styles. Sources are validated in parallel processes, so the site is
    updated under a lock.
    """
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    site = data_docs.resolve()
    suite = ExpectationSuiteIdentifier(name=suite_name)
    identifier = ValidationResultIdentifier(
        expectation_suite_identifier=suite,
        run_id=outcome.meta["run_id"],
        batch_identifier=outcome.batch_id,
    )
    with (site / ".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _keep_last_runs(context.validation_results_store, suite)
        # Building the index also removes the pages whose results are gone.
        context.build_data_docs(site_names=[_DOCS_SITE], resource_identifiers=[identifier, suite])
        for section in ("results", "validations"):  # emptied, and left, by the removals
            _remove_empty_folders(site / section / Path(*suite_name.split(".")))
        _load_assets_from_site(site)
    (site_url,) = context.get_docs_sites_urls(resource_identifier=identifier, site_name=_DOCS_SITE)
    return Path(urllib.request.url2pathname(urllib.parse.urlparse(site_url["site_url"]).path))


def _keep_last_runs(results: Any, suite: Any) -> None:
    """Remove from the results store all but the suite's last ``DATA_DOCS_RUNS_KEPT``."""
    validations = sorted(
        (key for key in results.list_keys() if key.expectation_suite_identifier == suite),
        key=lambda key: key.run_id.run_time,
    )
    for key in validations[: max(len(validations) - DATA_DOCS_RUNS_KEPT, 0)]:
        results.remove_key(key)


def _remove_empty_folders(root: Path) -> None:
    """Remove the empty folders under ``root``, not ``root`` itself."""
    for folder, _, _ in os.walk(root, topdown=False):
        if folder != str(root) and not any(Path(folder).iterdir()):
            Path(folder).rmdir()


def _load_assets_from_site(site: Path) -> None:
    """Copy the vendored assets into ``site`` and point its pages at them, not at CDNs."""
    shutil.copytree(
        _ASSETS,
        site / "static" / "vendor",
        ignore=shutil.ignore_patterns("README.md"),
        dirs_exist_ok=True,
    )
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        offline = _offline_page(html, Path(os.path.relpath(site / "static", page.parent)))
        if offline != html:
            page.write_text(offline, encoding="utf-8")


def _offline_page(html: str, static: Path) -> str:
    """``html`` loading its scripts, styles and logo from ``static``, the site's folder."""
    local = static.as_posix()

    def local_copies(remote: re.Match[str]) -> str:
        copies = _OFFLINE_ASSETS.get(remote["url"])
        if copies is None:
            return remote[0]
        return "".join(
            f'<script src="{local}/vendor/{copy}"></script>'
            if copy.endswith(".js")
            else f'<link rel="stylesheet" href="{local}/vendor/{copy}">'
            for copy in copies
        )

    html = _REMOTE_ASSET.sub(local_copies, html)
    html = _REMOTE_LOGO.sub(f"{local}/images/logo-long.png", html)
    return _SITE_STATIC.sub(f"{local}/", html)


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
