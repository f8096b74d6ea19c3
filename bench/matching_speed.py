"""Time, memory and accuracy of matching on the generated multi-source customer base.

Usage: python bench/matching_speed.py --people 500000 [--seed 5] [--out /tmp/hub-bench]

Generates the demo sources for N people, syncs and standardizes them into a SQLite
warehouse as a hub run does (not timed), then times ``link_records`` with the default
settings. Prints seconds per matching stage, candidate pairs per blocking pass, peak
memory of the process (max RSS, which includes loading and standardizing), and the
pairwise precision, recall and F1 of the clusters against the generator's truth file.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import pandas as pd
from synced_demo import synced_demo

from matching import link_records, pairwise_scores
from pipelines.stages import standardize_sources


def standardized_demo(people: int, seed: int, out: Path) -> tuple[pd.DataFrame, pd.Series]:
    """Canonical records of a generated demo, and each record's true person."""
    demo, config, engine = synced_demo(out, people=people, seed=seed)
    records = standardize_sources(engine, config).records
    engine.dispose()
    truth = pd.read_csv(demo.truth, dtype=str, keep_default_na=False)
    truth = truth.drop_duplicates(["source", "source_key"], keep="first")
    placed = records[["source", "source_key"]].merge(
        truth, on=["source", "source_key"], how="left", validate="one_to_one"
    )
    return records, placed["person_id"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("/tmp/hub-bench"))
    args = parser.parse_args()

    out = args.out / f"people-{args.people}-seed-{args.seed}"
    records, person = standardized_demo(args.people, args.seed, out)
    started = time.perf_counter()
    links = link_records(records)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"people {args.people:,}, seed {args.seed}: {len(records):,} records")
    for stage, stage_seconds in links.stage_seconds.items():
        print(f"  {stage:<14} {stage_seconds:7.1f} s")
    print(f"  {'matching':<14} {seconds:7.1f} s  ({len(records) / seconds:,.0f} records/s)")
    print("  candidate pairs per blocking pass (pairs, new):")
    for name, report in links.candidate_pairs_by_pass.items():
        skipped = f", {report.skipped_blocks} blocks skipped" if report.skipped_blocks else ""
        print(f"    {name:<52} {report.pairs:>11,} {report.new_pairs:>11,}{skipped}")
    total = sum(r.new_pairs for r in links.candidate_pairs_by_pass.values())
    decisions = links.pairs["decision"].value_counts()
    print(
        f"  candidate pairs {total:,}; links {decisions.get('link', 0):,}, "
        f"review {decisions.get('review', 0):,}; customers {links.clusters.nunique():,}"
    )
    print(f"  peak memory {peak_mb:,.0f} MB")
    clusters = links.clusters.reindex(records["record_id"])
    print(f"  {pairwise_scores(clusters, person)}")


if __name__ == "__main__":
    main()
