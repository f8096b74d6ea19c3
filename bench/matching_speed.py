"""Time, memory and accuracy of matching on the generated multi-source customer base.

Usage: python bench/matching_speed.py --people 500000 [--seed 5] [--out /tmp/hub-bench]
       [--arriving 0.01]

Generates the demo sources for N people, syncs and standardizes them into a SQLite
warehouse as a hub run does (not timed), then times ``link_records`` with the default
settings. Prints seconds per matching stage, candidate pairs per blocking pass, peak
memory of the process (max RSS, which includes loading and standardizing), and the
pairwise precision, recall and F1 of the clusters against the generator's truth file.

``--arriving F`` then times an incremental run: the share F of records is held back
from a first full run and arrives afterwards; the incremental run compares only pairs
that touch them, and is checked against a full run with the same model.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd
from synced_demo import synced_demo

from matching import CustomerLinks, link_records
from matching.evaluation import pairwise_scores
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
    parser.add_argument("--arriving", type=float, default=0.0)
    args = parser.parse_args()

    out = args.out / f"people-{args.people}-seed-{args.seed}"
    records, person = standardized_demo(args.people, args.seed, out)
    started = time.perf_counter()
    links = link_records(records)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"people {args.people:,}, seed {args.seed}: {len(records):,} records")
    _print_stages(links)
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
    if args.arriving:
        incremental_run(records, args.arriving, args.seed)


def incremental_run(records: pd.DataFrame, arriving_share: float, seed: int) -> None:
    """Time a full run without the arriving records, then an incremental run with them."""
    arriving = np.random.default_rng(seed).random(len(records)) < arriving_share
    started = time.perf_counter()
    before = link_records(records[~arriving])
    full_seconds = time.perf_counter() - started
    started = time.perf_counter()
    after = link_records(records, previous=before)
    seconds = time.perf_counter() - started
    print(
        f"incremental: {int(arriving.sum()):,} records arrive after a full run of "
        f"{int((~arriving).sum()):,} ({full_seconds:.1f} s)"
    )
    _print_stages(after)
    print(
        f"  {'matching':<14} {seconds:7.1f} s; compared {after.compared.compared:,} "
        f"of {len(after.compared):,} candidate pairs"
    )
    full = link_records(records, model=before.model)
    print(f"  equals a full run with the same model: {full.clusters.equals(after.clusters)}")


def _print_stages(links: CustomerLinks) -> None:
    for stage, stage_seconds in links.stage_seconds.items():
        print(f"  {stage:<14} {stage_seconds:7.1f} s")


if __name__ == "__main__":
    main()
