"""Time the quality gate (standardize + validate) on about a million generated records.

Usage: python bench/quality_throughput.py [--people 500000] [--seed 5] [--out /tmp/hub-quality]

Generates the demo sources for ``--people`` people (about two records per person over
four customer sources, with the generator's typos, gaps and bad values) and syncs them
into a fresh SQLite warehouse. Then it times:

- ``gate``: standardize and validate every source's rows, already in memory, with its
  suite (Great Expectations, Data Docs written), sources spread over one worker process
  per core as the quality stage does. Each worker loads its rows and imports its
  libraries before its clock starts; the figure is from the first start to the last end.
- ``stage``: ``standardize_sources`` as a hub run calls it, so also reading every landed
  row back from the warehouse and starting the workers.
- per source, in this process: ``standardize`` and ``validate`` apart, to show the parts.

Peak memory is the resident high-water mark of this process and of the largest worker.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from synced_demo import synced_demo

from pipelines.config import HubConfig, load_config
from pipelines.stages import standardize_sources
from quality import quality_gate
from quality.standardize import standardize
from quality.validation import validate_records
from warehouse import connect, landed_rows, live_row_count


def _peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def _gate_sources(config_path: Path, names: list[str]) -> tuple[float, float, int]:
    """In a worker: load the sources' rows, then time their gates; (start, end, rows)."""
    import great_expectations  # noqa: F401  (imported before the clock starts)

    config = load_config(config_path)
    engine = connect(config.warehouse.url)
    sources = config.customer_sources
    rows = {n: landed_rows(engine, n, sources[n].mapping.source_columns()) for n in names}
    started = time.time()
    for name in names:
        quality_gate(
            rows[name],
            source=name,
            primary_key=sources[name].primary_key,
            mapping=sources[name].mapping,
            checks=sources[name].quality.checks(),
            data_docs=config.data_docs,
            run_name="bench-gate",
        )
    return started, time.time(), sum(len(frame) for frame in rows.values())


def _bins(sizes: dict[str, int], count: int) -> list[list[str]]:
    """Sources in ``count`` groups of about equal rows, largest first (as a pool would)."""
    bins: list[list[str]] = [[] for _ in range(count)]
    totals = [0] * count
    for name in sorted(sizes, key=lambda n: -sizes[n]):
        emptiest = totals.index(min(totals))
        bins[emptiest].append(name)
        totals[emptiest] += sizes[name]
    return [group for group in bins if group]


def bench_gate(config_path: Path, config: HubConfig) -> None:
    engine = connect(config.warehouse.url)
    sizes = {name: live_row_count(engine, name) for name in config.customer_sources}
    groups = _bins(sizes, os.cpu_count() or 1)
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(len(groups), mp_context=spawn) as pool:
        spans = list(pool.map(_gate_sources, [config_path] * len(groups), groups))
    seconds = max(end for _, end, _ in spans) - min(start for start, _, _ in spans)
    rows = sum(count for _, _, count in spans)
    print(
        f"gate:  {rows:,} rows in {seconds:.1f} s = {rows / seconds:,.0f} rows/s over "
        f"{len(groups)} processes ({' | '.join(', '.join(group) for group in groups)}); "
        f"peak {_peak_mb(resource.RUSAGE_CHILDREN):,.0f} MB in a worker"
    )


def bench_stage(config: HubConfig) -> None:
    engine = connect(config.warehouse.url)
    started = time.perf_counter()
    stage = standardize_sources(engine, config, run_name="bench-stage")
    seconds = time.perf_counter() - started
    rows = sum(stage.rows_landed.values())
    print(
        f"stage: {rows:,} landed rows in {seconds:.1f} s = {rows / seconds:,.0f} rows/s; "
        f"{len(stage.records):,} passed, {sum(stage.quarantined_by_source().values()):,} "
        f"quarantined; peak {_peak_mb(resource.RUSAGE_SELF):,.0f} MB here"
    )


def bench_parts(config: HubConfig) -> None:
    engine = connect(config.warehouse.url)
    print("\nper source, one process, rows in memory:")
    print(f"  {'source':<14}{'rows':>10}{'standardize':>13}{'validate':>10}{'rows/s':>10}")
    total_rows = total_seconds = 0.0
    for name, source in config.customer_sources.items():
        raw = landed_rows(engine, name, source.mapping.source_columns())
        began = time.perf_counter()
        batch = standardize(
            raw, source=name, primary_key=source.primary_key, mapping=source.mapping
        )
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("/tmp/hub-quality"))
    args = parser.parse_args()

    out = args.out / f"people-{args.people}-seed-{args.seed}"
    demo, config, _ = synced_demo(out, people=args.people, seed=args.seed)
    print(f"people {args.people:,}, seed {args.seed}, {os.cpu_count()} cores")
    bench_gate(demo.config, config)
    bench_stage(config)
    bench_parts(config)


if __name__ == "__main__":
    main()
