"""The hub's stages, each composed from the packages' public functions; the Dagster assets
call these, and so can a script that wants one stage without Dagster.

A stage reads what the stage before produced (or the warehouse), calls the packages in
order, and hands on a value for the next stage. The rules themselves (what a quarantined
row carries, how golden ids last, what a steward's decision means, what a run publishes)
live in the packages.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import multiprocessing
import os
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import pandas as pd
import sqlalchemy as sa

import stewardship
import warehouse
from connectors import (
    BATCH_ROWS,
    SourceNotFound,
    check_mapped_columns,
    content_digest,
    keyed_rows,
    read_batches,
)
from matching import (
    ComparedPairs,
    CustomerLinks,
    MatchSettings,
    comparisons_fingerprint,
    comparisons_for,
    link_records,
    load_compared,
    save_compared,
    survive,
    with_mapped_attributes,
)
from pipelines.code_fingerprint import code_fingerprint
from pipelines.config import HubConfig, Source, SourceSettings
from quality import (
    INTERACTION_FIELDS,
    CustomerInteractions,
    CustomerRecords,
    SourceQuality,
    combined_records,
    quality_gate,
    standardize_interactions,
)
from warehouse import (
    HELD_BACK_COLUMNS,
    LOCATED_ISSUE_COLUMNS,
    GoldenCustomers,
    IssuedIds,
    Landing,
    Publication,
    SavedModel,
    SyncFigures,
    TrainedModel,
    assign_golden_ids,
    connect,
    held_back,
    landed_rows,
    last_run_id,
    latest_model,
    live_row_count,
    located_issues,
    note_unchanged_files,
    run_summary,
    source_state,
)

#: Called after each batch of a sync with the figures so far, e.g. to move a progress bar.
Progress = Callable[[SyncFigures], None]


def sync_source(
    engine: sa.Engine,
    name: str,
    source: Source,
    *,
    full_refresh: bool = False,
    sync_id: str | None = None,
    progress: Progress | None = None,
    batch_rows: int = BATCH_ROWS,
) -> SyncFigures:
    """Read ``name`` (incrementally unless asked otherwise) and land it, in one transaction.

    The cursor moves only when the rows read are committed with it, so a sync that
    fails re-reads the same rows next time rather than skipping them.

    Raises:
        SourceSchemaError: a mapped column is not in a source whose rows all have the
            same columns (nothing is landed).
        SourceNotFound: the source cannot be found, or a full refresh found it empty
            where rows were landed before (nothing is marked deleted).
        SourceUnavailable, SourceRefused: the source cannot be read.
    """
    state = source_state(engine, name)
    full = full_refresh or source.sync.mode == "full_refresh"
    started_at = dt.datetime.now(dt.UTC)
    # A full refresh the config asks for finds files as the last one read them by their
    # digest, and need not read them again; one asked for by hand reads everything.
    mapped = [source.primary_key, *sorted(source.mapping.source_columns())]
    digest = _content_digest(name, source) if full else None
    if digest is not None and digest == state.content_digest and not full_refresh:
        if source.connector.has_fixed_columns:
            check_mapped_columns(name, mapped, state.columns)
        return note_unchanged_files(
            engine, name, sync_id or str(uuid.uuid4()), started_at=started_at, cursor=state.cursor
        )
    live_rows = live_row_count(engine, name) if full else 0
    columns: list[str] = []
    seen_keys: set[str] = set()
    cursor = None
    with engine.begin() as connection:
        landing = Landing(
            connection,
            name,
            sync_id or str(uuid.uuid4()),
            full_refresh=full,
            max_delete_share=source.sync.max_delete_share,
        )
        landing.figures.cursor_before = state.cursor
        since = None if full else state.cursor
        for batch in read_batches(source.connector, name, since=since, batch_rows=batch_rows):
            columns += [c for c in batch.rows.columns if c not in columns]
            landed, held = keyed_rows(batch, source.primary_key, seen_keys)
            landing.land(landed)
            landing.quarantine(held)
            landing.figures.rows_read += len(batch.rows) + len(batch.rejected)
            cursor = batch.cursor  # the last batch's mark covers the whole read
            if progress is not None:
                progress(landing.figures)
        if landing.figures.rows_read and source.connector.has_fixed_columns:
            check_mapped_columns(name, mapped, columns)
        if (
            full
            and not landing.figures.rows_read
            and live_rows
            and source.sync.max_delete_share < 1
        ):
            raise SourceNotFound(
                f"source `{name}`: a full refresh read no rows, but {live_rows:,} rows were "
                "landed before; nothing is marked deleted. Check its location in the config; "
                "if the source really is empty now, sync again with --allow-deletes"
            )
        if state.columns:
            landing.figures.new_columns = [c for c in columns if c not in state.columns]
        known = [*state.columns, *(c for c in columns if c not in state.columns)]
        # Files rewritten while they were read were not landed as either digest says.
        read_as = digest if digest is not None and digest == _content_digest(name, source) else None
        landing.finish(started_at=started_at, cursor=cursor, columns=known, content_digest=read_as)
    return landing.figures


def _content_digest(name: str, source: Source) -> str | None:
    """The digest of a file source's files as this hub reads them (see
    `connectors.content_digest`); ``None`` for other sources."""
    return content_digest(source.connector, name, source.primary_key, code_fingerprint())


def held_deletions(name: str, held: int) -> str:
    """What to say of the deletions a full refresh of ``name`` held back."""
    return (
        f"{name}: {held:,} rows gone from the source are not marked deleted, more than its "
        "`sync.max_delete_share` allows; they stay published. If they really are gone, "
        "sync again with --allow-deletes"
    )


#: Landed rows from which the quality stage spreads sources over the machine's cores.
PARALLEL_ROWS = 200_000


def standardize_sources(
    engine: sa.Engine, config: HubConfig, *, run_name: str | None = None
) -> CustomerRecords:
    """Put every source's landed rows through its quality gate; the rest goes to quarantine.

    Sources are independent, so with many rows they are gated in parallel processes,
    one per core, each reading its own rows from the warehouse.

    Args:
        engine: The warehouse holding the landed rows.
        config: The hub config (sources, their suites, the Data Docs folder).
        run_name: The hub run, as the Data Docs list it.
    """
    landed = {name: live_row_count(engine, name) for name in config.customer_sources}
    url = engine.url.render_as_string(hide_password=False)
    jobs = [
        (url, name, source, config.data_docs, run_name)
        for name, source in sorted(
            config.customer_sources.items(), key=lambda item: -landed[item[0]]
        )
        if landed[name]
    ]
    workers = min(len(jobs), os.cpu_count() or 1)
    in_memory = engine.url.database in (None, "", ":memory:")
    if workers > 1 and sum(landed.values()) >= PARALLEL_ROWS and not in_memory:
        spawn = multiprocessing.get_context("spawn")  # no forking of Dagster's threads
        with ProcessPoolExecutor(workers, mp_context=spawn) as pool:
            futures = {job[1]: pool.submit(_gate, *job) for job in jobs}
            gated = {name: future.result() for name, future in futures.items()}
    else:
        gated = {job[1]: _gate(*job, engine=engine) for job in jobs}
    order = [name for name in config.customer_sources if name in gated]
    quarantines = [gated[name].quarantine for name in order]
    issues = [gated[name].issues for name in order]
    return CustomerRecords(
        records=combined_records([gated[name].records for name in order]),
        quarantine=pd.concat(quarantines, ignore_index=True) if quarantines else _no_rows(),
        issues=pd.concat(issues, ignore_index=True) if issues else _no_issues(),
        rows_landed={
            name: gated[name].verdict.rows_read if name in gated else 0 for name in landed
        },
        verdicts={name: gated[name].verdict for name in order},
        data_docs=None if config.data_docs is None else config.data_docs / "index.html",
    )


def _gate(
    url: str,
    name: str,
    source: SourceSettings,
    data_docs: Path | None,
    run_name: str | None,
    *,
    engine: sa.Engine | None = None,
) -> SourceQuality:
    """One source's landed rows through its quality gate; the quarantine and the field
    issues located.

    A worker process passes no ``engine`` and opens its own for the read.
    """
    reader = engine or connect(url)
    try:
        rows = landed_rows(reader, name, source.mapping.source_columns())
    finally:
        if engine is None:
            reader.dispose()
    result = quality_gate(
        rows,
        source=name,
        primary_key=source.primary_key,
        mapping=source.mapping,
        checks=source.quality.checks(),
        data_docs=data_docs,
        run_name=run_name,
    )
    return dataclasses.replace(
        result,
        quarantine=held_back(result.quarantine, rows),
        issues=located_issues(result.issues, rows),
    )


def standardize_interaction_sources(engine: sa.Engine, config: HubConfig) -> CustomerInteractions:
    """Standardize every interaction source's landed rows; the rest goes to quarantine."""
    interactions, quarantines, issues = [], [], []
    rows_landed = {}
    for name, source in config.interaction_sources.items():
        rows = landed_rows(engine, name, source.mapping.source_columns())
        rows_landed[name] = len(rows)
        if rows.empty:
            continue
        result = standardize_interactions(
            rows, source=name, primary_key=source.primary_key, mapping=source.mapping
        )
        interactions.append(result.interactions.assign(customer_source=source.customer_source))
        quarantines.append(held_back(result.quarantine, rows))
        issues.append(located_issues(result.issues, rows))
    columns = ["source", "source_key", "customer_source", *INTERACTION_FIELDS]
    return CustomerInteractions(
        interactions=(
            pd.concat(interactions, ignore_index=True)[columns]
            if interactions
            else pd.DataFrame(columns=columns)
        ),
        quarantine=pd.concat(quarantines, ignore_index=True) if quarantines else _no_rows(),
        issues=pd.concat(issues, ignore_index=True) if issues else _no_issues(),
        rows_landed=rows_landed,
    )


def _no_rows() -> pd.DataFrame:
    """An empty quarantine, in the warehouse's shape."""
    return pd.DataFrame(columns=list(HELD_BACK_COLUMNS))


def _no_issues() -> pd.DataFrame:
    """No field issues, in the warehouse's shape."""
    return pd.DataFrame(columns=list(LOCATED_ISSUE_COLUMNS))


@dataclass(frozen=True)
class LinkedCustomers:
    """The records linked into customers, and the model that scored the pairs."""

    links: CustomerLinks
    model: TrainedModel | SavedModel
    """A saved version, or a model this run trained, which publishing saves."""
    obeyed: stewardship.StewardConstraints = field(
        default_factory=lambda: stewardship.steward_constraints(())
    )
    """What the stewards' standing decisions made the run obey."""
    model_choice: str = ""
    """Why the run trained its model or kept the saved one, where it had a choice."""
    matching_settings: str = ""
    """Digest of the matching settings the run linked with."""
    reevaluated: str = ""
    """Why the run clustered every customer anew rather than keeping those no change
    touched, where it could have kept them."""


def link_customers(
    engine: sa.Engine,
    records: pd.DataFrame,
    settings: MatchSettings,
    match_state: Path | None = None,
    *,
    run_id: str = "",
    reevaluate: bool = False,
) -> LinkedCustomers:
    """Link the records with the scoring model that ``settings.model`` chooses.

    ``auto`` scores with the latest saved version that fits the comparisons unless the
    records drifted from its training data past the settings' limits (or it was saved
    without a profile of them); ``latest`` scores with it however far they drifted;
    ``retrain`` trains a model on every run. A model is trained whenever no saved version
    fits: a version saved for other comparisons or levels is never used.

    With a `match_state` file, run `run_id` reuses the levels of the pairs that the run
    which published the warehouse kept there, where their records did not change, compares
    the rest, and keeps its own pairs there for the next run (see `matching.match_state`);
    the levels are those a full run computes.

    Stewards' standing decisions are obeyed as constraints besides the config's own, and,
    with ``learn_from_stewards``, a model trained by the run learns from them as labels.

    Customers that no new or changed record touches keep their records as published
    (see `matching.untouched`; it needs the `match_state` file to tell what changed),
    unless `reevaluate` asks for every customer to be clustered anew, or the matching
    settings changed since the last run published.
    """
    settings = with_mapped_attributes(settings, records)
    digest = _settings_digest(settings)
    last_run = last_run_id(engine)
    previous = load_compared(match_state, settings, published_by=last_run)
    why = _reevaluation(engine, last_run, digest, asked=reevaluate, kept_pairs=previous is not None)
    steward = stewardship.standing_constraints(engine, settings)
    labels = stewardship.training_labels(steward, records) if settings.learn_from_stewards else None
    placed = None if why else _unless_decided(warehouse.placed_records(engine), steward)
    linked = _linked(
        engine, records, stewardship.obeying(settings, steward), previous, labels, placed
    )
    save_compared(match_state, linked.links.compared, settings, run_id=run_id)
    return dataclasses.replace(linked, obeyed=steward, matching_settings=digest, reevaluated=why)


def _unless_decided(placed: pd.Series, steward: stewardship.StewardConstraints) -> pd.Series:
    """The published customers of each record, but for the customers of records that
    stewards' decisions name, made or undone: those a run clusters anew."""
    decided = placed[placed.index.isin(steward.named)].unique()
    return placed[~placed.isin(decided)]


def _reevaluation(
    engine: sa.Engine, last_run: str | None, digest: str, *, asked: bool, kept_pairs: bool
) -> str:
    """Why every customer the last run published is to be clustered anew; empty if not."""
    if last_run is None:
        return ""
    if asked:
        return "asked for"
    kept_digest = run_summary(engine, last_run).get("matching_settings")
    if kept_digest is None:
        return "the last run kept no digest of its matching settings (an earlier release)"
    if kept_digest != digest:
        return "the matching settings changed since the last run"
    if not kept_pairs:
        return "no compared pairs were kept from the last run to tell what changed"
    return ""


#: Matching settings that decide no customer: how a model is trained (a model trained
#: anew keeps customers as they are, by design), how fast pairs are compared, what goes
#: to review.
_NOT_DECIDING: Final = frozenset(
    {
        "model",
        "retrain_when_records_change",
        "retrain_when_levels_shift",
        "learn_from_stewards",
        "em_iterations",
        "em_tolerance",
        "u_sample_pairs",
        "random_seed",
        "comparison_chunk_pairs",
        "review_customer_size",
    }
)


def _settings_digest(settings: MatchSettings) -> str:
    """Identifies the matching settings that decide which records are one customer, as
    the config gives them (stewards' decisions aside)."""
    dumped = json.dumps(
        settings.model_dump(mode="json", exclude=set(_NOT_DECIDING)), sort_keys=True
    )
    return hashlib.sha256(dumped.encode()).hexdigest()


def _linked(
    engine: sa.Engine,
    records: pd.DataFrame,
    settings: MatchSettings,
    previous: ComparedPairs | None,
    labels: pd.DataFrame | None,
    placed: pd.Series | None,
) -> LinkedCustomers:
    saved = None
    if settings.model != "retrain":
        saved = latest_model(engine, comparisons_fingerprint(comparisons_for(settings)))
    if saved is not None and settings.model == "latest":
        links = link_records(
            records, settings, model=saved.model, previous=previous, last_customers=placed
        )
        return LinkedCustomers(links, saved)
    if saved is not None and saved.trained_on is not None:
        links = link_records(
            records,
            settings,
            model=saved.model,
            previous=previous,
            labelled_pairs=labels,
            trained_on=saved.trained_on,
            last_customers=placed,
        )
        drift = links.model_drift.describe() if links.model_drift else ""
        if links.model is saved.model:
            kept = f"the data stayed within its drift limits: {drift}"
            return LinkedCustomers(links, saved, model_choice=kept)
        why = f"the data drifted from version {saved.version}: {drift}"
    else:
        links = link_records(
            records, settings, previous=previous, labelled_pairs=labels, last_customers=placed
        )
        why = (
            ""
            if saved is None and settings.model == "retrain"
            else "no version saved so far fits the comparisons"
            if saved is None
            else f"version {saved.version} was saved without a profile of its training data"
        )
    return LinkedCustomers(links, TrainedModel.of_run(links, len(records)), model_choice=why)


def golden_customers(
    customer_records: CustomerRecords,
    linked: LinkedCustomers,
    config: HubConfig,
    issued: IssuedIds,
    redirected: pd.Series,
) -> GoldenCustomers:
    """Golden customers from the clusters, each field chosen by survivorship, or set by a
    steward's override.

    Each keeps the golden id its records had (`issued`, read from the warehouse), as
    `warehouse.identity` lays down. An override follows its customer through merges
    (`redirected`: the live id of each id retired before this run).
    """
    records, links = customer_records.records, linked.links
    survived = survive(records, links.clusters, config.trust_ranks, config.survivorship)
    leaving = stewardship.records_leaving(linked.obeyed, issued)
    identity = assign_golden_ids(links.clusters, issued, leaving)
    customers = warehouse.golden_customers(records, links, survived, identity)
    return stewardship.with_overrides(customers, linked.obeyed.overrides, redirected)


def publication(
    *,
    run_id: str,
    started_at: dt.datetime,
    customer_records: CustomerRecords,
    interactions: CustomerInteractions,
    linked: LinkedCustomers,
    golden: GoldenCustomers,
    review_customer_size: int,
) -> Publication:
    """Everything the run publishes, with its summary and the stewards' review queue."""
    links = linked.links
    pairs = links.pairs_with_evidence()
    review = stewardship.review_queue(
        pairs,
        customer_records.records,
        links.clusters,
        review_customer_size=review_customer_size,
        confirmed=linked.obeyed.confirmed,
        xref=golden.xref,
    )
    return Publication.of_run(
        run_id=run_id,
        started_at=started_at,
        customer_records=customer_records,
        interactions=interactions,
        links=links,
        pairs=pairs,
        model=linked.model,
        golden=golden,
        review=review,
        decisions_obeyed_through=linked.obeyed.through,
        model_choice=linked.model_choice,
        matching_settings=linked.matching_settings,
        reevaluated=linked.reevaluated,
    )
