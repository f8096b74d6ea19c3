"""Two `hub run` on one warehouse: the second waits for the first, or says who holds it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from pipelines.config import WAREHOUSE_URL_ENV

CONFIG = """
warehouse:
  lock_wait_seconds: {wait}
sources:
  billing:
    connector: {{kind: csv, path: billing.csv}}
    primary_key: id
    trust_rank: 1
    fields: {{family_name: surname, given_name: first, email: mail, birth_date: born}}
"""

BILLING = (
    "id,surname,first,mail,born\n"
    "1,Berg,Ola,ola@example.no,1970-03-01\n"
    "2,Dahl,Kari,kari@example.no,1982-11-30\n"
    "3,Berg,Ola,ola.berg@example.no,1970-03-01\n"
)

HOLD = """
import sys, time
from warehouse import connect, warehouse_lock
with warehouse_lock(connect(sys.argv[1]), "nightly-run", wait_seconds=0):
    print("held", flush=True)
    time.sleep(120)
"""

ROOT = Path(__file__).parents[2]


def _project(folder: Path, wait: int) -> Path:
    (folder / "billing.csv").write_text(BILLING, encoding="utf-8")
    config = folder / "hub.yaml"
    config.write_text(CONFIG.format(wait=wait), encoding="utf-8")
    return config


def _hub(config: Path, url: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines", *args, "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, WAREHOUSE_URL_ENV: url},
    )


@pytest.mark.slow
def test_two_runs_at_once_both_publish_one_after_the_other(
    tmp_path: Path, warehouse_url: str
) -> None:
    config = _project(tmp_path, wait=300)
    # Each runs every stage, though the second finds nothing changed.
    runs = [_hub(config, warehouse_url, "run", "--full") for _ in range(2)]
    done = [run.communicate(timeout=600) for run in runs]

    for run, (out, err) in zip(runs, done, strict=True):
        assert run.returncode == 0, out + err
        assert "Traceback" not in err
    engine = sa.create_engine(warehouse_url)
    with engine.connect() as connection:
        runs_recorded = pd.read_sql_table("hub_run", connection)
        models = pd.read_sql_table("match_model", connection)
        golden = pd.read_sql_table("golden_customer", connection)
    engine.dispose()
    assert runs_recorded["finished_at"].notna().sum() == 2
    assert models["version"].is_unique
    assert len(golden) == 2


def test_a_run_while_another_holds_the_warehouse_names_it_and_changes_nothing(
    tmp_path: Path, warehouse_url: str
) -> None:
    config = _project(tmp_path, wait=1)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, warehouse_url], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        second = _hub(config, warehouse_url, "run")
        out, err = second.communicate(timeout=300)
    finally:
        holder.kill()
        holder.wait()

    assert second.returncode == 1, out + err
    assert "Waiting up to 1 s for run nightly-run (started " in err
    assert "hub: run nightly-run (started " in err
    assert "this run waited 1 s for it" in err
    assert "Traceback" not in err
    engine = sa.create_engine(warehouse_url)
    with engine.connect() as connection:
        assert pd.read_sql_table("source_record", connection).empty
        assert pd.read_sql_table("hub_run", connection).empty
    engine.dispose()
