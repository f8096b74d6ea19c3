"""Hub runs keep the pairs they compared, and the next run compares only what changed."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from demo import generate_demo
from matching import MatchSettings, link_records, load_compared, match_state, save_compared
from pipelines.config import HubConfig, load_config
from pipelines.runner import run_hub


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    os.environ.pop("HUB_WAREHOUSE_URL", None)
    demo = generate_demo(tmp_path / "demo", people=300, seed=5)
    config = demo.config.read_text(encoding="utf-8")
    demo.config.write_text(config + "data_docs: null\n", encoding="utf-8")
    return demo.config


def _run(config_path: Path, *, full: bool = False) -> tuple[HubConfig, dict[str, int]]:
    """Run the hub; return its config and the run's pairs: candidates and compared."""
    config = load_config(config_path)
    run = run_hub(config, full=full)
    engine = sa.create_engine(config.warehouse.url)
    with engine.connect() as connection:
        summary = connection.execute(
            sa.text("SELECT summary FROM hub_run WHERE run_id = :run"), {"run": run.run_id}
        ).scalar_one()
    engine.dispose()
    summary = json.loads(summary) if isinstance(summary, str) else summary
    candidates = sum(p["new_pairs"] for p in summary["candidate_pairs"].values())
    return config, {"candidates": candidates, "compared": summary["pairs_compared"]}


def _customers(config: HubConfig) -> set[frozenset[str]]:
    """Each golden customer as the set of its source records: ids aside, who is with whom."""
    engine = sa.create_engine(config.warehouse.url)
    with engine.connect() as connection:
        xref = pd.read_sql_table("customer_xref", connection)
    engine.dispose()
    keys = xref["source"] + ":" + xref["source_key"]
    return {frozenset(group) for group in keys.groupby(xref["golden_id"]).agg(list)}


@pytest.mark.slow
def test_a_run_compares_only_pairs_touching_what_changed_and_equals_a_full_run(
    config_path: Path, tmp_path: Path
) -> None:
    _, first = _run(config_path)
    assert first["compared"] == first["candidates"] > 0

    _, again = _run(config_path, full=True)
    assert again == {"candidates": first["candidates"], "compared": 0}

    # One customer of the web shop gives a new e-mail address.
    shop = config_path.parent / "webshop_customers.csv"
    rows = pd.read_csv(shop, dtype=str, keep_default_na=False)
    rows.loc[0, "email"] = "a.new.address@example.org"
    rows.to_csv(shop, index=False)
    config, changed = _run(config_path)
    assert 0 < changed["compared"] < changed["candidates"] / 20

    # Another warehouse beside the same config reuses nothing the first one's runs kept.
    other = f"sqlite:///{tmp_path / 'other.sqlite'}"
    os.environ["HUB_WAREHOUSE_URL"] = other
    try:
        _, elsewhere = _run(config_path)
    finally:
        del os.environ["HUB_WAREHOUSE_URL"]
    assert elsewhere["compared"] == elsewhere["candidates"] == changed["candidates"]

    # The same sources run afresh, keeping nothing between runs, agree customer for customer.
    fresh = tmp_path / "fresh"
    shutil.copytree(config_path.parent, fresh)
    for kept in ("warehouse.sqlite", "match_state.npz"):
        (fresh / kept).unlink()
    fresh_config, full = _run(fresh / config_path.name)
    assert full["compared"] == full["candidates"] == changed["candidates"]
    assert _customers(fresh_config) == _customers(config)


def test_kept_pairs_for_other_comparisons_are_passed_over(tmp_path: Path) -> None:
    records = _records()
    kept = tmp_path / "match_state.npz"
    save_compared(kept, link_records(records).compared, MatchSettings(), run_id="run-1")

    loaded = load_compared(kept, MatchSettings(), published_by="run-1")
    assert loaded is not None
    assert link_records(records, previous=loaded).compared.compared == 0
    with_attribute = MatchSettings(attributes={"customer_no": {"comparison": "exact"}})
    assert load_compared(kept, with_attribute, published_by="run-1") is None


def test_kept_pairs_are_passed_over_unless_the_run_that_kept_them_published(
    tmp_path: Path,
) -> None:
    kept = tmp_path / "match_state.npz"
    save_compared(kept, link_records(_records()).compared, MatchSettings(), run_id="run-1")
    assert load_compared(kept, MatchSettings(), published_by="run-1") is not None
    # Another warehouse beside the same config, or one whose last run did not publish.
    assert load_compared(kept, MatchSettings(), published_by="run-0") is None
    assert load_compared(kept, MatchSettings(), published_by=None) is None


def test_kept_pairs_written_by_other_code_are_passed_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = tmp_path / "match_state.npz"
    save_compared(kept, link_records(_records()).compared, MatchSettings(), run_id="run-1")
    assert load_compared(kept, MatchSettings(), published_by="run-1") is not None
    # As after an upgrade that changes how levels are computed, but not their names.
    monkeypatch.setattr(match_state, "_code_version", lambda: "another release")
    assert load_compared(kept, MatchSettings(), published_by="run-1") is None


def test_an_unreadable_file_of_kept_pairs_means_comparing_every_pair(tmp_path: Path) -> None:
    kept = tmp_path / "match_state.npz"
    kept.write_bytes(b"half a file")
    assert load_compared(kept, MatchSettings(), published_by="run-1") is None
    assert load_compared(tmp_path / "none.npz", MatchSettings(), published_by="run-1") is None


def test_pairs_that_cannot_be_kept_do_not_stop_the_run(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    kept = tmp_path / "a-file" / "match_state.npz"
    save_compared(kept, link_records(_records()).compared, MatchSettings(), run_id="run-1")
    assert "could not keep the compared pairs" in caplog.text


def _records() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    names = ["Anna", "Lars", "Nora", "Ole"]
    rows = [
        {
            "record_id": f"s{copy}:{person}",
            "source": f"s{copy}",
            "source_key": str(person),
            "given_name": names[person % 4],
            "family_name": f"Berg{person}",
            "email": f"p{person}@x.no" if rng.random() < 0.7 else None,
            "postcode": f"{1000 + person}",
        }
        for person in range(40)
        for copy in range(2)
    ]
    return pd.DataFrame(rows)
