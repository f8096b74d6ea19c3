"""What `hub run` and `hub sync` print, read back from what they wrote to the warehouse."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy.engine import make_url

from pipelines.assets import SOURCE_PREFIX
from pipelines.runner import HubRun
from pipelines.stages import held_deletions
from warehouse import connect, quarantine_counts, run_summary, syncs_since


def render_syncs(syncs: pd.DataFrame, sources: Sequence[str], failed: dict[str, str]) -> str:
    """One line per source with its sync's figures, or why the sync failed."""
    width = max(len("source"), *(len(name) for name in sources))
    columns = ("read", "new", "changed", "unchanged", "deleted", "held back")
    header = "".join(f"  {c:>9}" for c in columns)
    lines = [f"  {'source':<{width}}{header}  cursor (incremental syncs)"]
    latest = syncs.drop_duplicates("source", keep="last").set_index("source")
    for name in sources:
        if name in failed:
            lines.append(f"  {name:<{width}}  sync failed: {failed[name]}")
            continue
        if name not in latest.index:
            continue
        sync = latest.loc[name]
        figures = (
            sync["rows_read"],
            sync["new"],
            sync["changed"],
            sync["unchanged"],
            sync["deleted"],
            sync["quarantined"],
        )
        line = f"  {name:<{width}}" + "".join(f"  {int(n):>9,}" for n in figures)
        incremental = sync["mode"] == "incremental"
        line += f"  {sync['cursor_after'] if incremental and sync['cursor_after'] else '-'}"
        if not sync["rows_read"] and sync["unchanged"]:
            line += "  (its files as the last sync read them: not read again)"
        if sync["new_columns"]:
            line += f"  (new columns: {', '.join(sync['new_columns'])})"
        lines.append(line)
    held = latest["deletions_held"]
    lines += [f"  {held_deletions(str(name), int(n))}" for name, n in held.items() if n > 0]
    return "\n".join(lines)


def render_run(summary: dict[str, Any], quarantine: pd.DataFrame) -> str:
    """The run's records per source, quarantine by rule, matching and golden customers."""
    sources = list(summary["rows_landed"])
    width = max(len("source"), *(len(name) for name in sources))
    lines = [f"  {'source':<{width}}  {'landed':>9}  {'standardized':>12}  {'quarantined':>11}"]
    for name in sources:
        lines.append(
            f"  {name:<{width}}  {summary['rows_landed'][name]:>9,}"
            f"  {summary['standardized'][name]:>12,}  {summary['quarantined'][name]:>11,}"
        )
    lines.append(
        f"  {'total':<{width}}  {sum(summary['rows_landed'].values()):>9,}"
        f"  {sum(summary['standardized'].values()):>12,}"
        f"  {sum(summary['quarantined'].values()):>11,}"
    )
    order = {name: n for n, name in enumerate(sources)}
    issues = sorted(
        summary.get("field_issues", []), key=lambda c: order.get(c["source"], len(order))
    )
    lines += _field_issues(issues, width)
    if not quarantine.empty:
        lines += ["", "  in quarantine, by stage and rule:"]
        ranked = quarantine.assign(order=quarantine["source"].map(order).fillna(len(order)))
        ordered = ranked.sort_values(["order", "stage", "rows"], ascending=[True, False, False])
        for row in ordered.itertuples():
            lines.append(f"    {row.source:<{width}}  {row.stage:<8} {row.rule:<28} {row.rows:>7,}")
    lines += render_quality(summary.get("quality", {}), summary.get("data_docs"))
    candidates = sum(p["new_pairs"] for p in summary["candidate_pairs"].values())
    ran = [p for p in summary["candidate_pairs"].values() if not p.get("over_budget")]
    passes = len(ran)
    over = len(summary["candidate_pairs"]) - passes
    over_budget = f", {over} skipped over budget" if over else ""
    compared = summary.get("pairs_compared", candidates)
    reused = (
        f"; {candidates - compared:,} reused from the last run" if compared < candidates else ""
    )
    lines += [
        "",
        f"  candidate pairs     {candidates:>9,}  ({passes} blocking passes{over_budget}{reused})",
        *_blocking_recall(summary.get("blocking")),
        f"  links made          {summary['links']:>9,}",
        f"  left for review     {summary['review_pairs']:>9,}{_queue(summary)}",
        f"  match model         {_model_line(summary['model'], summary.get('model_choice'))}",
        f"  kept apart by       {_conflicts_line(summary.get('conflicts'))}",
        f"  golden customers    {summary['golden_customers']:>9,}{_retired(summary)}",
        *_kept(summary),
    ]
    interactions = summary.get("interactions", {})
    if interactions.get("landed"):
        lines.append(
            f"  interactions        {interactions['published']:>9,}"
            f"  ({interactions['without_customer']:,} not yet with a golden customer)"
        )
    return "\n".join(lines)


def _field_issues(counts: list[dict[str, Any]], width: int) -> list[str]:
    """Values set aside from records that went on, and values cleaned, per source and rule."""
    set_aside = [c for c in counts if c["rule"] != "control_characters_removed"]
    cleaned = [c for c in counts if c["rule"] == "control_characters_removed"]
    lines = []
    if set_aside:
        lines += ["", "  values set aside (their records went on without them), by rule:"]
        lines += [
            f"    {c['source']:<{width}}  {c['rule']:<37} {c['values']:>7,}" for c in set_aside
        ]
    if cleaned:
        lines += ["", "  values cleaned of control characters:"]
        lines += [f"    {c['source']:<{width}}  {'':<37} {c['values']:>7,}" for c in cleaned]
    if lines:
        lines.append("  `hub quarantine values` lists them with the values as read.")
    return lines


def _retired(summary: dict[str, Any]) -> str:
    retired = summary.get("golden_ids_retired", 0)
    return f"  ({retired:,} ids merged into others, redirected)" if retired else ""


def _kept(summary: dict[str, Any]) -> list[str]:
    """The customers the run kept as they were, or why it clustered every one anew."""
    kept = summary.get("customers_kept", 0)
    if summary.get("customers_reevaluated"):
        return [f"    every one clustered anew: {summary['customers_reevaluated']}"]
    if not kept:
        return []
    return [
        f"    {kept:,} of them kept as they were: no new or changed record touched them "
        "(`hub run --full` re-evaluates every customer)"
    ]


def _queue(summary: dict[str, Any]) -> str:
    """The queue stewards see, when it holds more than the pairs, and their decisions."""
    notes = []
    items = summary.get("review_items", summary["review_pairs"])
    if items != summary["review_pairs"]:
        notes.append(f"{items:,} items in the review queue")
    if summary.get("steward_decisions_applied"):
        notes.append(f"{summary['steward_decisions_applied']:,} steward decisions applied")
    return f"  ({'; '.join(notes)})" if notes else ""


def _model_line(model: dict[str, Any], choice: str | None) -> str:
    how = "trained by this run" if model["trained"] else "saved earlier, reused"
    line = f"{'version ' + str(model['version']):>9}  ({how})"
    if choice:
        line += f"\n    {choice}"
    doubts = model.get("implausible", [])
    if doubts:
        line += "\n    it looks implausible; check its links before trusting them:"
        line += "".join(f"\n      - {doubt}" for doubt in doubts)
    return line


def _blocking_recall(blocking: dict[str, float] | None) -> list[str]:
    """The label-free estimate of blocking recall, where the run made one."""
    if not blocking:
        return []
    return [
        f"  blocking recall     {blocking['estimated_recall']:>9.3f}  (estimated: about "
        f"{blocking['matches_missed']:,.0f} matching pairs no pass put up; `hub blocking`)"
    ]


def _conflicts_line(conflicts: dict[str, Any] | None) -> str:
    """Which plain disagreements kept records apart, and why (the records or the config)."""
    if conflicts is None:  # a run published before the records could tell
        return "given name or birth date differing"
    attributes = [name.replace("_", " ") for name in conflicts["attributes"]]
    line = " or ".join(attributes) + " differing" if attributes else "nothing: weighed as evidence"
    households = conflicts["households"]
    return line + (f"\n    {households}" if households else " (as configured)")


def render_quality(verdicts: dict[str, dict[str, Any]], data_docs: str | None) -> list[str]:
    """Lines on the broken expectations of each source, and where the Data Docs are."""
    lines = []
    for source, verdict in verdicts.items():
        for failure in verdict["failed"]:
            blocks = " and blocks publishing" if failure["blocking"] else ""
            lines.append(f"    {source}: {failure['text']}{blocks}")
    heading = "  quality checks: every expectation held" if not lines else "  quality checks:"
    lines = ["", heading, *lines]
    if data_docs:
        lines.append(f"  Data Docs: {Path(data_docs).as_uri()}")
    return lines


def stage_name(step: str) -> str:
    """A step as `hub run` names it: a source's sync is ``sync <source>``."""
    source = step.removeprefix(f"{SOURCE_PREFIX}__")
    return f"sync {source}" if source != step else step


def render_stages(stage_seconds: dict[str, float]) -> str:
    """The seconds of each step, in the order they ran, and each one's share of them."""
    total = sum(stage_seconds.values()) or 1.0
    width = max((len(stage_name(step)) for step in stage_seconds), default=0)
    return "\n".join(
        f"  {stage_name(step):<{width}}  {seconds:>8.1f} s  {seconds / total:>4.0%}"
        for step, seconds in stage_seconds.items()
    )


def hub_report(
    warehouse_url: str,
    run: HubRun,
    *,
    started_at: dt.datetime,
    sources: Sequence[str],
    seconds: float,
) -> str:
    """The whole report of one `hub run`."""
    engine = connect(warehouse_url)
    try:
        syncs = syncs_since(engine, started_at)
        published = (
            None if run.unchanged else (run_summary(engine, run.run_id), quarantine_counts(engine))
        )
    finally:
        engine.dispose()
    shown_url = make_url(warehouse_url).render_as_string(hide_password=True)
    synced = [
        f"Synced {len(sources) - len(run.failed_syncs)} of {len(sources)} sources:",
        render_syncs(syncs, sources, run.failed_syncs),
        "",
    ]
    if published is None:
        return "\n".join(
            [
                *synced,
                f"Nothing changed since run {run.run_id} published: "
                f"no stage ran ({seconds:.1f} s).",
                f"The warehouse at {shown_url} stands as that run left it;",
                "`hub run --full` runs every stage all the same.",
                render_stages(run.stage_seconds),
            ]
        )
    return "\n".join(
        [
            *synced,
            f"Run {run.run_id} published in {seconds:.1f} s to {shown_url}",
            render_stages(run.stage_seconds),
            "",
            render_run(*published),
        ]
    )
