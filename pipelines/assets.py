"""Dagster assets, generated from the hub config: one per source, then the shared stages.

No postponed annotations here: Dagster reads the context and input types at definition.
"""

import datetime as dt

import dagster as dg
import pandas as pd

from connectors import read_source
from matching import CustomerLinks, link_records
from pipelines.config import HubConfig, SourceSettings
from pipelines.resources import WarehouseResource
from pipelines.stages import (
    CustomerRecords,
    GoldenCustomers,
    golden_customers,
    publication,
    standardize_sources,
)
from warehouse import publish

SOURCE_PREFIX = "source"


def source_asset(name: str, source: SourceSettings) -> dg.AssetsDefinition:
    """The rows of one source system, as read."""

    @dg.asset(
        name=name,
        key_prefix=[SOURCE_PREFIX],
        group_name="sources",
        description=f"Customer rows of `{name}` ({source.connector.kind}), as read.",
        kinds={source.connector.kind},
    )
    def _source_rows(context: dg.AssetExecutionContext) -> pd.DataFrame:
        rows = read_source(source.connector, name)
        context.add_output_metadata({"rows_read": len(rows), "columns": list(rows.columns)})
        return rows

    return _source_rows


def build_assets(config: HubConfig) -> list[dg.AssetsDefinition]:
    """Every asset of the hub for the sources that ``config`` declares."""
    sources = [source_asset(name, source) for name, source in config.sources.items()]
    source_ins = {name: dg.AssetIn(key=[SOURCE_PREFIX, name]) for name in config.sources}

    @dg.asset(ins=source_ins, group_name="customers")
    def customer_records(
        context: dg.AssetExecutionContext, **raw_by_source: pd.DataFrame
    ) -> CustomerRecords:
        """Every source's rows standardized to the canonical record and validated."""
        result = standardize_sources(raw_by_source, config)
        context.add_output_metadata(
            {
                "standardized": sum(result.standardized_by_source().values()),
                "quarantined": sum(result.quarantined_by_source().values()),
                "checks_passed": result.checks_passed,
            }
        )
        return result

    @dg.asset(group_name="customers")
    def customer_links(
        context: dg.AssetExecutionContext, customer_records: CustomerRecords
    ) -> CustomerLinks:
        """Scored pairs of records of the same person, and the clusters they form."""
        links = link_records(customer_records.records, config.matching)
        decisions = links.pairs["decision"].value_counts()
        context.add_output_metadata(
            {
                "candidate_pairs": sum(r.new_pairs for r in links.candidate_pairs_by_pass.values()),
                "links": int(decisions.get("link", 0)),
                "review_pairs": int(decisions.get("review", 0)),
                "clusters": int(links.clusters.nunique()),
            }
        )
        return links

    @dg.asset(name="golden_customers", group_name="customers")
    def golden_customers_asset(
        context: dg.AssetExecutionContext,
        customer_records: CustomerRecords,
        customer_links: CustomerLinks,
    ) -> GoldenCustomers:
        """One golden record per customer, each field chosen by survivorship."""
        result = golden_customers(customer_records, customer_links, config)
        context.add_output_metadata({"golden_customers": len(result.golden)})
        return result

    @dg.asset(
        ins={
            **source_ins,
            "customer_records": dg.AssetIn(),
            "customer_links": dg.AssetIn(),
            "golden_customers": dg.AssetIn(),
        },
        group_name="warehouse",
        kinds={"sqlalchemy"},
    )
    def customer_warehouse(
        context: dg.AssetExecutionContext,
        warehouse: WarehouseResource,
        customer_records: CustomerRecords,
        customer_links: CustomerLinks,
        golden_customers: GoldenCustomers,
        **raw_by_source: pd.DataFrame,
    ) -> dg.MaterializeResult:
        """The published warehouse: golden customers, crosswalk, landing and quarantine."""
        run = publication(
            run_id=context.run_id,
            started_at=_run_started_at(context),
            raw_by_source=raw_by_source,
            customer_records=customer_records,
            links=customer_links,
            golden=golden_customers,
            config=config,
        )
        landing = publish(warehouse.engine(), run)
        return dg.MaterializeResult(
            metadata={
                "golden_customers": len(run.golden),
                "source_records": len(run.records),
                "quarantined_rows": len(run.quarantine),
                "landed_new": landing.new,
                "landed_changed": landing.changed,
                "landed_unchanged": landing.unchanged,
            }
        )

    return [*sources, customer_records, customer_links, golden_customers_asset, customer_warehouse]


def _run_started_at(context: dg.AssetExecutionContext) -> dt.datetime:
    stats = context.instance.get_run_stats(context.run_id)
    if stats.start_time is None:
        return dt.datetime.now(dt.UTC)
    return dt.datetime.fromtimestamp(stats.start_time, dt.UTC)
