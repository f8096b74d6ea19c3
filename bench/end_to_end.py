"""Time every stage of the hub on a generated customer base, and score it against the truth.

Usage: python bench/end_to_end.py [--people 20000] [--seed 7] [--out /tmp/hub-bench]

Prints the records per source, seconds per stage, peak memory (max RSS) and the
pairwise precision, recall and F1 of the golden customers against the truth file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from demo import generate_demo
from matching.evaluation import blocking_recall, pairwise_scores
from pipelines.config import load_config
from pipelines.stages import (
    golden_customers,
    link_customers,
    publication,
    standardize_interaction_sources,
    standardize_sources,
    sync_source,
)
from warehouse import connect, issued_ids, publish, redirected_ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path("/tmp/hub-bench"))
    args = parser.parse_args()

    timings: dict[str, float] = {}

    def timed(stage: str, work: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        result = work()
        timings[stage] = time.perf_counter() - started
        return result

    out = args.out / f"people-{args.people}-seed-{args.seed}"
    demo = timed("generate", lambda: generate_demo(out, people=args.people, seed=args.seed))
    (out / "warehouse.sqlite").unlink(missing_ok=True)
    os.environ.pop("HUB_WAREHOUSE_URL", None)
    config = load_config(demo.config)
    engine = connect(config.warehouse.url)
    timed("sync", lambda: [sync_source(engine, n, s) for n, s in config.sources.items()])
    records = timed("standardize+validate", lambda: standardize_sources(engine, config))
    interactions = timed("interactions", lambda: standardize_interaction_sources(engine, config))
    linked = timed("match", lambda: link_customers(engine, records.records, config.matching))
    links = linked.links
    golden = timed(
        "golden",
        lambda: golden_customers(
            records, linked, config, issued_ids(engine), redirected_ids(engine)
        ),
    )
    run = publication(
        run_id="bench",
        started_at=dt.datetime.now(dt.UTC),
        customer_records=records,
        interactions=interactions,
        linked=linked,
        golden=golden,
        review_customer_size=config.matching.review_customer_size,
    )
    timed("publish", lambda: publish(engine, run))

    truth = pd.read_csv(demo.truth, dtype=str, keep_default_na=False)
    truth = truth.drop_duplicates(["source", "source_key"], keep="first")
    placed = golden.xref.merge(truth, on=["source", "source_key"], validate="one_to_one")
    scores = pairwise_scores(placed["golden_id"], placed["person_id"])
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    total_records = sum(demo.record_counts.values())
    print(f"people {args.people:,}, seed {args.seed}: {total_records:,} source records")
    print("  " + ", ".join(f"{name} {count:,}" for name, count in demo.record_counts.items()))
    for stage, seconds in timings.items():
        print(f"  {stage:<22} {seconds:8.1f} s")
    hub_seconds = sum(s for stage, s in timings.items() if stage != "generate")
    print(f"  {'hub total':<22} {hub_seconds:8.1f} s  ({total_records / hub_seconds:,.0f} rec/s)")
    candidates = sum(r.new_pairs for r in links.candidate_pairs_by_pass.values())
    decisions = links.pairs["decision"].value_counts()
    print(
        f"  candidate pairs {candidates:,}, links {decisions.get('link', 0):,}, "
        f"review {decisions.get('review', 0):,}, golden customers {len(golden.golden):,}"
    )
    print(f"  quarantined rows {sum(records.quarantined_by_source().values()):,}")
    person = records.records[["source", "source_key"]].merge(
        truth, on=["source", "source_key"], how="left", validate="one_to_one"
    )["person_id"]
    true_recall = blocking_recall(records.records, person, config.matching).iloc[-1]["recall"]
    estimate = links.blocking_estimate.recall if links.blocking_estimate else float("nan")
    print(f"  blocking recall {true_recall:.4f} (estimated without labels: {estimate:.4f})")
    if links.households:
        print(f"  households: {links.households.describe()}")
    print(f"  peak memory {peak_mb:,.0f} MB")
    print(f"  {scores}")


if __name__ == "__main__":
    main()
