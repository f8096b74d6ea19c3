"""`hub check`: the config is valid, and every source and the warehouse can be reached,
without syncing, matching or publishing anything."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from connectors import ConnectorError, reach_source
from pipelines.config import HubConfig, Source
from warehouse import WarehouseError, inspect_warehouse


def check_hub(config: HubConfig, path: Path, say: Callable[[str], None]) -> int:
    """Reach each source and the warehouse of ``config`` (read from ``path``), saying what
    each gave; the exit status: 0 when all can be used, 1 when one cannot."""
    customers = len(config.customer_sources)
    interactions = len(config.sources) - customers
    say(f"Config {path}: valid; {customers} customer and {interactions} interaction source(s).")
    problems = 0
    for name, source in config.sources.items():
        line, ok = _source_line(name, source)
        problems += not ok
        say(line)
    try:
        state = inspect_warehouse(config.warehouse.url)
    except WarehouseError as exc:
        problems += 1
        say(f"  FAIL  warehouse: {exc}")
    else:
        if state.revision is None:
            say(f"  ok    warehouse {state.shown}: no schema yet; the first run creates it")
        else:
            say(
                f"  ok    warehouse {state.shown}: schema revision {state.revision}, this version's"
            )
    if problems:
        say(f"{problems} of {len(config.sources) + 1} cannot be used as declared; nothing was run.")
        return 1
    say(f"All {len(config.sources)} source(s) and the warehouse can be reached; nothing was run.")
    return 0


def _source_line(name: str, source: Source) -> tuple[str, bool]:
    """One line on ``source`` and whether it can be used."""
    label = f"{name} ({source.connector.kind})"
    mapped = [source.primary_key, *sorted(source.mapping.source_columns())]
    try:
        sample = reach_source(source.connector, name, mapped)
    except ConnectorError as exc:
        return f"  FAIL  {label}: {exc}", False
    if not sample.rows and not sample.rejected:
        return f"  ok    {label}: reached; it has no rows yet", True
    notes = [f"read its first {sample.rows:,} row(s)"]
    if sample.rejected:
        notes.append(f"{sample.rejected:,} more could not be read (a sync quarantines them)")
    absent = [column for column in mapped if column not in sample.columns]
    if absent:
        # Only where rows may lack a column (JSON): a sample cannot prove it missing.
        listed = ", ".join(f"`{column}`" for column in absent)
        notes.append(f"none of them has the mapped {listed}; check the config's `fields`")
        return f"  warn  {label}: {'; '.join(notes)}", True
    if source.connector.has_fixed_columns:
        notes.append(f"the {len(mapped)} mapped columns are there")
    return f"  ok    {label}: {'; '.join(notes)}", True
