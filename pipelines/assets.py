"""Dagster assets, generated from the hub config: one sync per source, then the shared stages.

No postponed annotations here: Dagster reads the context and input types at definition.
"""

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NoReturn

import dagster as dg
import sqlalchemy as sa

from errors import TransientError
from pipelines.config import HubConfig, Source
from pipelines.resources import WarehouseResource
from pipelines.stages import (
    LinkedCustomers,
    golden_customers,
    held_deletions,
    link_customers,
    publication,
    standardize_interaction_sources,
    standardize_sources,
    sync_source,
)
from quality import CustomerInteractions, CustomerRecords, QualityVerdict
from warehouse import (
    GoldenCustomers,
    SavedModel,
    issued_ids,
    publish,
    redirected_ids,
    warehouse_lock,
)

SOURCE_PREFIX = "source"
_log = logging.getLogger(__name__)


class LinkingRun(dg.Config):
    """What a run of `customer_links` may be asked to do beyond the hub's config."""

    reevaluate_customers: bool = False
    """Cluster every customer anew, also those that no new or changed record touches,
    which a run otherwise keeps as they are (`hub run --full` asks for it)."""


@dataclass(frozen=True)
class StepPolicy:
    """How a step that writes the warehouse waits for its lock and is retried."""

    max_retries: int
    retry_delay_seconds: int
    lock_wait_seconds: int


@contextmanager
def warehouse_step(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, policy: StepPolicy
) -> Iterator[sa.Engine]:
    """The warehouse's engine, with its lock held for this run (one run at a time writes
    it; a step of `run_hub` runs under the lock its run holds already).

    Have Dagster retry the step when it fails with a transient hub error (a source or the
    warehouse out of reach, another run holding the lock), waiting twice as long each
    time; anything else needs a person first, and fails the step at once."""
    try:
        engine = warehouse.engine()
        with warehouse_lock(engine, context.run.run_id, wait_seconds=policy.lock_wait_seconds):
            yield engine
    except TransientError as exc:
        _retry_or_fail(context, policy, exc, str(exc))
    except sa.exc.DBAPIError as exc:
        if not exc.connection_invalidated:  # not a connection lost mid-step
            raise
        _retry_or_fail(context, policy, exc, f"lost the warehouse's connection: {exc.orig}")


def _retry_or_fail(
    context: dg.AssetExecutionContext, policy: StepPolicy, exc: Exception, reason: str
) -> NoReturn:
    """Ask Dagster to try the step again later, saying so where the user looks (Dagster's
    log, the terminal of `hub run`); fail it with ``exc`` once no retry is left."""
    if context.retry_number >= policy.max_retries:
        raise exc
    wait = policy.retry_delay_seconds * 2**context.retry_number
    message = (
        f"step {context.op_handle}: {reason.splitlines()[0]}; trying again in {wait} s "
        f"(retry {context.retry_number + 1} of {policy.max_retries})"
    )
    context.log.warning(message)
    _log.warning(message)
    raise dg.RetryRequested(max_retries=policy.max_retries, seconds_to_wait=wait) from exc


def source_key(name: str) -> dg.AssetKey:
    """The asset key of a source's landed rows."""
    return dg.AssetKey([SOURCE_PREFIX, name])


def source_asset(name: str, source: Source, lock_wait_seconds: int) -> dg.AssetsDefinition:
    """The landed rows of one source system, kept in sync with it."""

    @dg.asset(
        key=source_key(name),
        group_name="sources",
        description=f"Rows of `{name}` ({source.connector.kind}) landed in the warehouse.",
        kinds={source.connector.kind},
    )
    def _landed_rows(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource
    ) -> dg.MaterializeResult[Any]:
        policy = StepPolicy(
            source.sync.max_retries, source.sync.retry_delay_seconds, lock_wait_seconds
        )
        with warehouse_step(context, warehouse, policy) as engine:
            figures = sync_source(engine, name, source)
        if figures.deletions_held:
            context.log.warning(held_deletions(name, figures.deletions_held))
        return dg.MaterializeResult(
            metadata={
                "read": figures.rows_read,
                "new": figures.new,
                "changed": figures.changed,
                "unchanged": figures.unchanged,
                "deleted": figures.deleted,
                "deletions_held": figures.deletions_held,
                "quarantined": figures.quarantined,
                "new_columns": figures.new_columns,
                "cursor": figures.cursor_after or "",
            }
        )

    return _landed_rows


def build_assets(config: HubConfig) -> list[dg.AssetsDefinition]:
    """Every asset of the hub for the sources that ``config`` declares."""
    lock_wait = config.warehouse.lock_wait_seconds
    sources = [source_asset(name, source, lock_wait) for name, source in config.sources.items()]
    policy = StepPolicy(
        config.warehouse.max_retries, config.warehouse.retry_delay_seconds, lock_wait
    )

    @dg.asset(
        deps=[source_key(name) for name in config.customer_sources],
        group_name="customers",
        automation_condition=dg.AutomationCondition.eager(),
        check_specs=[
            dg.AssetCheckSpec(
                quality_check_name(name),
                asset="customer_records",
                blocking=True,
                description=f"The expectation suite of `{name}`; a broken blocking "
                "expectation stops publishing.",
            )
            for name in config.customer_sources
        ],
    )
    def customer_records(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource
    ) -> Iterator[dg.Output[CustomerRecords] | dg.AssetCheckResult]:
        """Every source's landed rows standardized to the canonical record and validated."""
        with warehouse_step(context, warehouse, policy) as engine:
            result = standardize_sources(engine, config, run_name=context.run.run_id)
        yield dg.Output(
            result,
            metadata={
                "standardized": sum(result.standardized_by_source().values()),
                "quarantined": sum(result.quarantined_by_source().values()),
            },
        )
        for name in config.customer_sources:
            yield quality_check_result(name, result.verdicts.get(name))

    @dg.asset(
        deps=[source_key(name) for name in config.interaction_sources],
        group_name="customers",
        automation_condition=dg.AutomationCondition.eager(),
    )
    def customer_interactions(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource
    ) -> CustomerInteractions:
        """Orders, tickets, complaints and surveys of every interaction source, standardized."""
        with warehouse_step(context, warehouse, policy) as engine:
            result = standardize_interaction_sources(engine, config)
        context.add_output_metadata(
            {
                "interactions": len(result.interactions),
                "quarantined": len(result.quarantine),
            }
        )
        return result

    # The asset below takes its run config as `config`, as Dagster names it: the hub's
    # settings it needs are read here.
    matching, match_state = config.matching, config.match_state

    @dg.asset(group_name="customers", automation_condition=dg.AutomationCondition.eager())
    def customer_links(
        context: dg.AssetExecutionContext,
        warehouse: WarehouseResource,
        customer_records: CustomerRecords,
        config: LinkingRun,
    ) -> LinkedCustomers:
        """Scored pairs of records of the same person, the clusters they form, and the model.

        Customers that no new or changed record touches keep their records, unless the
        run asks to re-evaluate every customer."""
        with warehouse_step(context, warehouse, policy) as engine:
            linked = link_customers(
                engine,
                customer_records.records,
                matching,
                match_state,
                run_id=context.run.run_id,
                reevaluate=config.reevaluate_customers,
            )
        links = linked.links
        decisions = links.pairs["decision"].value_counts()
        model = linked.model
        context.add_output_metadata(
            {
                "candidate_pairs": sum(r.new_pairs for r in links.candidate_pairs_by_pass.values()),
                "pairs_compared": links.compared.compared,
                "links": int(decisions.get("link", 0)),
                "review_pairs": int(decisions.get("review", 0)),
                "clusters": int(links.clusters.nunique()),
                "model": (
                    f"saved version {model.version}"
                    if isinstance(model, SavedModel)
                    else "trained by this run"
                )
                + (f": {linked.model_choice}" if linked.model_choice else ""),
            }
        )
        return linked

    @dg.asset(
        name="golden_customers",
        group_name="customers",
        automation_condition=dg.AutomationCondition.eager(),
    )
    def golden_customers_asset(
        context: dg.AssetExecutionContext,
        warehouse: WarehouseResource,
        customer_records: CustomerRecords,
        customer_links: LinkedCustomers,
    ) -> GoldenCustomers:
        """One golden record per customer, each field chosen by survivorship, each keeping
        the golden id its records had in the warehouse."""
        with warehouse_step(context, warehouse, policy) as engine:
            issued, redirected = issued_ids(engine), redirected_ids(engine)
        result = golden_customers(customer_records, customer_links, config, issued, redirected)
        context.add_output_metadata(
            {"golden_customers": len(result.golden), "golden_ids_retired": len(result.redirects)}
        )
        return result

    @dg.asset(
        group_name="warehouse",
        kinds={"sqlalchemy"},
        automation_condition=dg.AutomationCondition.eager(),
    )
    def customer_warehouse(
        context: dg.AssetExecutionContext,
        warehouse: WarehouseResource,
        customer_records: CustomerRecords,
        customer_interactions: CustomerInteractions,
        customer_links: LinkedCustomers,
        golden_customers: GoldenCustomers,
    ) -> dg.MaterializeResult[Any]:
        """The published warehouse: golden customers, crosswalk, records, quarantine, model."""
        run = publication(
            run_id=context.run.run_id,
            started_at=_run_started_at(context),
            customer_records=customer_records,
            interactions=customer_interactions,
            linked=customer_links,
            golden=golden_customers,
            review_customer_size=config.matching.review_customer_size,
        )
        with warehouse_step(context, warehouse, policy) as engine:
            model_version = publish(engine, run)
        return dg.MaterializeResult(
            metadata={
                "model_version": model_version,
                "golden_customers": len(run.golden),
                "source_records": len(run.records),
                "quarantined_rows": len(run.quarantine),
                "interactions": len(run.interactions),
            }
        )

    return [
        *sources,
        customer_records,
        customer_interactions,
        customer_links,
        golden_customers_asset,
        customer_warehouse,
    ]


def quality_check_name(source: str) -> str:
    """The Dagster asset check that shows a source's expectation suite."""
    return f"{source}_quality"


def quality_check_result(source: str, verdict: QualityVerdict | None) -> dg.AssetCheckResult:
    """The outcome of a source's suite as a Dagster check: ERROR if a blocking part broke."""
    check_name = quality_check_name(source)
    if verdict is None:
        return dg.AssetCheckResult(
            check_name=check_name, passed=True, metadata={"rows": 0, "note": "no rows landed"}
        )
    metadata: dict[str, Any] = {
        "rows": verdict.rows_read,
        "passed": verdict.rows_passed,
        "quarantined": verdict.rows_quarantined,
        "failed": "\n".join(summary.describe() for summary in verdict.failures) or "none",
        "expectations": dg.MetadataValue.md(_expectation_table(verdict)),
    }
    if verdict.data_docs is not None:
        metadata["data_docs"] = dg.MetadataValue.path(str(verdict.data_docs))
    return dg.AssetCheckResult(
        check_name=check_name,
        passed=not verdict.failures,
        severity=(
            dg.AssetCheckSeverity.ERROR if verdict.blocking_failures else dg.AssetCheckSeverity.WARN
        ),
        metadata=metadata,
    )


def _expectation_table(verdict: QualityVerdict) -> str:
    lines = [
        "| rule | column | result | unexpected | must pass | blocking | sample |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in verdict.expectations:
        sample = ", ".join(f"`{value}`" for value in s.sample)
        lines.append(
            f"| {s.rule} | {s.column or ''} | {'passed' if s.success else '**failed**'} "
            f"| {s.unexpected_count:,} ({s.unexpected_share:.1%}) | {s.mostly:.0%} "
            f"| {'yes' if s.blocking else 'no'} | {sample} |"
        )
    return "\n".join(lines)


def _run_started_at(context: dg.AssetExecutionContext) -> dt.datetime:
    stats = context.instance.get_run_stats(context.run.run_id)
    if stats.start_time is None:
        return dt.datetime.now(dt.UTC)
    return dt.datetime.fromtimestamp(stats.start_time, dt.UTC)
