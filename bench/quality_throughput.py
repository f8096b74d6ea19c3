"""Time the quality stage (standardize + validate) on about a million generated records.

Usage: python bench/quality_throughput.py [--people 500000] [--seed 5] [--out /tmp/hub-quality]

Generates the demo sources for ``--people`` people (about two records per person over
four customer sources, with the generator's typos, gaps and bad values), syncs them
into a fresh SQLite warehouse, then times:

- ``stage``: ``standardize_sources`` as a hub run calls it: every source's landed rows
  read back from the warehouse and put through its quality gate (standardize, then the
  Great Expectations suite, Data Docs written), sources spread over the cores;
- per source, in this process on rows already in memory: ``standardize`` and
  ``validate`` separately, so the cost of each part shows.

Peak memory is the resident high-water mark of this process and of the largest worker.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

from pipelines.config import load_config
from pipelines.demo import generate_demo
from pipelines.stages import _with_mapped_columns, standardize_sources
from pipelines.sync import sync_source
from quality import standardize, validate_records
from warehouse import connect, landed_rows


def _peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("/tmp/hub-quality"))
    args = parser.parse_args()

    out = args.out / f"people-{args.people}-seed-{args.seed}"
    demo = generate_demo(out, people=args.people, seed=args.seed)
    (out / "warehouse.sqlite").unlink(missing_ok=True)
    os.environ.pop("HUB_WAREHOUSE_URL", None)
    config = load_config(demo.config)
    engine = connect(config.warehouse.url)
    for name, source in config.customer_sources.items():
        sync_source(engine, name, source)

    started = time.perf_counter()
    stage = standardize_sources(engine, config, run_name="bench")
    seconds = time.perf_counter() - started
    rows = sum(stage.rows_landed.values())
    print(f"people {args.people:,}, seed {args.seed}, {os.cpu_count()} cores")
    print(
        f"stage: {rows:,} landed rows in {seconds:.1f} s = {rows / seconds:,.0f} rows/s; "
        f"{len(stage.records):,} passed, {sum(stage.quarantined_by_source().values()):,} "
        f"quarantined; peak {_peak_mb(resource.RUSAGE_SELF):,.0f} MB here, "
        f"{_peak_mb(resource.RUSAGE_CHILDREN):,.0f} MB in a worker"
    )

    print("\nper source, one process, rows in memory:")
    print(f"  {'source':<14}{'rows':>10}{'standardize':>13}{'validate':>10}{'rows/s':>10}")
    total_rows = total_seconds = 0.0
    for name, source in config.customer_sources.items():
        raw = _with_mapped_columns(landed_rows(engine, name), source)
        began = time.perf_counter()
        batch = standardize(raw, source=name, primary_key=source.primary_key, mapping=source.mapping)
        middle = time.perf_counter()
        validate_records(batch.records, checks=source.quality.checks(), suite_name=name)
        ended = time.perf_counter()
        total_rows += len(raw)
        total_seconds += ended - began
        print(
            f"  {name:<14}{len(raw):>10,}{middle - began:>12.1f}s{ended - middle:>9.1f}s"
            f"{len(raw) / (ended - began):>10,.0f}"
        )
    print(f"  {'total':<14}{total_rows:>10,.0f}{'':>22}{total_rows / total_seconds:>10,.0f}")


if __name__ == "__main__":
    main()
