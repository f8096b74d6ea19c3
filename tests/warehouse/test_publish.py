"""Publishing a run: the contract tables, replaced as a whole, all or nothing; and the
schema, upgraded in place by `hub db upgrade`."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from matching import FellegiSunterModel
from matching.scoring import ComparisonParameters
from pipelines.cli import main
from warehouse import (
    Publication,
    TrainedModel,
    WarehouseError,
    connect,
    issued_ids,
    publish,
    run_summary,
)
from warehouse.engine import upgrade_warehouse
from warehouse.migrate import alembic_config, head_revision
from warehouse.schema import metadata

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


def _publication(run_id: str, *, crm_names: tuple[str, str] = ("Anna", "Hans")) -> Publication:
    records = pd.DataFrame(
        {
            "source": ["crm", "crm"],
            "source_key": ["1", "2"],
            "given_name": list(crm_names),
            "family_name": ["Müller", "Müller"],
            "birth_date": pd.to_datetime(["1961-02-01", None]),
            "email": ["anna@example.de", None],
            "country": ["DE", "DE"],
            "source_updated_at": pd.to_datetime(["2024-01-01T10:00:00Z", None], utc=True),
        }
    )
    golden = pd.DataFrame(
        {
            "golden_id": ["GC-A", "GC-B"],
            "given_name": list(crm_names),
            "family_name": ["Müller", "Müller"],
            "birth_date": pd.to_datetime(["1961-02-01", None]),
            "record_count": [1, 1],
            "sources": ["crm", "crm"],
            "created_at": [STARTED, STARTED],
        }
    )
    return Publication(
        run_id=run_id,
        started_at=STARTED,
        sources=("crm",),
        records=records,
        quarantine=pd.DataFrame(
            {
                "source": ["crm"],
                "source_key": ["3"],
                "location": ["table `CUSTOMER` row 3"],
                "rule": ["invalid_date"],
                "detail": ['column `BIRTH_DT`: "31021990" is not a date in format DDMMYYYY'],
                "payload": [{"CUST_NO": "3", "BIRTH_DT": "31021990"}],
            }
        ),
        golden=golden,
        xref=pd.DataFrame(
            {
                "source": ["crm", "crm"],
                "source_key": ["1", "2"],
                "golden_id": ["GC-A", "GC-B"],
                "match_probability": [None, None],
                "placed_by": ["single", "single"],
            }
        ),
        lineage=pd.DataFrame(
            {
                "golden_id": ["GC-A", "GC-B"],
                "field": ["given_name", "given_name"],
                "source": ["crm", "crm"],
                "source_key": ["1", "2"],
                "rule": ["trust_rank", "trust_rank"],
            }
        ),
        redirects=pd.DataFrame({"retired_id": [], "golden_id": []}, dtype=object),
        split_from=pd.Series(dtype=object),
        pairs=pd.DataFrame(
            {
                "record_id_l": ["crm:1"],
                "record_id_r": ["crm:2"],
                "match_weight": [1.5],
                "match_probability": [0.7],
                "decision": ["review"],
                "decided_by": ["score"],
            }
        ),
        model=TrainedModel(model=MODEL, trained_at=STARTED, records=2, candidate_pairs=1),
        interactions=pd.DataFrame(
            {
                "source": ["orders"],
                "source_key": ["O-1"],
                "golden_id": ["GC-A"],
                "customer_source": ["crm"],
                "customer_key": ["1"],
                "kind": ["order"],
                "occurred_at": pd.to_datetime(["2026-10-01T12:00:00Z"], utc=True),
                "amount": [59.90],
                "currency": ["EUR"],
            }
        ),
        summary={"golden_customers": 2},
    )


def _table(engine: sa.Engine, name: str) -> pd.DataFrame:
    with engine.connect() as connection:
        return pd.read_sql_table(name, connection)


def test_publish_writes_the_contract_tables(warehouse_url: str) -> None:
    engine = connect(warehouse_url)
    publish(engine, _publication("run-1"))
    golden = _table(engine, "golden_customer").sort_values("golden_id")
    assert golden["golden_id"].tolist() == ["GC-A", "GC-B"]
    assert golden["birth_date"].astype(str).tolist()[0] == "1961-02-01"
    xref = _table(engine, "customer_xref")
    assert set(zip(xref["source_key"], xref["golden_id"], strict=True)) == {
        ("1", "GC-A"),
        ("2", "GC-B"),
    }
    quarantine = _table(engine, "quarantine")
    assert quarantine[["stage", "rule", "location", "run_id"]].values.tolist() == [
        ["quality", "invalid_date", "table `CUSTOMER` row 3", "run-1"]
    ]
    assert run_summary(engine, "run-1")["golden_customers"] == 2
    orders = _table(engine, "customer_interaction")
    assert orders[["golden_id", "kind", "currency"]].values.tolist() == [["GC-A", "order", "EUR"]]
    assert float(orders["amount"].iloc[0]) == 59.90
    sales = _table(engine, "mart_sales_customer").set_index("golden_id")
    assert sales.loc["GC-A", ["order_count", "currency"]].tolist() == [1, "EUR"]
    assert float(sales.loc["GC-A", "lifetime_revenue"]) == 59.90
    assert sales.loc["GC-B", ["order_count", "lifetime_revenue"]].tolist() == [0, 0]


def test_republishing_replaces_the_run_results(warehouse_url: str) -> None:
    engine = connect(warehouse_url)
    publish(engine, _publication("run-1"))

    publish(engine, _publication("run-2", crm_names=("Anna", "Johannes")))

    golden = _table(engine, "golden_customer")
    assert sorted(golden["given_name"]) == ["Anna", "Johannes"]
    assert set(golden["run_id"]) == {"run-2"}
    assert len(_table(engine, "customer_record")) == 2
    assert _table(engine, "quarantine")["run_id"].tolist() == ["run-2"]


def test_history_keeps_every_version_and_the_feed_says_what_changed(warehouse_url: str) -> None:
    engine = connect(warehouse_url)
    publish(engine, _publication("run-1"))
    publish(engine, _publication("run-2", crm_names=("Anna", "Johannes")))
    publish(engine, _publication("run-3", crm_names=("Anna", "Johannes")))

    history = _table(engine, "golden_customer_history").sort_values(["golden_id", "valid_from"])
    versions = history[["golden_id", "given_name", "is_current", "run_id"]].values.tolist()
    assert versions == [
        ["GC-A", "Anna", True, "run-1"],
        ["GC-B", "Hans", False, "run-1"],
        ["GC-B", "Johannes", True, "run-2"],
    ]
    hans, johannes = history[history["golden_id"] == "GC-B"].itertuples()
    assert hans.valid_to == johannes.valid_from
    assert pd.isna(johannes.valid_to) and pd.isna(history["valid_to"].iloc[0])

    feed = _table(engine, "golden_change").sort_values("change_id")
    assert feed[["run_id", "golden_id", "change"]].values.tolist() == [
        ["run-1", "GC-A", "created"],
        ["run-1", "GC-B", "created"],
        ["run-2", "GC-B", "updated"],
    ]
    # A reader polling since the first run sees only the update.
    first_run = feed["changed_at"].iloc[0]
    with engine.connect() as connection:
        since = connection.execute(
            sa.text("SELECT golden_id, change FROM golden_change WHERE changed_at > :since"),
            {"since": first_run.to_pydatetime()},
        ).all()
    assert [tuple(row) for row in since] == [("GC-B", "updated")]

    # Hans's records go: his customer is removed, and its id is never issued again.
    last = _publication("run-4", crm_names=("Anna", "Johannes"))
    anna = {"golden_id": "GC-A", "source_key": "1"}
    kept = {
        name: frame[frame[key] == anna[key]]
        for name, frame, key in (
            ("golden", last.golden, "golden_id"),
            ("xref", last.xref, "source_key"),
            ("lineage", last.lineage, "golden_id"),
            ("records", last.records, "source_key"),
        )
    }
    publish(engine, dataclasses.replace(last, **kept))
    feed = _table(engine, "golden_change").sort_values("change_id")
    assert feed[["run_id", "golden_id", "change"]].values.tolist()[-1] == [
        "run-4",
        "GC-B",
        "removed",
    ]
    assert "GC-B" in issued_ids(engine).retired
    current = _table(engine, "golden_customer_history")
    assert current.loc[current["is_current"].astype(bool), "golden_id"].tolist() == ["GC-A"]


def test_the_crosswalk_says_since_when_each_record_belongs_to_its_customer(
    warehouse_url: str,
) -> None:
    engine = connect(warehouse_url)
    publish(engine, _publication("run-1"))
    first = _table(engine, "customer_xref").set_index("source_key")
    # Record 2 turns out to be Anna too, placed there by a link.
    second = _publication("run-2")
    xref = second.xref.assign(
        golden_id=["GC-A", "GC-A"], match_probability=[0.99, 0.99], placed_by="score"
    )
    publish(engine, dataclasses.replace(second, xref=xref))

    now = _table(engine, "customer_xref").set_index("source_key")
    assert now.loc["1", "valid_from"] == first.loc["1", "valid_from"]
    assert now.loc["2", "valid_from"] > first.loc["2", "valid_from"]
    assert now["placed_by"].tolist() == ["score", "score"]
    history = _table(engine, "customer_xref_history").sort_values(["source_key", "valid_from"])
    assert history[["source_key", "golden_id", "run_id"]].values.tolist() == [
        ["1", "GC-A", "run-1"],
        ["2", "GC-B", "run-1"],
        ["2", "GC-A", "run-2"],
    ]
    assert history["valid_to"].isna().tolist() == [True, False, True]
    assert history["valid_to"].iloc[1] == now.loc["2", "valid_from"]


def test_a_failed_publish_leaves_the_previous_warehouse_whole(warehouse_url: str) -> None:
    engine = connect(warehouse_url)
    publish(engine, _publication("run-1"))
    broken = _publication("run-2", crm_names=("Anna", "Johannes"))
    duplicate_golden = pd.concat([broken.golden, broken.golden.iloc[[0]]], ignore_index=True)
    broken = Publication(**{**broken.__dict__, "golden": duplicate_golden})

    with pytest.raises(sa.exc.IntegrityError):
        publish(engine, broken)

    golden = _table(engine, "golden_customer")
    assert sorted(golden["given_name"]) == ["Anna", "Hans"]
    assert set(golden["run_id"]) == {"run-1"}
    assert set(_table(engine, "customer_record")["run_id"]) == {"run-1"}
    with engine.connect() as connection:
        runs = connection.execute(sa.text("SELECT run_id FROM hub_run")).scalars().all()
    assert runs == ["run-1"]


def test_a_warehouse_from_an_earlier_version_is_refused_with_the_reason(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    old = sa.create_engine(url)
    with old.begin() as connection:
        connection.execute(sa.text("CREATE TABLE quarantine (source TEXT, position INTEGER)"))
    old.dispose()
    with pytest.raises(WarehouseError, match=r"`quarantine` lacks .*stage"):
        connect(url)


PUBLISHED = dt.datetime(2026, 10, 1, 6, 0, tzinfo=dt.UTC)


def _warehouse_before_versioning(url: str) -> None:
    """The tables as the hub wrote them before its schema had revisions, with one run in."""
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0001")
        connection.execute(sa.text("DROP TABLE alembic_version"))
    run = _publication("run-1")
    old_columns = {
        "golden_customer": run.golden.drop(columns=["created_at"]),
        "customer_xref": run.xref.drop(columns=["placed_by"]).assign(
            match_probability=[None, 0.97]
        ),
        "customer_record": run.records,
    }
    with engine.begin() as connection:
        for table, frame in old_columns.items():
            if "birth_date" in frame:  # a DATE column, as the hub writes it
                frame = frame.assign(birth_date=frame["birth_date"].dt.date)
            frame.assign(run_id="run-1").to_sql(table, connection, if_exists="append", index=False)
        connection.execute(
            sa.text(
                "INSERT INTO hub_run (run_id, started_at, finished_at, summary) "
                "VALUES ('run-1', :at, :at, '{}')"
            ),
            {"at": PUBLISHED},
        )
    engine.dispose()


def test_a_warehouse_from_before_versioning_is_upgraded_in_place(
    warehouse_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _warehouse_before_versioning(warehouse_url)
    with pytest.raises(WarehouseError, match=r"revision 0001; this one writes .*hub db upgrade"):
        connect(warehouse_url)

    config = tmp_path / "hub.yaml"
    config.write_text(
        f"warehouse: {{url: '{warehouse_url}'}}\n"
        "sources:\n  crm:\n    connector: {kind: csv, path: crm.csv}\n"
        "    primary_key: id\n    trust_rank: 1\n    fields: {given_name: name}\n",
        encoding="utf-8",
    )
    assert main(["db", "upgrade", "--config", str(config)]) == 0
    assert f"from schema revision 0001 to {head_revision()}" in capsys.readouterr().out

    engine = connect(warehouse_url)
    with engine.connect() as connection:
        golden = pd.read_sql_table("golden_customer", connection)
        xref = pd.read_sql_table("customer_xref", connection).set_index("source_key")
        history = pd.read_sql_table("golden_customer_history", connection)
    # What the old rows lacked comes from the run that published them.
    assert (pd.to_datetime(golden["created_at"], utc=True) == PUBLISHED).all()
    assert xref["placed_by"].to_dict() == {"1": "single", "2": "score"}
    assert (pd.to_datetime(xref["valid_from"], utc=True) == PUBLISHED).all()
    assert sorted(history["golden_id"]) == ["GC-A", "GC-B"] and history["is_current"].all()

    # The next run carries on from them: unchanged customers add no version and no change.
    publish(engine, _publication("run-2"))
    with engine.connect() as connection:
        feed = pd.read_sql_table("golden_change", connection)
        versions = pd.read_sql_table("golden_customer_history", connection)
    assert feed[["golden_id", "change"]].values.tolist() == [
        ["GC-A", "created"],
        ["GC-B", "created"],
    ]
    assert len(versions) == 2
    engine.dispose()

    assert main(["db", "upgrade", "--config", str(config)]) == 0
    assert "already" in capsys.readouterr().out


def test_an_empty_warehouse_is_created_at_the_newest_revision(warehouse_url: str) -> None:
    engine = connect(warehouse_url)
    with engine.connect() as connection:
        revision = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    assert revision == head_revision()
    engine.dispose()


def test_a_creation_cut_short_is_finished_and_a_newer_warehouse_refused(
    warehouse_url: str, tmp_path: Path
) -> None:
    # The tables were made, but the process died before their revision was recorded.
    engine = sa.create_engine(warehouse_url)
    metadata.create_all(engine)
    engine.dispose()
    engine = connect(warehouse_url)
    with engine.begin() as connection:
        revision = connection.execute(sa.text("SELECT version_num FROM alembic_version"))
        assert revision.scalar_one() == head_revision()
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0099'"))
    engine.dispose()

    with pytest.raises(WarehouseError, match="newer version of the hub .*revision 0099"):
        connect(warehouse_url)
    with pytest.raises(WarehouseError, match="newer version of the hub"):
        upgrade_warehouse(warehouse_url)


def test_the_migrations_build_the_schema_a_fresh_warehouse_has(warehouse_url: str) -> None:
    engine = sa.create_engine(warehouse_url)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    engine.dispose()
    assert differences == []
