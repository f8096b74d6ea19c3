"""A publish killed halfway leaves the previous warehouse whole, and the next one lands.

The publish runs in a child process that is killed with SIGKILL while its transaction is
writing: no rollback handler, no clean shutdown, as when a machine loses power.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from matching import FellegiSunterModel
from matching.scoring import ComparisonParameters
from warehouse import Publication, TrainedModel, connect, publish
from warehouse.match_models import SavedModel

ROOT = Path(__file__).parents[2]
STARTED = dt.datetime(2026, 11, 2, 8, 30, tzinfo=dt.UTC)
MODEL = FellegiSunterModel(
    prior=0.01,
    comparisons=(
        ComparisonParameters(
            name="email",
            level_labels=("missing", "different", "exact"),
            m=(1.0, 0.1, 0.9),
            u=(1.0, 0.99, 0.01),
        ),
    ),
)


def customers(
    run_id: str, count: int, model: TrainedModel | SavedModel | None = None
) -> Publication:
    """A run publishing `count` one-record customers named after the run."""
    keys = [f"{n:07d}" for n in range(count)]
    golden_ids = [f"GC-{run_id}-{key}" for key in keys]
    names = [f"{run_id} {key}" for key in keys]
    records = pd.DataFrame(
        {"source": "crm", "source_key": keys, "given_name": names, "family_name": "Kill"}
    )
    return Publication(
        run_id=run_id,
        started_at=STARTED,
        sources=("crm",),
        records=records,
        quarantine=pd.DataFrame(columns=["source", "source_key", "rule", "detail"]),
        golden=pd.DataFrame(
            {
                "golden_id": golden_ids,
                "given_name": names,
                "family_name": "Kill",
                "record_count": 1,
                "sources": "crm",
                "created_at": pd.NaT,
            }
        ),
        xref=pd.DataFrame(
            {"source": "crm", "source_key": keys, "golden_id": golden_ids, "placed_by": "single"}
        ),
        lineage=pd.DataFrame(
            {
                "golden_id": golden_ids,
                "field": "given_name",
                "source": "crm",
                "source_key": keys,
                "rule": "only_value",
            }
        ),
        redirects=pd.DataFrame(columns=["retired_id", "golden_id"]),
        split_from=pd.Series(dtype=object),
        pairs=pd.DataFrame(columns=["record_id_l", "record_id_r"]),
        model=model
        or TrainedModel(model=MODEL, trained_at=STARTED, records=count, candidate_pairs=0),
        interactions=pd.DataFrame(columns=["source", "source_key"]),
        summary={"golden_customers": count},
    )


def _state(engine: sa.Engine) -> dict[str, object]:
    """What a reader sees: runs, and per table the row count and the runs behind the rows."""
    with engine.connect() as connection:
        runs = connection.execute(sa.text("SELECT run_id FROM hub_run ORDER BY run_id")).scalars()
        state: dict[str, object] = {"runs": list(runs)}
        for table in ("golden_customer", "customer_xref", "customer_record", "golden_lineage"):
            count = connection.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar_one()
            state[table] = count
        names = connection.execute(sa.text("SELECT DISTINCT family_name FROM golden_customer"))
        state["family_names"] = sorted(names.scalars())
        current = connection.execute(
            sa.text("SELECT COUNT(*) FROM golden_customer_history WHERE is_current")
        ).scalar_one()
        state["current_versions"] = current
    return state


def _writing(url: str, child: subprocess.Popen[bytes], application: str) -> bool:
    """Whether the child's publishing transaction has begun writing rows."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        wal = Path(f"{parsed.database}-wal")
        return wal.exists() and wal.stat().st_size > 4_000_000
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        writing = connection.execute(
            sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = :name "
                "AND xact_start IS NOT NULL AND (query ILIKE 'COPY%' OR query ILIKE 'INSERT%')"
            ),
            {"name": application},
        ).scalar_one()
    engine.dispose()
    return writing > 0


def test_a_publish_killed_midway_leaves_the_previous_state_and_the_next_run_lands(
    warehouse_url: str, tmp_path: Path
) -> None:
    engine = connect(warehouse_url)
    publish(engine, customers("run1", 300))
    before = _state(engine)

    application = f"hub-publish-{uuid.uuid4().hex[:8]}"
    url = warehouse_url
    if make_url(url).get_backend_name() == "postgresql":
        url = (
            make_url(url)
            .update_query_dict({"application_name": application})
            .render_as_string(hide_password=False)
        )
    script = tmp_path / "publish_child.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import sys
            sys.path[:0] = [{str(ROOT)!r}, {str(Path(__file__).parent)!r}]
            from test_atomic_publish import customers
            from warehouse import connect, publish
            publish(connect({url!r}), customers("run2", 400_000))
            """
        ),
        encoding="utf-8",
    )
    child = subprocess.Popen([sys.executable, str(script)], env={**os.environ})
    try:
        deadline = time.monotonic() + 120
        while not _writing(warehouse_url, child, application):
            assert child.poll() is None, "the publish ended before it could be killed"
            assert time.monotonic() < deadline, "the publish never began writing"
            time.sleep(0.05)
        # Mid-publish, a reader still sees the previous run, whole.
        assert _state(engine) == before
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
    engine.dispose()

    engine = connect(warehouse_url)
    assert _state(engine) == before
    publish(engine, customers("run3", 500))
    after = _state(engine)
    assert after["runs"] == ["run1", "run3"]
    assert after["golden_customer"] == after["customer_xref"] == after["current_versions"] == 500
    assert after["family_names"] == ["Kill"]
    engine.dispose()
