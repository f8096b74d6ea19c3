"""The hub's stages as plain functions over DataFrames; the Dagster assets call these.

Each function takes what the stage before produced and the hub config, calls the
stage's package, and shapes the result for the next stage and for the warehouse.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

import stewardship
from connectors import row_payloads
from matching import (
    ComparedPairs,
    CustomerLinks,
    MatchSettings,
    comparisons_fingerprint,
    comparisons_for,
    link_records,
    survive,
)
from pipelines.config import HubConfig, Source, SourceSettings
from pipelines.match_state import load_compared, save_compared
from quality import (
    CANONICAL_FIELDS,
    INTERACTION_FIELDS,
    RECORD_ID,
    QualityVerdict,
    SourceQuality,
    attribute_names,
    quality_gate,
    standardize_interactions,
)
from warehouse import (
    LANDED_PREFIX,
    IssuedIds,
    Publication,
    SavedModel,
    TrainedModel,
    assign_golden_ids,
    connect,
    landed_rows,
    latest_model,
    live_row_count,
)


@dataclass(frozen=True)
class CustomerRecords:
    """The clean records of every customer source, and the landed rows quality held back."""

    records: pd.DataFrame
    quarantine: pd.DataFrame
    """Held-back rows: source, source_key, location, rule, detail, payload (the row as read)."""
    rows_landed: dict[str, int]
    """Current landed rows per source, in config order."""
    verdicts: dict[str, QualityVerdict] = field(default_factory=dict)
    """How each source that had rows fared at its quality gate."""
    data_docs: Path | None = None
    """The Data Docs site's index page, when Data Docs are written."""

    def standardized_by_source(self) -> dict[str, int]:
        """Records that passed per source, as each source's gate counted them."""
        return {
            source: self.verdicts[source].rows_passed if source in self.verdicts else 0
            for source in self.rows_landed
        }

    def quarantined_by_source(self) -> dict[str, int]:
        """Quarantined rows per source, each row counted once whatever rules it broke."""
        return {
            source: self.verdicts[source].rows_quarantined if source in self.verdicts else 0
            for source in self.rows_landed
        }


@dataclass(frozen=True)
class GoldenCustomers:
    """Golden customers with their crosswalk and field lineage, in warehouse shape."""

    golden: pd.DataFrame
    xref: pd.DataFrame
    lineage: pd.DataFrame
    redirects: pd.DataFrame
    """Golden ids the run retires by a merge: ``retired_id``, ``golden_id``."""
    split_from: pd.Series
    """Id of the customer each new golden customer split from, indexed by its new id."""


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
    records = [gated[name].records for name in order]
    quarantines = [gated[name].quarantine for name in order]
    return CustomerRecords(
        records=_concat_records(records),
        quarantine=pd.concat(quarantines, ignore_index=True) if quarantines else _no_quarantine(),
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
    """One source's landed rows through its quality gate; the quarantine located.

    A worker process passes no ``engine`` and opens its own for the read.
    """
    reader = engine or connect(url)
    try:
        rows = _with_mapped_columns(landed_rows(reader, name), source)
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
    return dataclasses.replace(result, quarantine=_located(result.quarantine, rows))


@dataclass(frozen=True)
class CustomerInteractions:
    """The standardized interactions of every interaction source, and the rows held back."""

    interactions: pd.DataFrame
    """``source``, ``source_key``, ``customer_source`` and the interaction fields."""
    quarantine: pd.DataFrame
    rows_landed: dict[str, int]


def standardize_interaction_sources(engine: sa.Engine, config: HubConfig) -> CustomerInteractions:
    """Standardize every interaction source's landed rows; the rest goes to quarantine."""
    interactions, quarantines = [], []
    rows_landed = {}
    for name, source in config.interaction_sources.items():
        rows = _with_mapped_columns(landed_rows(engine, name), source)
        rows_landed[name] = len(rows)
        if rows.empty:
            continue
        result = standardize_interactions(
            rows, source=name, primary_key=source.primary_key, mapping=source.mapping
        )
        interactions.append(result.interactions.assign(customer_source=source.customer_source))
        quarantines.append(_located(result.quarantine, rows))
    columns = ["source", "source_key", "customer_source", *INTERACTION_FIELDS]
    return CustomerInteractions(
        interactions=(
            pd.concat(interactions, ignore_index=True)[columns]
            if interactions
            else pd.DataFrame(columns=columns)
        ),
        quarantine=pd.concat(quarantines, ignore_index=True) if quarantines else _no_quarantine(),
        rows_landed=rows_landed,
    )


def _with_mapped_columns(rows: pd.DataFrame, source: Source) -> pd.DataFrame:
    """Landed rows with every mapped column; records that never had a key hold it empty.

    Syncs of sources whose rows all share their columns already refuse a missing column,
    so only sources of JSON records get here without one.
    """
    if rows.empty:
        return rows
    missing = sorted(source.mapping.source_columns() - set(rows.columns))
    return rows.assign(**{column: None for column in missing}) if missing else rows


def _located(held_back: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """Quarantine rows with the location and payload of the landed row they hold back."""
    at = held_back["position"].to_numpy() - 1
    source_columns = [c for c in rows.columns if not c.startswith(LANDED_PREFIX)]
    return held_back.assign(
        location=rows[f"{LANDED_PREFIX}location"].to_numpy()[at],
        payload=row_payloads(rows.iloc[at][source_columns]),
    )[list(_QUARANTINE_COLUMNS)]


_QUARANTINE_COLUMNS = ("source", "source_key", "location", "rule", "detail", "payload")


def _concat_records(records: list[pd.DataFrame]) -> pd.DataFrame:
    """All sources' records in one frame; an attribute a source lacks is missing (None)."""
    if not records:
        return pd.DataFrame(columns=[*CANONICAL_FIELDS, RECORD_ID])
    combined = pd.concat(records, ignore_index=True)
    attributes = attribute_names(combined.columns)
    if attributes:
        values = combined[attributes].astype(object)
        combined[attributes] = values.where(values.notna(), None)
    return combined


def _with_attributes(records: pd.DataFrame) -> pd.DataFrame:
    """Records with their extra attributes gathered in one ``attributes`` mapping."""
    names = attribute_names(records.columns)
    if not names:
        return records
    values = records[names].to_dict("records")
    gathered = [{k: v for k, v in row.items() if v is not None} or None for row in values]
    return records.drop(columns=names).assign(attributes=gathered)


def _no_quarantine() -> pd.DataFrame:
    return pd.DataFrame(columns=list(_QUARANTINE_COLUMNS))


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


def link_customers(
    engine: sa.Engine,
    records: pd.DataFrame,
    settings: MatchSettings,
    match_state: Path | None = None,
) -> LinkedCustomers:
    """Link the records with the scoring model that ``settings.model`` chooses.

    ``retrain`` trains a model on the records. ``latest`` scores with the latest saved
    version that fits the comparisons, and trains a model only when none fits: a version
    saved for other comparisons or levels is never used.

    With a `match_state` file, the run reuses the levels of the pairs the last run kept
    there whose records did not change, compares the rest, and keeps its own pairs there
    for the next run (see `pipelines.match_state`); the result is a full run's.

    Stewards' standing decisions are obeyed as constraints besides the config's own, and,
    with ``learn_from_stewards``, a model trained by the run learns from them as labels.
    """
    steward = stewardship.standing_constraints(engine, settings)
    previous = load_compared(match_state, settings)
    labels = stewardship.training_labels(steward, records) if settings.learn_from_stewards else None
    linked = _linked(engine, records, stewardship.obeying(settings, steward), previous, labels)
    save_compared(match_state, linked.links.compared, settings)
    return dataclasses.replace(linked, obeyed=steward)


def _linked(
    engine: sa.Engine,
    records: pd.DataFrame,
    settings: MatchSettings,
    previous: ComparedPairs | None,
    labels: pd.DataFrame | None,
) -> LinkedCustomers:
    if settings.model == "latest":
        saved = latest_model(engine, comparisons_fingerprint(comparisons_for(settings)))
        if saved is not None:
            return LinkedCustomers(
                link_records(records, settings, model=saved.model, previous=previous), saved
            )
    links = link_records(records, settings, previous=previous, labelled_pairs=labels)
    trained = TrainedModel(
        model=links.model,
        trained_at=dt.datetime.now(dt.UTC),
        records=len(records),
        candidate_pairs=sum(report.new_pairs for report in links.candidate_pairs_by_pass.values()),
    )
    return LinkedCustomers(links, trained)


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
    links = linked.links
    records = customer_records.records
    survived = survive(records, links.clusters, config.trust_ranks, config.survivorship)
    leaving = stewardship.records_leaving(linked.obeyed, issued)
    identity = assign_golden_ids(links.clusters, issued, leaving)
    golden_id_of_cluster = identity.of_cluster
    golden_id = survived.golden["cluster_id"].map(golden_id_of_cluster)
    golden = survived.golden.assign(
        golden_id=golden_id,
        sources=survived.golden["sources"].map(_joined),
        created_at=golden_id.map(identity.created_at),
    )
    by_record = records.set_index(RECORD_ID)
    xref = (
        pd.DataFrame(
            {
                "source": by_record["source"],
                "source_key": by_record["source_key"],
                "golden_id": links.clusters.reindex(by_record.index).map(golden_id_of_cluster),
            }
        )
        .join(_placing_links(links, by_record.index))
        .reset_index(drop=True)
    )
    lineage_records = by_record[["source", "source_key"]]
    lineage = survived.lineage.join(lineage_records, on=RECORD_ID).assign(
        golden_id=survived.lineage["cluster_id"].map(golden_id_of_cluster)
    )[["golden_id", "field", "source", "source_key", "rule"]]
    live = pd.concat([redirected, identity.redirects.set_index("retired_id")["golden_id"]])
    golden, lineage = stewardship.with_overrides(golden, lineage, linked.obeyed.overrides, live)
    return GoldenCustomers(
        golden=golden,
        xref=xref,
        lineage=lineage,
        redirects=identity.redirects,
        split_from=identity.split_from,
    )


def _joined(sources: Any) -> str:
    return sources if isinstance(sources, str) else ",".join(sorted(sources))


def _placing_links(links: CustomerLinks, record_ids: pd.Index) -> pd.DataFrame:
    """For each record, the strongest link that placed it with another record: its
    ``match_probability`` and what decided it (``placed_by``: ``score`` or ``must_link``;
    ``single`` for a customer's only record)."""
    linked = links.pairs[links.pairs["decision"] == "link"]
    columns = ["match_probability", "decided_by"]
    both_ends = pd.concat(
        [
            linked[["record_id_l", *columns]].set_axis([RECORD_ID, *columns], axis=1),
            linked[["record_id_r", *columns]].set_axis([RECORD_ID, *columns], axis=1),
        ]
    )
    strongest = both_ends.sort_values(
        [RECORD_ID, "match_probability"], ascending=[True, False], kind="stable"
    ).drop_duplicates(RECORD_ID)
    placing = strongest.set_index(RECORD_ID).reindex(record_ids)
    return placing.assign(placed_by=placing.pop("decided_by").fillna("single"))


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
    pairs = _with_evidence(links.pairs)
    review = stewardship.review_queue(
        pairs,
        customer_records.records,
        links.clusters,
        review_customer_size=review_customer_size,
        confirmed=linked.obeyed.confirmed,
        xref=golden.xref,
    )
    decisions = links.pairs["decision"].value_counts()
    quarantine = pd.concat(
        [customer_records.quarantine, interactions.quarantine], ignore_index=True
    )
    attached = _with_golden_ids(interactions.interactions, golden.xref)
    summary = {
        "rows_landed": customer_records.rows_landed,
        "standardized": customer_records.standardized_by_source(),
        "quarantined": customer_records.quarantined_by_source(),
        "quality": {
            name: _verdict_summary(verdict) for name, verdict in customer_records.verdicts.items()
        },
        "data_docs": str(customer_records.data_docs) if customer_records.data_docs else None,
        "candidate_pairs": {
            name: {"pairs": report.pairs, "new_pairs": report.new_pairs}
            for name, report in links.candidate_pairs_by_pass.items()
        },
        "pairs_compared": links.compared.compared,
        "links": int(decisions.get("link", 0)),
        "review_pairs": int(decisions.get("review", 0)),
        "review_items": len(review),
        "constraint_records_absent": len(links.absent_constraint_records),
        "golden_customers": len(golden.golden),
        "golden_ids_retired": len(golden.redirects),
        "interactions": {
            "landed": interactions.rows_landed,
            "published": len(attached),
            "without_customer": int(attached["golden_id"].isna().sum()),
        },
    }
    return Publication(
        run_id=run_id,
        started_at=started_at,
        sources=(*customer_records.rows_landed, *interactions.rows_landed),
        records=_with_attributes(customer_records.records),
        quarantine=quarantine,
        golden=golden.golden,
        xref=golden.xref,
        lineage=golden.lineage,
        redirects=golden.redirects,
        split_from=golden.split_from,
        pairs=pairs,
        model=linked.model,
        interactions=attached,
        review=review,
        decisions_obeyed_through=linked.obeyed.through,
        summary=summary,
    )


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


def _with_evidence(pairs: pd.DataFrame) -> pd.DataFrame:
    """Pairs with their per-comparison level and weight gathered into one ``evidence`` dict."""
    comparisons = [c.removesuffix("_level") for c in pairs.columns if c.endswith("_level")]
    evidence = [
        {
            name: {"level": int(level), "weight": float(weight)}
            for name, level, weight in zip(comparisons, levels, weights, strict=True)
        }
        for levels, weights in zip(
            pairs[[f"{c}_level" for c in comparisons]].itertuples(index=False, name=None),
            pairs[[f"{c}_weight" for c in comparisons]].itertuples(index=False, name=None),
            strict=True,
        )
    ]
    return pairs.assign(evidence=evidence)
