"""How much the review queue shrinks when the model learns from steward decisions.

Usage: python bench/steward_learning.py [--people 20000] [--seed 7] [--decide 300]

Runs the hub's stages on a generated customer base, then lets a steward who knows the
truth decide the queue's first ``--decide`` items (pairs: same or different; customers:
confirmed, or the records of other people taken out). Then runs again twice on the
same warehouse: obeying the decisions only, and obeying them and training the model with
them as labels (`learn_from_stewards`). Prints, for each run, the queue, the items it
holds that no steward has seen, and the pairwise precision, recall and F1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import time
from pathlib import Path

import pandas as pd

from demo import generate_demo
from matching.evaluation import pairwise_scores
from pipelines.config import HubConfig, load_config
from pipelines.stages import (
    golden_customers,
    link_customers,
    publication,
    standardize_interaction_sources,
    standardize_sources,
    sync_source,
)
from stewardship import decide_item
from warehouse import connect, issued_ids, publish, redirected_ids, review_items


def _run(config: HubConfig, person: pd.Series, label: str) -> pd.DataFrame:
    """Match and publish once; print the queue and the scores; the queue."""
    engine = connect(config.warehouse.url)
    started = time.perf_counter()
    records = standardize_sources(engine, config)
    interactions = standardize_interaction_sources(engine, config)
    linked = link_customers(engine, records.records, config.matching)
    golden = golden_customers(records, linked, config, issued_ids(engine), redirected_ids(engine))
    run = publication(
        run_id=f"{label}-{time.time_ns()}",
        started_at=dt.datetime.now(dt.UTC),
        customer_records=records,
        interactions=interactions,
        linked=linked,
        golden=golden,
        review_customer_size=config.matching.review_customer_size,
    )
    publish(engine, run)
    seconds = time.perf_counter() - started
    queue, _ = review_items(engine, limit=10**9)
    engine.dispose()
    placed = golden.xref.assign(record_id=golden.xref["source"] + ":" + golden.xref["source_key"])
    scores = pairwise_scores(placed["golden_id"], placed["record_id"].map(person))
    print(
        f"  {label:<34} queue {len(queue):>6,}  pairs {int((queue['kind'] == 'pair').sum()):>6,}  "
        f"P {scores.precision:.4f}  R {scores.recall:.4f}  F1 {scores.f1:.4f}  ({seconds:.1f} s)"
    )
    return queue


def _decide_as_the_truth_says(
    config: HubConfig, queue: pd.DataFrame, person: pd.Series, count: int
) -> None:
    engine = connect(config.warehouse.url)
    for item in queue.head(count).itertuples():
        if item.kind == "pair":
            same = person[item.record_id_l] == person[item.record_id_r]
            verdict = "same_customer" if same else "not_same_customer"
            decide_item(engine, config.matching, item.review_id, verdict, steward="truth")
            continue
        held = person.reindex(item.evidence["records"])
        main_person = held.value_counts().index[0]
        strangers = held.index[held != main_person]
        if len(strangers) == 0:
            decide_item(engine, config.matching, item.review_id, "confirm", steward="truth")
        for record in strangers:
            decide_item(
                engine, config.matching, item.review_id, "take_out", steward="truth", record=record
            )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--decide", type=int, default=300)
    parser.add_argument("--out", type=Path, default=Path("/tmp/hub-bench-stewards"))
    args = parser.parse_args()

    out = args.out / f"people-{args.people}-seed-{args.seed}"
    demo = generate_demo(out, people=args.people, seed=args.seed)
    warehouse = out / "warehouse.sqlite"
    warehouse.unlink(missing_ok=True)
    os.environ.pop("HUB_WAREHOUSE_URL", None)
    config = load_config(demo.config).model_copy(update={"match_state": None})
    engine = connect(config.warehouse.url)
    for name, source in config.sources.items():
        sync_source(engine, name, source)
    engine.dispose()
    truth = pd.read_csv(demo.truth, dtype=str, keep_default_na=False)
    truth = truth.drop_duplicates(["source", "source_key"], keep="first")
    person = pd.Series(
        truth["person_id"].to_numpy(),
        index=(truth["source"] + ":" + truth["source_key"]).to_numpy(),
    )

    print(f"people {args.people:,}, seed {args.seed}; the steward decides {args.decide} items")
    queue = _run(config, person, "before any decision")
    _decide_as_the_truth_says(config, queue, person, args.decide)
    seen = set(queue["review_id"].head(args.decide))
    decided = out / "decided.sqlite"
    shutil.copyfile(warehouse, decided)

    for learn in (False, True):
        shutil.copyfile(decided, warehouse)
        matching = config.matching.model_copy(update={"learn_from_stewards": learn})
        label = "obeying, learning from them" if learn else "obeying the decisions only"
        after = _run(config.model_copy(update={"matching": matching}), person, label)
        unseen = after[~after["review_id"].isin(seen)]
        print(f"  {'':<34} of which no steward has seen: {len(unseen):,}")


if __name__ == "__main__":
    main()
