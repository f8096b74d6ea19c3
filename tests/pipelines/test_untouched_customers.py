"""A run keeps the customers no new or changed record touches, whatever the scores say,
and `hub run --full` clusters every customer anew."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from demo import generate_demo
from pipelines.config import HubConfig, load_config
from pipelines.runner import run_hub

NEWCOMERS = [
    {
        "customer_id": f"WS-NEW-{n}",
        "email": f"{given.lower()}.{family.lower()}@example.net",
        "first_name": given,
        "last_name": family,
        "date_of_birth": f"19{60 + n}-0{n + 1}-1{n}",
        "zip": f"9{n}123",
        "city": "Tromsø",
        "country": "Norge",
        "updated_at": "2026-12-01T10:00:00+00:00",
    }
    for n, (given, family) in enumerate(
        [("Ingvild", "Aarsæther"), ("Bjørnar", "Qvigstad"), ("Sunniva", "Ødegårdshaug")]
    )
]


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    os.environ.pop("HUB_WAREHOUSE_URL", None)
    demo = generate_demo(tmp_path / "demo", people=300, seed=5)
    config = demo.config.read_text(encoding="utf-8")
    demo.config.write_text(config + "data_docs: null\n", encoding="utf-8")
    return demo.config


def _run(config_path: Path, *, full: bool = False) -> tuple[HubConfig, dict[str, object]]:
    config = load_config(config_path)
    run = run_hub(config, full=full)
    engine = sa.create_engine(config.warehouse.url)
    with engine.connect() as connection:
        summary = connection.execute(
            sa.text("SELECT summary FROM hub_run WHERE run_id = :run"), {"run": run.run_id}
        ).scalar_one()
    engine.dispose()
    return config, json.loads(summary) if isinstance(summary, str) else summary


def _customers(config: HubConfig) -> dict[frozenset[str], str]:
    """Each golden customer's source records, with its golden id."""
    engine = sa.create_engine(config.warehouse.url)
    with engine.connect() as connection:
        xref = pd.read_sql_table("customer_xref", connection)
    engine.dispose()
    keys = xref["source"] + ":" + xref["source_key"]
    return {frozenset(group): golden for golden, group in keys.groupby(xref["golden_id"])}


def _score_differently(config: HubConfig) -> None:
    """Make the saved model far less ready to link, as a model trained anew can be."""
    engine = sa.create_engine(config.warehouse.url)
    with engine.begin() as connection:
        saved = connection.execute(sa.text("SELECT version, model FROM match_model")).one()
        model = json.loads(saved.model) if isinstance(saved.model, str) else saved.model
        model["prior"] = model["prior"] / 5_000
        connection.execute(
            sa.text("UPDATE match_model SET model = :model WHERE version = :version"),
            {"model": json.dumps(model), "version": saved.version},
        )
    engine.dispose()


@pytest.mark.slow
def test_new_unrelated_people_merge_or_split_no_existing_customer(config_path: Path) -> None:
    config, first = _run(config_path)
    before = _customers(config)
    _score_differently(config)
    shop = config_path.parent / "webshop_customers.csv"
    rows = pd.read_csv(shop, dtype=str, keep_default_na=False)
    pd.concat([rows, pd.DataFrame(NEWCOMERS)]).fillna("").to_csv(shop, index=False)

    config, second = _run(config_path)

    assert second["model"]["version"] == first["model"]["version"] == 1
    assert not second["model"]["trained"]
    after = _customers(config)
    assert {records: after.get(records) for records in before} == before
    assert len(after) == len(before) + len(NEWCOMERS)
    assert second["customers_kept"] == len(before) and second["golden_ids_retired"] == 0

    # Asked to, the run clusters every customer anew with the scores as they now are.
    config, third = _run(config_path, full=True)
    assert third["customers_kept"] == 0 and third["customers_reevaluated"] == "asked for"
    split = set(before) - set(_customers(config))
    assert len(split) > 10


@pytest.mark.slow
def test_changed_matching_settings_cluster_every_customer_anew(config_path: Path) -> None:
    _run(config_path)
    text = config_path.read_text(encoding="utf-8")
    config_path.write_text(text + "matching: {link_threshold: 0.95}\n", encoding="utf-8")

    _, summary = _run(config_path)

    assert summary["customers_kept"] == 0
    assert summary["customers_reevaluated"] == "the matching settings changed since the last run"
