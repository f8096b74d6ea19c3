"""The hub and Splink 5 on the same generated customers: time, peak memory and accuracy.

Usage: python bench/hub_vs_splink.py [--people 500000] [--seed 5] [--out /tmp/hub-vs-splink]
       [--threshold 0.9]

Generates the demo sources for N people (about 1.9 records each), then runs each engine
in a process of its own, one after the other, and measures that process from outside:
wall time from start to exit (interpreter start, imports and reading the sources
included) and peak resident memory (max RSS, from ``os.wait4``: the largest of the
process and the processes it waited for, such as the hub's quality workers on large
sources, not their sum, so a lower bound where an engine runs several at once).

- The hub runs as a user runs it: ``hub run --config hub.yaml`` on the generated config,
  into a fresh SQLite warehouse (``HUB_WAREHOUSE_URL`` unset). It does more than match:
  it syncs every source into the warehouse's landing, checks quality, and publishes the
  golden customers with their lineage, the interactions and the department marts.
- Splink 5 (DuckDB backend) reads the same source files and cleans them as a Splink user
  would (lower case, diacritics stripped, names split, dates parsed, a phone's last eight
  digits). It compares given and family name, birth date, e-mail, phone and address
  (street with postcode), blocks on e-mail, phone, and pairs of name, birth date and
  postcode, estimates u by random sampling and m by EM, scores every pair its blocking
  rules put up, and clusters at ``--threshold`` match probability (0.9, chosen
  beforehand, not tuned on the truth). The script runs it by invoking itself with
  ``--engine splink``, so that the Splink process imports nothing of the hub.

Both are scored against the generator's truth file over every source record with a
usable key (pairwise precision, recall and F1 of the customers); a record an engine did
not place, such as a quarantined one, counts as a customer of its own.

Prints each engine's own output, then per engine: wall seconds, peak MB, F1, precision,
recall and records placed; and the hub's time and memory as a multiple of Splink's.
Last, ``hub run`` runs again on the same sources, and its time is given as a share of
the first run's; then once more after 1% new people (generated with another seed, their
keys made new) joined every customer source, with the time as a share of the first run's
and how many of the existing customers the run merged or split.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import splink
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

if TYPE_CHECKING:
    from splink.internals.splink_dataframe import SplinkDataFrame

# Street and postcode in one comparison: as two they would count one address twice. The
# city is left out: it repeats the postcode.
ADDRESS = cl.CustomComparison(
    output_column_name="address",
    comparison_levels=[
        cll.Or(cll.NullLevel("street"), cll.NullLevel("postcode")),
        cll.And(cll.ExactMatchLevel("street"), cll.ExactMatchLevel("postcode")),
        cll.And(cll.LevenshteinLevel("street", 3), cll.ExactMatchLevel("postcode")),
        cll.ExactMatchLevel("postcode"),
        cll.ElseLevel(),
    ],
)

SPLINK_SETTINGS = SettingsCreator(
    link_type="link_and_dedupe",
    comparisons=[
        cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
        cl.NameComparison("family_name").configure(term_frequency_adjustments=True),
        cl.DateOfBirthComparison("birth_date", input_is_string=True, datetime_format="%Y-%m-%d"),
        cl.EmailComparison("email"),
        cl.ExactMatch("phone"),
        ADDRESS,
    ],
    blocking_rules_to_generate_predictions=[
        block_on("email"),
        block_on("phone"),
        block_on("given_name", "family_name"),
        block_on("family_name", "birth_date"),
        block_on("given_name", "birth_date"),
        block_on("postcode", "family_name"),
        block_on("postcode", "given_name"),
    ],
    retain_matching_columns=False,
)

SPLINK_COLUMNS = ("given_name", "family_name", "birth_date", "email", "phone", "street", "postcode")


# --- Splink, in its own process --------------------------------------------------------


def splink_frames(sources: Mapping[str, Path]) -> dict[str, pd.DataFrame]:
    """The four demo sources as a Splink user prepares them: one frame each, with the
    columns of `SPLINK_COLUMNS` (missing where the source lacks them), one row per key."""
    with contextlib.closing(sqlite3.connect(sources["crm_legacy"])) as connection:
        crm = pd.read_sql("SELECT * FROM CUSTOMER", connection)
    webshop = pd.read_csv(sources["webshop"], dtype=str)
    support = pd.read_json(sources["support_desk"], lines=True, dtype=False)
    newsletter = pd.read_csv(sources["newsletter"], dtype=str)
    # The CRM writes `FAMILY, GIVEN`, the support desk `Given Family`.
    crm_name = crm["NAME"].str.split(", ", n=1, expand=True).reindex(columns=[0, 1])
    support_name = support["name"].str.split(" ", n=1, expand=True).reindex(columns=[0, 1])
    return {
        "crm_legacy": _frame(
            "crm_legacy",
            crm["CUST_NO"],
            given_name=_folded(crm_name[1]),
            family_name=_folded(crm_name[0]),
            birth_date=_iso_date(crm["BIRTH_DT"], "%d%m%Y"),
            email=_email(crm["EMAIL"]),
            phone=_phone(crm["TEL"]),
            street=_folded(crm["STREET"]),
            postcode=_postcode(crm["ZIP"]),
        ),
        "webshop": _frame(
            "webshop",
            webshop["customer_id"],
            given_name=_folded(webshop["first_name"]),
            family_name=_folded(webshop["last_name"]),
            birth_date=_iso_date(webshop["date_of_birth"], "%Y-%m-%d"),
            email=_email(webshop["email"]),
            phone=_phone(webshop["phone"]),
            street=_folded(webshop["address_line"]),
            postcode=_postcode(webshop["zip"]),
        ),
        "support_desk": _frame(
            "support_desk",
            support["contact_id"],
            given_name=_folded(support_name[0]),
            family_name=_folded(support_name[1]),
            email=_email(support["email"]),
            phone=_phone(support["phone"]),
            street=_folded(support["street"]),
            postcode=_postcode(support["zip"]),
        ),
        "newsletter": _frame(
            "newsletter",
            newsletter["subscriber_id"],
            given_name=_folded(newsletter["first_name"]),
            email=_email(newsletter["email"]),
        ),
    }


def _frame(source: str, key: pd.Series, **columns: pd.Series) -> pd.DataFrame:
    """``unique_id`` is ``SOURCE:KEY``; rows without a key, or repeating one, are left out
    (Splink needs unique ids), as the hub quarantines them."""
    frame = pd.DataFrame({"unique_id": source + ":" + key.astype("string")})
    for column in SPLINK_COLUMNS:
        frame[column] = columns.get(column, pd.Series(pd.NA, index=key.index, dtype="string"))
    usable = key.notna() & (key != "") & ~key.duplicated()
    return frame[usable].reset_index(drop=True)


def _folded(values: pd.Series) -> pd.Series:
    """Lower case, without diacritics, single spaces; blank is missing."""
    text = (
        values.astype("string")
        .str.normalize("NFKD")
        .str.replace(r"[\u0300-\u036f]", "", regex=True)
    )
    return _blank_missing(text.str.lower().str.replace(r"\s+", " ", regex=True).str.strip())


def _email(values: pd.Series) -> pd.Series:
    return _blank_missing(values.astype("string").str.lower().str.strip())


def _phone(values: pd.Series) -> pd.Series:
    """The last eight digits: the same for a national and an international writing."""
    digits = values.astype("string").str.replace(r"\D", "", regex=True)
    return _blank_missing(digits.str[-8:])


def _postcode(values: pd.Series) -> pd.Series:
    return _blank_missing(values.astype("string").str.lower().str.replace(" ", ""))


def _iso_date(values: pd.Series, written: str) -> pd.Series:
    """``YYYY-MM-DD``; a text that is no date in the format `written` is missing."""
    dates = pd.to_datetime(values, format=written, errors="coerce")
    return dates.dt.strftime("%Y-%m-%d").astype("string")


def _blank_missing(text: pd.Series) -> pd.Series:
    return text.where(text != "")


def splink_customers(sources: Mapping[str, Path], threshold: float) -> pd.DataFrame:
    """Train Splink on the sources, score the blocked pairs and cluster them at
    `threshold`; prints seconds per stage. Returns ``unique_id`` and ``cluster_id``."""
    started = time.perf_counter()
    timings: dict[str, float] = {}

    def timed(stage: str, work: Callable[[], Any]) -> Any:
        stage_started = time.perf_counter()
        result = work()
        timings[stage] = time.perf_counter() - stage_started
        return result

    frames: dict[str, pd.DataFrame] = timed("read and clean", lambda: splink_frames(sources))
    db_api = DuckDBAPI()
    tables = [db_api.register(frame, dataset_display_name=name) for name, frame in frames.items()]
    # ERROR: EM and predict warn of the few birth date levels no training pair shows.
    linker = Linker(tables, SPLINK_SETTINGS, log_level=logging.ERROR)

    def train() -> None:
        linker.training.estimate_probability_two_random_records_match(
            [block_on("email"), block_on("given_name", "family_name", "birth_date")], recall=0.7
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=1)
        for rule in (
            block_on("email"),
            block_on("given_name", "family_name"),
            block_on("birth_date"),
        ):
            linker.training.estimate_parameters_using_expectation_maximisation(rule)

    timed("train", train)
    predicted: SplinkDataFrame = timed("predict", linker.inference.predict)
    clustered: pd.DataFrame = timed(
        "cluster",
        lambda: _as_pandas(
            linker.clustering.cluster_pairwise_predictions_at_threshold(
                predicted, threshold_match_probability=threshold
            )
        ),
    )
    all_seconds = time.perf_counter() - started
    records = sum(len(frame) for frame in frames.values())
    pairs = _as_pandas(predicted.query_sql("SELECT count(*) AS pairs FROM {this}"))["pairs"].iat[0]
    print(f"Splink {splink.__version__} (DuckDB), {records:,} records:")
    for stage, seconds in timings.items():
        print(f"  {stage:<16} {seconds:7.1f} s")
    print(f"  {'all':<16} {all_seconds:7.1f} s  (from reading the sources to the customers)")
    print(
        f"  {pairs:,} pairs scored; {clustered['cluster_id'].nunique():,} customers "
        f"at match probability {threshold}"
    )
    return clustered[["unique_id", "cluster_id"]]


def _as_pandas(frame: SplinkDataFrame) -> pd.DataFrame:
    table: pd.DataFrame = frame.as_pandas_dataframe()  # type: ignore[no-untyped-call]
    return table


# --- each engine in a process of its own -----------------------------------------------


@dataclass(frozen=True)
class EngineRun:
    """A finished engine process: what it printed, its wall time and its peak memory."""

    output: str
    seconds: float
    peak_mb: float


def engine_run(command: list[str]) -> EngineRun:
    """Run `command` to its end, its output captured; stop the benchmark if it fails."""
    started = time.perf_counter()
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as process:
        assert process.stdout is not None  # piped
        output = process.stdout.read()
        # wait4, not getrusage(RUSAGE_CHILDREN): the peak of this child (and what it
        # waited for), not the largest of every engine run so far.
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped: Popen must not wait
    seconds = time.perf_counter() - started
    if process.returncode:
        print(output)
        raise SystemExit(f"{' '.join(command)}: failed with exit status {process.returncode}")
    return EngineRun(output.rstrip(), seconds, usage.ru_maxrss / 1024)


HUB = Path(sys.executable).with_name("hub")
"""The hub's console script, beside this Python."""


def hub_customers(config: Path) -> tuple[EngineRun, pd.Series]:
    """``hub run`` on `config` into a fresh warehouse; the golden id of each record placed,
    by record id (``SOURCE:KEY``), as the published crosswalk holds it."""
    import sqlalchemy as sa

    from pipelines.config import load_config

    os.environ.pop("HUB_WAREHOUSE_URL", None)  # the child inherits the environment
    settings = load_config(config)
    warehouse = sa.make_url(settings.warehouse.url).database
    for stale in (warehouse, settings.match_state):
        if stale:
            Path(stale).unlink(missing_ok=True)
    run = engine_run([str(HUB), "run", "--config", str(config)])
    return run, placed_records(config)


def splink_customers_apart(
    sources: Mapping[str, Path], threshold: float, out: Path
) -> tuple[EngineRun, pd.Series]:
    """`splink_customers` in a process of its own (this script with ``--engine splink``);
    the cluster of each record, by record id."""
    clusters = out / "splink_clusters.parquet"
    run = engine_run(
        [
            sys.executable,
            __file__,
            "--engine=splink",
            f"--threshold={threshold}",
            f"--clusters={clusters}",
            *(f"--source={name}={path}" for name, path in sources.items()),
        ]
    )
    placed = pd.read_parquet(clusters)
    return run, pd.Series(placed["cluster_id"].to_numpy(), index=placed["unique_id"])


# --- the run ---------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("/tmp/hub-vs-splink"))
    parser.add_argument(
        "--threshold", type=float, default=0.9, help="Splink's match probability to link at"
    )
    # What the script gives itself to run Splink in a process of its own.
    parser.add_argument("--engine", choices=["splink"], help=argparse.SUPPRESS)
    parser.add_argument("--clusters", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--source", action="append", default=[], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.engine == "splink":
        sources = dict(source.split("=", 1) for source in args.source)
        customers = splink_customers({n: Path(p) for n, p in sources.items()}, args.threshold)
        customers.to_parquet(args.clusters)
        return
    compare(
        args.people, args.seed, args.out / f"people-{args.people}-seed-{args.seed}", args.threshold
    )


def compare(people: int, seed: int, out: Path, threshold: float) -> None:
    """Generate the sources, run both engines on them, and print the comparison."""
    # Imported here, not at the top: the Splink process imports nothing of the hub.
    from demo import generate_demo
    from matching.evaluation import pairwise_scores

    started = time.perf_counter()
    demo = generate_demo(out, people=people, seed=seed)
    records = sum(demo.record_counts.values())
    print(
        f"people {people:,}, seed {seed}: {records:,} source records in {out} "
        f"({time.perf_counter() - started:.1f} s to generate)"
    )
    print("  " + ", ".join(f"{name} {count:,}" for name, count in demo.record_counts.items()))

    truth = pd.read_csv(demo.truth, dtype=str, keep_default_na=False)
    truth = truth[truth["source_key"] != ""].drop_duplicates(["source", "source_key"])
    person = pd.Series(
        truth["person_id"].to_numpy(), index=truth["source"] + ":" + truth["source_key"]
    )

    print(f"\nhub run --config {demo.config}")
    hub_run, hub_placed = hub_customers(demo.config)
    print(hub_run.output)
    print(f"\nSplink, in {Path(__file__).name} --engine splink")
    splink_run, splink_placed = splink_customers_apart(demo.sources, threshold, out)
    print(splink_run.output)

    print(
        f"\n{'engine':<20} {'wall s':>8} {'peak MB':>8} {'F1':>7} {'precision':>9} {'recall':>7}"
        f" {'placed':>10}"
    )
    for engine, run, placed in (
        ("hub", hub_run, hub_placed),
        (f"Splink {splink.__version__} at {threshold}", splink_run, splink_placed),
    ):
        # A record the engine did not place is a customer of its own (no label, no pair).
        scores = pairwise_scores(placed.reindex(person.index), person)
        print(
            f"{engine:<20} {run.seconds:>8.1f} {run.peak_mb:>8,.0f} {scores.f1:>7.4f} "
            f"{scores.precision:>9.4f} {scores.recall:>7.4f} "
            f"{placed.index.isin(person.index).sum():>10,}"
        )
    print(
        f"hub / Splink: {hub_run.seconds / splink_run.seconds:.2f}× the time, "
        f"{hub_run.peak_mb / splink_run.peak_mb:.2f}× the memory"
    )

    print(f"\nhub run --config {demo.config}, again: every source unchanged")
    rerun = engine_run([str(HUB), "run", "--config", str(demo.config)])
    print(rerun.output)
    print(
        f"hub rerun, nothing changed: {rerun.seconds:.1f} s "
        f"({rerun.seconds / hub_run.seconds:.1%} of the first run), peak {rerun.peak_mb:,.0f} MB"
    )

    added = add_newcomers(demo.config, out / "newcomers", people=max(people // 100, 1), seed=seed)
    print(f"\nhub run --config {demo.config}, again: {added:,} records of 1% new people added")
    grown = engine_run([str(HUB), "run", "--config", str(demo.config)])
    print(grown.output)
    merged, split = merged_and_split(hub_placed, placed_records(demo.config))
    print(
        f"hub rerun, 1% new people: {grown.seconds:.1f} s "
        f"({grown.seconds / hub_run.seconds:.1%} of the first run), peak {grown.peak_mb:,.0f} MB; "
        f"existing customers merged into others: {merged:,}, split: {split:,}"
    )


# --- 1% new people ---------------------------------------------------------------------


def add_newcomers(config: Path, out: Path, *, people: int, seed: int) -> int:
    """Add the customer records of `people` new people (another seed's) to every customer
    source of `config`, each key made one no source used; returns the records added."""
    import json
    import sqlite3

    import sqlalchemy as sa

    from demo import generate_demo
    from pipelines.config import load_config

    newcomers = generate_demo(out, people=people, seed=seed + 1_000)
    settings = load_config(config)
    added = 0
    for name in newcomers.sources:
        source = settings.sources[name]
        key, connector = str(source.primary_key), source.connector.model_dump()
        # The config holds each file's path made absolute: the newcomers' file of that name.
        if connector["kind"] == "csv":
            path = Path(connector["path"])
            rows = pd.read_csv(out / path.name, dtype=str, keep_default_na=False)
            rows[key] = "N" + rows[key]
            rows.to_csv(path, mode="a", header=False, index=False)
        elif connector["kind"] == "jsonl":
            path = Path(connector["path"])
            lines = (out / path.name).read_text(encoding="utf-8").splitlines()
            rows = pd.DataFrame([json.loads(line) for line in lines])
            rows[key] = "N" + rows[key]
            with path.open("a", encoding="utf-8") as into:
                for row in rows.to_dict("records"):
                    into.write(json.dumps(row, ensure_ascii=False) + "\n")
        else:  # the legacy CRM: a SQLite table numbered by integers
            database = config.parent / str(sa.make_url(connector["url"]).database)
            with sqlite3.connect(out / database.name) as new:
                rows = pd.read_sql(f"SELECT * FROM {connector['table']}", new)
            rows[key] = rows[key].astype("int64") + 100_000_000
            with sqlite3.connect(database) as old:
                rows.to_sql(connector["table"], old, if_exists="append", index=False)
        added += len(rows)
    return added


def placed_records(config: Path) -> pd.Series:
    """The golden id of each record the warehouse of `config` placed, by record id."""
    from pipelines.config import load_config
    from warehouse import connect, placed_records

    engine = connect(load_config(config).warehouse.url)
    placed = placed_records(engine)
    engine.dispose()
    return placed


def merged_and_split(before: pd.Series, after: pd.Series) -> tuple[int, int]:
    """Of the customers `before` holds (golden id by record id), how many share a customer
    `after` with another of them (merged), and how many are spread over several (split)."""
    kept = before.index.intersection(after.index)
    pairs = pd.DataFrame({"before": before[kept].to_numpy(), "after": after[kept].to_numpy()})
    merged = pairs.groupby("after")["before"].nunique()
    split = pairs.groupby("before")["after"].nunique()
    return int(merged[merged > 1].sum()), int((split > 1).sum())


if __name__ == "__main__":
    main()
