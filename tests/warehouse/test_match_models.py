"""Saved versions of the match model: numbered per trained model, reused by version."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from matching import FellegiSunterModel
from matching.scoring import ComparisonParameters
from warehouse import (
    Publication,
    SavedModel,
    TrainedModel,
    WarehouseError,
    connect,
    latest_model,
    publish,
    run_summary,
    saved_models,
)

TRAINED_AT = dt.datetime(2026, 11, 2, 8, 30, tzinfo=dt.UTC)

MODEL = FellegiSunterModel(
    prior=0.01,
    iterations=7,
    converged=True,
    comparisons=(
        ComparisonParameters(
            name="email",
            level_labels=("missing", "different", "exact"),
            m=(1.0, 0.1, 0.9),
            u=(1.0, 0.99, 0.01),
        ),
    ),
)


def _publication(run_id: str, model: TrainedModel | SavedModel) -> Publication:
    """A run that publishes one scored pair and nothing else."""
    nothing = pd.DataFrame()
    pairs = pd.DataFrame(
        {
            "record_id_l": ["crm:1"],
            "record_id_r": ["web:1"],
            "match_weight": [12.5],
            "match_probability": [0.99],
            "decision": ["link"],
            "decided_by": ["score"],
        }
    )
    return Publication(
        run_id=run_id,
        started_at=TRAINED_AT,
        sources=(),
        records=nothing,
        quarantine=nothing,
        golden=pd.DataFrame(columns=["golden_id", "record_count", "sources", "created_at"]),
        xref=pd.DataFrame(columns=["source", "source_key", "golden_id", "placed_by"]),
        lineage=nothing,
        redirects=pd.DataFrame(columns=["retired_id", "golden_id"]),
        split_from=pd.Series(dtype=object),
        pairs=pairs,
        model=model,
        interactions=nothing,
    )


def _trained(model: FellegiSunterModel = MODEL) -> TrainedModel:
    return TrainedModel(model=model, trained_at=TRAINED_AT, records=2, candidate_pairs=1)


def _pair_versions(engine: sa.Engine) -> list[int]:
    with engine.connect() as connection:
        return connection.execute(sa.text("SELECT model_version FROM match_pair")).scalars().all()


def test_each_trained_model_is_saved_as_the_next_version(warehouse_url: str) -> None:
    engine = connect(warehouse_url)

    assert publish(engine, _publication("run-1", _trained())) == 1
    assert publish(engine, _publication("run-2", _trained())) == 2

    saved = saved_models(engine)
    assert saved["version"].tolist() == [2, 1]
    assert saved["run_id"].tolist() == ["run-2", "run-1"]
    first = saved.iloc[1]
    assert (first["iterations"], bool(first["converged"])) == (7, True)
    assert (first["records"], first["candidate_pairs"]) == (2, 1)
    assert first["fingerprint"] == MODEL.fingerprint
    assert first["comparisons"] == "email"
    assert _pair_versions(engine) == [2]
    assert run_summary(engine, "run-2")["model"] == {
        "version": 2,
        "trained": True,
        "implausible": [],
    }
    latest = latest_model(engine, MODEL.fingerprint)
    assert latest is not None
    assert (latest.version, latest.run_id, latest.model) == (2, "run-2", MODEL)
    engine.dispose()


def test_a_reused_version_scores_the_pairs_and_adds_no_version(warehouse_url: str) -> None:
    engine = connect(warehouse_url)
    publish(engine, _publication("run-1", _trained()))
    saved = latest_model(engine, MODEL.fingerprint)
    assert saved is not None

    assert publish(engine, _publication("run-2", saved)) == 1

    assert saved_models(engine)["version"].tolist() == [1]
    assert _pair_versions(engine) == [1]
    assert run_summary(engine, "run-2")["model"] == {
        "version": 1,
        "trained": False,
        "implausible": [],
    }
    engine.dispose()


def test_only_a_version_for_the_same_comparisons_is_found(tmp_path: Path) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'warehouse.sqlite'}")
    phone = ComparisonParameters(
        name="phone",
        level_labels=("missing", "different", "exact"),
        m=MODEL.comparisons[0].m,
        u=MODEL.comparisons[0].u,
    )
    other = dataclasses.replace(MODEL, comparisons=(*MODEL.comparisons, phone))
    assert other.fingerprint != MODEL.fingerprint
    assert latest_model(engine, MODEL.fingerprint) is None

    publish(engine, _publication("run-1", _trained()))
    publish(engine, _publication("run-2", _trained(other)))

    found = latest_model(engine, MODEL.fingerprint)
    assert found is not None and found.version == 1
    engine.dispose()


def test_a_warehouse_whose_pairs_lack_the_model_version_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    old = sa.create_engine(url)
    with old.begin() as connection:
        connection.execute(sa.text("CREATE TABLE match_pair (record_id_l TEXT, run_id TEXT)"))
    old.dispose()
    with pytest.raises(WarehouseError, match=r"`match_pair` lacks .*model_version"):
        connect(url)
