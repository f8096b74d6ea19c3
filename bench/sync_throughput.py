"""Time syncing a big customer source into the warehouse's landing, phase by phase.

Usage: python bench/sync_throughput.py [--rows 1000000] [--seed 7]
           [--source csv postgresql] [--warehouse sqlite postgresql] [--out /tmp/hub-sync-bench]
           [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test] [--batch-rows N]

Generates a customer table (ids, names, e-mail, phone, street, postcode, city, country,
birth date, updated_at), writes it as a CSV file and as a table in a scratch schema on
the PostgreSQL server, and lands it with ``sync_source`` three times:

- ``first``: the first full sync, every row new;
- ``again``: a full sync of the same data, every row unchanged;
- ``1% changed``: after 1% of the rows changed, an incremental sync by the ``updated_at``
  cursor for the PostgreSQL source, a full refresh for the CSV file.

Prints seconds, rows read per second and the peak resident memory of each phase. Scratch
schemas and files are removed afterwards.
"""

from __future__ import annotations

import argparse
import io
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

from connectors import BATCH_ROWS
from pipelines.config import SourceSettings
from pipelines.stages import sync_source
from warehouse import SyncFigures, connect

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


GIVEN_NAMES = _words(
    "Anna Ben Clara David Emma Felix Greta Hans Ida Jonas Karin Lukas Maria Noah Olga "
    "Paul Rosa Sven Tanja Uwe Vera Wilhelm Yusuf Zoe Ahmet Chiara Dmitri Elena Fatima "
    "Giorgio Hannah Igor Julia Kemal Lea Mehmet Nina Oskar Petra Quentin"
)
FAMILY_NAMES = _words(
    "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch "
    "Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann "
    "Hartmann Lange Schmitt Werner Krause Meier Lehmann Schmid Schulze Maier Köhler "
    "Herrmann König Walter Yilmaz Kaya Rossi Novak Nowak"
)
STREETS = _words(
    "Hauptstraße Schulstraße Gartenstraße Bahnhofstraße Dorfstraße Bergstraße "
    "Birkenweg Lindenstraße Kirchstraße Waldstraße Ringstraße Marktplatz Mühlenweg "
    "Rosenweg Feldweg"
)
CITIES = _words(
    "Berlin Hamburg München Köln Frankfurt Stuttgart Düsseldorf Leipzig Dortmund Essen "
    "Bremen Dresden Hannover Nürnberg Wien Graz Zürich Basel"
)
MAIL_DOMAINS = ("example.com", "mail.example.de", "post.example.at", "web.example.ch")
COUNTRIES = ("DE", "DE", "DE", "DE", "AT", "CH")


def customers(rows: int, seed: int) -> pd.DataFrame:
    """``rows`` made-up customers, the same for the same seed."""
    rng = np.random.default_rng(seed)
    ids = np.arange(1, rows + 1)
    given = np.array(GIVEN_NAMES, dtype=object)[rng.integers(0, len(GIVEN_NAMES), rows)]
    family = np.array(FAMILY_NAMES, dtype=object)[rng.integers(0, len(FAMILY_NAMES), rows)]
    domain = np.array(MAIL_DOMAINS, dtype=object)[rng.integers(0, len(MAIL_DOMAINS), rows)]
    email = pd.Series(given).str.lower() + "." + pd.Series(ids).astype(str) + "@" + domain
    phone = "+49 " + pd.Series(rng.integers(150_000_000, 179_999_999, rows)).astype(str)
    street = (
        pd.Series(np.array(STREETS, dtype=object)[rng.integers(0, len(STREETS), rows)])
        + " "
        + pd.Series(rng.integers(1, 200, rows)).astype(str)
    )
    birth = np.datetime64("1940-01-01") + rng.integers(0, 60 * 365, rows).astype("timedelta64[D]")
    updated = np.datetime64("2026-01-01T00:00:00") + rng.integers(0, 300 * 86_400, rows).astype(
        "timedelta64[s]"
    )
    frame = pd.DataFrame(
        {
            "customer_id": ids,
            "given_name": given,
            "family_name": family,
            "email": email,
            "phone": phone,
            "street": street,
            "postcode": pd.Series(rng.integers(1_000, 99_999, rows)).astype(str).str.zfill(5),
            "city": np.array(CITIES, dtype=object)[rng.integers(0, len(CITIES), rows)],
            "country": np.array(COUNTRIES, dtype=object)[rng.integers(0, len(COUNTRIES), rows)],
            "birth_date": birth,
            "updated_at": updated,
        }
    )
    # Real sources have gaps: 5% without phone, 2% without birth date.
    frame.loc[rng.random(rows) < 0.05, "phone"] = None
    frame.loc[rng.random(rows) < 0.02, "birth_date"] = pd.NaT
    return frame


def change_one_percent(frame: pd.DataFrame) -> pd.DataFrame:
    """Every hundredth customer with a new e-mail address and a later ``updated_at``."""
    changed = frame["customer_id"] % 100 == 0
    frame = frame.copy()
    frame.loc[changed, "email"] = "moved." + frame.loc[changed, "email"]
    frame.loc[changed, "updated_at"] = pd.Timestamp("2027-01-01")
    return frame


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, date_format="%Y-%m-%d %H:%M:%S")


SOURCE_COLUMNS = """
    customer_id bigint primary key, given_name text, family_name text, email text,
    phone text, street text, postcode text, city text, country text, birth_date date,
    updated_at timestamp
"""


def write_table(engine: sa.Engine, frame: pd.DataFrame) -> None:
    """``frame`` as the table ``customers`` of the engine's schema, by COPY."""
    text = io.StringIO()
    frame.to_csv(text, index=False, header=False, date_format="%Y-%m-%d %H:%M:%S")
    with engine.begin() as connection:
        connection.execute(sa.text(f"CREATE TABLE customers ({SOURCE_COLUMNS})"))
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy("COPY customers FROM STDIN (FORMAT csv)") as copy:
            copy.write(text.getvalue())
        connection.execute(sa.text("CREATE INDEX ON customers (updated_at)"))
        connection.execute(sa.text("ANALYZE customers"))


def change_table(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "UPDATE customers SET email = 'moved.' || email, "
                "updated_at = TIMESTAMP '2027-01-01' WHERE customer_id % 100 = 0"
            )
        )


@contextmanager
def scratch_schema(server_url: str) -> Iterator[str]:
    """A URL on a new schema of the server (its search path), dropped afterwards."""
    server = sa.create_engine(server_url)
    schema = f"hub_bench_{uuid.uuid4().hex[:10]}"
    with server.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = server.url.update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with server.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        server.dispose()


FIELDS = {
    "given_name": "given_name",
    "family_name": "family_name",
    "email": "email",
    "phone": "phone",
    "street": "street",
    "postcode": "postcode",
    "city": "city",
    "country": "country",
    "birth_date": "birth_date",
}


def csv_source(path: Path) -> SourceSettings:
    return SourceSettings.model_validate(
        {
            "connector": {"kind": "csv", "path": str(path)},
            "primary_key": "customer_id",
            "trust_rank": 1,
            "fields": FIELDS,
            "sync": {"mode": "full_refresh"},
        }
    )


def table_source(url: str) -> SourceSettings:
    return SourceSettings.model_validate(
        {
            "connector": {
                "kind": "sql",
                "url": url,
                "table": "customers",
                "cursor_column": "updated_at",
            },
            "primary_key": "customer_id",
            "trust_rank": 2,
            "fields": FIELDS,
            "sync": {"mode": "incremental"},
        }
    )


def _peak_kib() -> int:
    status = Path("/proc/self/status").read_text()
    found = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(found.group(1)) if found else 0


def _reset_peak() -> None:
    # Writing 5 resets the peak resident size (VmHWM) to the current one (Linux 4.0+).
    Path("/proc/self/clear_refs").write_text("5")


@dataclass
class Phase:
    source: str
    warehouse: str
    phase: str
    seconds: float
    figures: SyncFigures
    peak_mb: float

    @property
    def rows_per_second(self) -> float:
        return self.figures.rows_read / self.seconds if self.seconds else 0.0


def timed_sync(source: str, warehouse: str, phase: str, work: Callable[[], SyncFigures]) -> Phase:
    _reset_peak()
    started = time.perf_counter()
    figures = work()
    seconds = time.perf_counter() - started
    result = Phase(source, warehouse, phase, seconds, figures, _peak_kib() / 1024)
    print(
        f"  {source:<10} → {warehouse:<10} {phase:<11} {seconds:7.1f} s "
        f"{result.rows_per_second:>10,.0f} rows/s {result.peak_mb:7.0f} MB  "
        f"(read {figures.rows_read:,}, new {figures.new:,}, changed {figures.changed:,}, "
        f"unchanged {figures.unchanged:,})",
        flush=True,
    )
    return result


@contextmanager
def warehouse_engine(kind: str, out: Path, server_url: str) -> Iterator[sa.Engine]:
    if kind == "sqlite":
        path = out / "warehouse.sqlite"
        for leftover in out.glob("warehouse.sqlite*"):
            leftover.unlink()
        engine = connect(f"sqlite:///{path}")
        try:
            yield engine
        finally:
            engine.dispose()
        return
    with scratch_schema(server_url) as url:
        engine = connect(url)
        try:
            yield engine
        finally:
            engine.dispose()


def bench_csv(args: argparse.Namespace, warehouse: str) -> list[Phase]:
    path = args.out / "customers.csv"
    write_csv(customers(args.rows, args.seed), path)
    source = csv_source(path)
    phases = []
    with warehouse_engine(warehouse, args.out, args.postgres) as engine:

        def sync() -> SyncFigures:
            return sync_source(engine, "shop", source, batch_rows=args.batch_rows)

        phases.append(timed_sync("csv", warehouse, "first", sync))
        phases.append(timed_sync("csv", warehouse, "again", sync))
        write_csv(change_one_percent(customers(args.rows, args.seed)), path)
        phases.append(timed_sync("csv", warehouse, "1% changed", sync))
    path.unlink()
    return phases


def bench_table(args: argparse.Namespace, warehouse: str) -> list[Phase]:
    phases = []
    with scratch_schema(args.postgres) as crm_url:
        crm = sa.create_engine(crm_url)
        write_table(crm, customers(args.rows, args.seed))
        source = table_source(crm_url)
        with warehouse_engine(warehouse, args.out, args.postgres) as engine:

            def sync(full_refresh: bool) -> Callable[[], SyncFigures]:
                return lambda: sync_source(
                    engine, "crm", source, full_refresh=full_refresh, batch_rows=args.batch_rows
                )

            phases.append(timed_sync("postgresql", warehouse, "first", sync(False)))
            phases.append(timed_sync("postgresql", warehouse, "again", sync(True)))
            change_table(crm)
            phases.append(timed_sync("postgresql", warehouse, "1% changed", sync(False)))
        crm.dispose()
    return phases


def print_table(phases: list[Phase]) -> None:
    print()
    print("| source | warehouse | phase | rows read | seconds | rows/s | peak MB |")
    print("|---|---|---|---|---|---|---|")
    for p in phases:
        print(
            f"| {p.source} | {p.warehouse} | {p.phase} | {p.figures.rows_read:,} | "
            f"{p.seconds:.1f} | {p.rows_per_second:,.0f} | {p.peak_mb:,.0f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--source", nargs="+", choices=("csv", "postgresql"), default=["csv", "postgresql"]
    )
    parser.add_argument(
        "--warehouse", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"]
    )
    parser.add_argument("--out", type=Path, default=Path("/tmp/hub-sync-bench"))
    parser.add_argument("--postgres", default=POSTGRES_URL, help="server for scratch schemas")
    parser.add_argument("--batch-rows", type=int, default=BATCH_ROWS)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    phases: list[Phase] = []
    for source in args.source:
        for warehouse in args.warehouse:
            run = bench_csv if source == "csv" else bench_table
            phases += run(args, warehouse)
    print_table(phases)
    shutil.rmtree(args.out, ignore_errors=True)


if __name__ == "__main__":
    main()
