"""Publishing is idempotent: publishing the same golden customers again adds no version,
no change to the feed and no crosswalk history."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import FellegiSunterModel
from matching.scoring import ComparisonParameters
from quality import PERSON_FIELDS
from warehouse import Publication, TrainedModel, connect, publish

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

#: The tables a publish appends to rather than replaces.
_HISTORY_TABLES = {
    "golden_customer_history": ["golden_id", "valid_from"],
    "golden_change": ["change_id"],
    "customer_xref_history": ["source", "source_key", "valid_from"],
}

_text = st.one_of(st.none(), st.text(max_size=12))
_customer = st.fixed_dictionaries(
    {
        "given_name": _text,
        "family_name": _text,
        "birth_date": st.one_of(st.none(), st.dates(dt.date(1900, 1, 1), dt.date(2020, 12, 31))),
        "email": _text,
        "phone": st.one_of(st.none(), st.from_regex(r"\+[1-9][0-9]{6,13}", fullmatch=True)),
        "street": _text,
        "postcode": _text,
        "city": _text,
        "country": st.sampled_from([None, "DE", "ES", "GB", "NO", "US"]),
        "record_count": st.integers(1, 4),
        "sources": st.sampled_from(["crm", "crm,web", "shop,web"]),
        # Missing: first published with this run; otherwise carried over from an earlier one.
        "created_at": st.sampled_from([None, STARTED - dt.timedelta(days=30)]),
    }
)
_customers = st.lists(_customer, min_size=1, max_size=20)


def _publication(run_id: str, customers: list[dict[str, Any]]) -> Publication:
    """A run that publishes `customers`, each from one crm record."""
    golden_ids = [f"GC-{n:04d}" for n in range(len(customers))]
    keys = [str(n) for n in range(len(customers))]
    golden = pd.DataFrame(customers).assign(
        golden_id=golden_ids,
        birth_date=lambda frame: pd.to_datetime(frame["birth_date"]),
        created_at=lambda frame: pd.to_datetime(frame["created_at"], utc=True),
    )
    records = golden[list(PERSON_FIELDS)].assign(source="crm", source_key=keys)
    no_rows = pd.DataFrame()
    return Publication(
        run_id=run_id,
        started_at=STARTED,
        sources=("crm",),
        records=records,
        quarantine=no_rows,
        golden=golden,
        xref=pd.DataFrame(
            {
                "source": "crm",
                "source_key": keys,
                "golden_id": golden_ids,
                "match_probability": None,
                "placed_by": "single",
            }
        ),
        lineage=pd.DataFrame(
            {
                "golden_id": golden_ids,
                "field": "given_name",
                "source": "crm",
                "source_key": keys,
                "rule": "trust_rank",
            }
        ),
        redirects=pd.DataFrame({"retired_id": [], "golden_id": []}, dtype=object),
        split_from=pd.Series(dtype=object),
        pairs=no_rows,
        model=TrainedModel(
            model=MODEL, trained_at=STARTED, records=len(customers), candidate_pairs=0
        ),
        interactions=no_rows,
        summary={"golden_customers": len(customers)},
    )


@pytest.fixture(scope="module")
def empty_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite warehouse, built once and copied for each example."""
    path = tmp_path_factory.mktemp("template") / "warehouse.sqlite"
    connect(f"sqlite:///{path}").dispose()
    return path


def _tables(engine: sa.Engine) -> dict[str, pd.DataFrame]:
    with engine.connect() as connection:
        return {
            name: pd.read_sql_table(name, connection).sort_values(keys).reset_index(drop=True)
            for name, keys in _HISTORY_TABLES.items()
        }


@settings(max_examples=12, deadline=None, derandomize=True)
@given(customers=_customers)
def test_publishing_the_same_customers_again_adds_no_history(
    empty_warehouse: Path, tmp_path_factory: pytest.TempPathFactory, customers: list[dict[str, Any]]
) -> None:
    # A fresh warehouse per example: hypothesis runs every example in one test call.
    path = tmp_path_factory.mktemp("warehouse") / "warehouse.sqlite"
    shutil.copy(empty_warehouse, path)
    engine = connect(f"sqlite:///{path}")
    try:
        publish(engine, _publication("run-1", customers))
        first = _tables(engine)
        publish(engine, _publication("run-2", customers))
        second = _tables(engine)
    finally:
        engine.dispose()

    assert len(first["golden_customer_history"]) == len(customers)
    for name in _HISTORY_TABLES:
        pd.testing.assert_frame_equal(second[name], first[name], obj=name)
