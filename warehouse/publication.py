"""What one hub run publishes, gathered from the stages, with the run's summary."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from matching import CustomerLinks
from quality import CustomerInteractions, CustomerRecords, QualityVerdict, attribute_names
from warehouse.golden import GoldenCustomers
from warehouse.match_models import SavedModel, TrainedModel


@dataclass(frozen=True)
class Publication:
    """Everything one hub run publishes. Frames use the warehouse column names."""

    run_id: str
    started_at: dt.datetime
    sources: tuple[str, ...]
    """Sources whose standardized records and quality quarantine this run replaces."""
    records: pd.DataFrame
    quarantine: pd.DataFrame
    """Rows the quality stage held back: source, source_key, location, rule, detail, payload."""
    golden: pd.DataFrame
    xref: pd.DataFrame
    lineage: pd.DataFrame
    redirects: pd.DataFrame
    """Golden ids the run retires by a merge: ``retired_id``, ``golden_id``."""
    split_from: pd.Series
    """Id of the customer each new golden customer split from, indexed by its new id."""
    pairs: pd.DataFrame
    model: TrainedModel | SavedModel
    """The model that scored the pairs; one this run trained is saved as a new version."""
    interactions: pd.DataFrame
    """Orders, tickets, … with ``golden_id`` of their customer where it is known."""
    field_issues: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Values the quality stage set aside or cleaned, in `LOCATED_ISSUE_COLUMNS`."""
    review: pd.DataFrame = field(default_factory=pd.DataFrame)
    """The steward review queue, in the columns of `schema.review_item`."""
    decisions_obeyed_through: int = 0
    """The newest steward decision the run obeyed; those up to it are noted as applied."""
    summary: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of_run(
        cls,
        *,
        run_id: str,
        started_at: dt.datetime,
        customer_records: CustomerRecords,
        interactions: CustomerInteractions,
        links: CustomerLinks,
        pairs: pd.DataFrame,
        model: TrainedModel | SavedModel,
        golden: GoldenCustomers,
        review: pd.DataFrame,
        decisions_obeyed_through: int,
        model_choice: str = "",
        matching_settings: str = "",
        reevaluated: str = "",
    ) -> Publication:
        """Everything a run publishes, gathered from its stages, with its summary (what
        `hub run` reports).

        Args:
            run_id: The run.
            started_at: When it started.
            customer_records: The quality stage's records and quarantine.
            interactions: The interactions and the rows held back.
            links: How matching linked the records.
            pairs: The links' pairs with their evidence (`CustomerLinks.pairs_with_evidence`).
            model: The model that scored them: saved earlier, or trained by this run.
            golden: The golden customers.
            review: The stewards' review queue.
            decisions_obeyed_through: The newest steward decision the run obeyed.
            model_choice: Why the run trained its model or kept the saved one.
            matching_settings: Digest of the matching settings; the next run compares it.
            reevaluated: Why every customer was clustered anew, where the run could
                have kept those no change touched.
        """
        decisions = links.pairs["decision"].value_counts()
        quarantine = pd.concat(
            [customer_records.quarantine, interactions.quarantine], ignore_index=True
        )
        field_issues = pd.concat([customer_records.issues, interactions.issues], ignore_index=True)
        attached = _with_golden_ids(interactions.interactions, golden.xref)
        summary = {
            "rows_landed": customer_records.rows_landed,
            "standardized": customer_records.standardized_by_source(),
            "quarantined": customer_records.quarantined_by_source(),
            "set_aside": customer_records.set_aside_by_source(),
            "cleaned": customer_records.cleaned_by_source(),
            "field_issues": _field_issue_counts(field_issues),
            "quality": {
                name: _verdict_summary(verdict)
                for name, verdict in customer_records.verdicts.items()
            },
            "data_docs": str(customer_records.data_docs) if customer_records.data_docs else None,
            "candidate_pairs": {
                name: {
                    "pairs": report.pairs,
                    "new_pairs": report.new_pairs,
                    "estimated_pairs": report.estimated_pairs,
                    "over_budget": report.over_budget,
                    "links": report.links,
                    "links_alone": report.links_alone,
                }
                for name, report in links.candidate_pairs_by_pass.items()
            },
            "blocking": links.blocking_estimate.as_dict() if links.blocking_estimate else None,
            "attribute_comparisons": links.attribute_comparisons,
            "pairs_compared": links.compared.compared,
            "conflicts": {
                "attributes": list(links.conflicting_attributes),
                "households": links.households.describe() if links.households else None,
            },
            "links": int(decisions.get("link", 0)),
            "review_pairs": int(decisions.get("review", 0)),
            "review_items": len(review),
            "model_choice": model_choice,
            "model_drift": links.model_drift.as_dict() if links.model_drift else None,
            "constraint_records_absent": len(links.absent_constraint_records),
            "golden_customers": len(golden.golden),
            "customers_kept": links.customers_kept,
            "customers_reevaluated": reevaluated,
            "matching_settings": matching_settings,
            "golden_ids_retired": len(golden.redirects),
            "interactions": {
                "landed": interactions.rows_landed,
                "published": len(attached),
                "without_customer": int(attached["golden_id"].isna().sum()),
            },
        }
        return cls(
            run_id=run_id,
            started_at=started_at,
            sources=(*customer_records.rows_landed, *interactions.rows_landed),
            records=_with_attributes(customer_records.records),
            quarantine=quarantine,
            field_issues=field_issues,
            golden=golden.golden,
            xref=golden.xref,
            lineage=golden.lineage,
            redirects=golden.redirects,
            split_from=golden.split_from,
            pairs=pairs,
            model=model,
            interactions=attached,
            review=review,
            decisions_obeyed_through=decisions_obeyed_through,
            summary=summary,
        )


def _field_issue_counts(issues: pd.DataFrame) -> list[dict[str, Any]]:
    """Values set aside or cleaned per source and rule, most first within a source."""
    counts = issues.groupby(["source", "rule"], sort=False).size().rename("n").reset_index()
    counts = counts.sort_values(["source", "n"], ascending=[True, False], kind="stable")
    return [
        {"source": str(source), "rule": str(rule), "values": int(n)}
        for source, rule, n in counts[["source", "rule", "n"]].itertuples(index=False)
    ]


def _verdict_summary(verdict: QualityVerdict) -> dict[str, Any]:
    """A source's quality verdict for the run summary: what failed, and where to read more."""
    return {
        "failed": [
            {"rule": summary.rule, "blocking": summary.blocking, "text": summary.describe()}
            for summary in verdict.failures
        ],
        "data_docs": str(verdict.data_docs) if verdict.data_docs else None,
    }


def _with_golden_ids(interactions: pd.DataFrame, xref: pd.DataFrame) -> pd.DataFrame:
    """Interactions with the golden id of their customer (``None`` while it has none)."""
    customers = xref[["source", "source_key", "golden_id"]].rename(
        columns={"source": "customer_source", "source_key": "customer_key"}
    )
    return interactions.merge(
        customers, on=["customer_source", "customer_key"], how="left", validate="many_to_one"
    )


def _with_attributes(records: pd.DataFrame) -> pd.DataFrame:
    """Records with their extra attributes gathered in one ``attributes`` mapping."""
    names = attribute_names(records.columns)
    if not names:
        return records
    values = records[names].to_dict("records")
    # Typed as objects: pandas-stubs allow only scalars in a column's values, not dicts.
    gathered: list[Any] = [
        {k: v for k, v in row.items() if v is not None} or None for row in values
    ]
    return records.drop(columns=names).assign(attributes=gathered)
