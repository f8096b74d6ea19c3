"""Time of building every department mart, at 700,000 golden customers.

Usage: python bench/marts.py [--customers 700000] [--seed 5]

Builds seeded golden customers (as many as a million source records make) and their
interactions: about 2.5 orders for every other customer, 1.3 tickets or complaints for
every third, and a consent statement or two for every third. Then times
`department_marts` and reports the rows of each mart and the peak memory.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import pandas as pd

from warehouse.marts import department_marts


def _golden(customers: int, rng: np.random.Generator) -> pd.DataFrame:
    ids = [f"GC-{n:010d}" for n in range(customers)]
    has = rng.random((3, customers))
    return pd.DataFrame(
        {
            "golden_id": ids,
            "given_name": "Kari",
            "family_name": "Nordmann",
            "email": np.where(has[0] < 0.8, [f"c{n}@example.com" for n in range(customers)], None),
            "phone": np.where(has[1] < 0.6, "+4712345678", None),
            "street": np.where(has[2] < 0.7, "Storgata 1", None),
            "postcode": "0155",
            "city": np.where(has[2] < 0.7, "Oslo", None),
            "country": "NO",
        }
    )


def _interactions(golden_ids: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    low = np.datetime64("2018-01-01", "s").astype(np.int64)
    high = np.datetime64("2025-06-30", "s").astype(np.int64)
    frames = []
    for kind, share, mean in (("order", 0.5, 2.5), ("ticket", 0.3, 1.3), ("consent", 0.33, 1.5)):
        counts = rng.poisson(mean, len(golden_ids)) * (rng.random(len(golden_ids)) < share)
        who = np.repeat(golden_ids, counts)
        n = len(who)
        occurred = pd.to_datetime(rng.integers(low, high, n), unit="s", utc=True)
        amount = np.round(rng.lognormal(3.8, 0.8, n), 2) if kind == "order" else np.nan
        frames.append(
            pd.DataFrame(
                {
                    "golden_id": who,
                    "kind": kind,
                    "occurred_at": occurred,
                    "closed_at": occurred + pd.to_timedelta(rng.exponential(3, n), unit="D")
                    if kind == "ticket"
                    else pd.NaT,
                    "amount": amount,
                    "cost": amount * 0.6 if kind == "order" else np.nan,
                    "currency": np.where(rng.random(n) < 0.9, "NOK", "EUR")
                    if kind == "order"
                    else None,
                    "channel": {
                        "order": "web",
                        "ticket": np.where(rng.random(n) < 0.5, "email", "phone"),
                        "consent": np.where(rng.random(n) < 0.7, "email", "post"),
                    }[kind],
                    "status": np.where(rng.random(n) < 0.85, "granted", "withdrawn")
                    if kind == "consent"
                    else None,
                    "topic": "books" if kind == "order" else None,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=700_000)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    golden = _golden(args.customers, rng)
    interactions = _interactions(golden["golden_id"].to_numpy(), rng)
    print(f"{len(golden):,} golden customers, {len(interactions):,} interactions")
    started = time.perf_counter()
    marts = department_marts(golden, interactions, as_of=pd.Timestamp("2025-07-01", tz="UTC"))
    seconds = time.perf_counter() - started
    print(f"  department_marts  {seconds:6.1f} s")
    for name, frame in vars(marts).items():
        print(f"  {name:<18} {len(frame):>9,} rows")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory {peak:,.0f} MB")


if __name__ == "__main__":
    main()
