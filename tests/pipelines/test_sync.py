"""Syncing sources into the landing: only what changed, nothing lost, cursor after commit."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from connectors import SourceNotFound, SourceSchemaError
from demo import generate_demo
from pipelines import stages
from pipelines.config import HubConfig, SourceSettings, load_config
from pipelines.stages import standardize_sources, sync_source
from warehouse import SyncFigures, connect, landed_rows, source_state


def _table(engine: sa.Engine, name: str) -> pd.DataFrame:
    with engine.connect() as connection:
        return pd.read_sql_table(name, connection)


def _figures(figures: SyncFigures) -> tuple[int, int, int, int, int, int]:
    return (
        figures.rows_read,
        figures.new,
        figures.changed,
        figures.unchanged,
        figures.deleted,
        figures.quarantined,
    )


def _csv_source(path: Path, **sync: object) -> SourceSettings:
    return SourceSettings.model_validate(
        {
            "connector": {"kind": "csv", "path": str(path)},
            "primary_key": "id",
            "trust_rank": 1,
            "fields": {"given_name": "first", "email": "mail"},
            "sync": sync,
        }
    )


def _rows(ids: range) -> str:
    return "id,first,mail\n" + "".join(f"{n},Person{n},p{n}@x.de\n" for n in ids)


@pytest.fixture
def warehouse(warehouse_url: str) -> sa.Engine:
    return connect(warehouse_url)


def test_full_refresh_lands_changes_and_marks_rows_gone(
    tmp_path: Path, warehouse: sa.Engine
) -> None:
    path = tmp_path / "shop.csv"
    # One row of three gone is more than the default share of deletions a sync may make.
    source = _csv_source(path, max_delete_share=0.5)
    path.write_text("id,first,mail\n1,Anna,a@x.de\n2,Bob,b@x.de\n3,Cem,c@x.de\n")
    assert _figures(sync_source(warehouse, "shop", source)) == (3, 3, 0, 0, 0, 0)
    first_seen = _table(warehouse, "source_record").set_index("source_key")["first_seen"]

    assert _figures(sync_source(warehouse, "shop", source, full_refresh=True)) == (3, 0, 0, 3, 0, 0)

    path.write_text("id,first,mail\n1,Anna,a@x.de\n3,Cem,cem@x.de\n")
    assert _figures(sync_source(warehouse, "shop", source)) == (2, 0, 1, 1, 1, 0)
    landed = _table(warehouse, "source_record").set_index("source_key").sort_index()
    assert landed.index.tolist() == ["1", "2", "3"], "a row gone from the source is kept"
    assert landed["deleted_at"].notna().tolist() == [False, True, False]
    assert landed.loc["3", "payload"] == {"id": "3", "first": "Cem", "mail": "cem@x.de"}
    assert landed.loc["3", "location"] == "shop.csv line 3"
    assert landed["first_seen"].equals(first_seen.sort_index())
    assert landed_rows(warehouse, "shop")["id"].tolist() == ["1", "3"]

    path.write_text("id,first,mail\n1,Anna,a@x.de\n2,Bob,b@x.de\n3,Cem,cem@x.de\n")
    assert _figures(sync_source(warehouse, "shop", source)) == (3, 0, 1, 2, 0, 0)
    assert landed_rows(warehouse, "shop")["id"].tolist() == ["1", "2", "3"]


def test_rows_without_a_usable_key_are_held_back_with_their_location(
    tmp_path: Path, warehouse: sa.Engine
) -> None:
    path = tmp_path / "shop.csv"
    path.write_text("id,first,mail\n1,Anna,a@x.de\n,Nobody,n@x.de\n1,Anne,anne@x.de\n")
    figures = sync_source(warehouse, "shop", _csv_source(path))
    assert _figures(figures) == (3, 1, 0, 0, 0, 2)
    held = _table(warehouse, "quarantine").sort_values("location")
    assert held[["stage", "location", "rule", "source_key"]].values.tolist() == [
        ["sync", "shop.csv line 3", "missing_source_key", None],
        ["sync", "shop.csv line 4", "duplicate_source_key", "1"],
    ]
    assert held["payload"].tolist()[1] == {"id": "1", "first": "Anne", "mail": "anne@x.de"}
    # a full refresh replaces what the previous sync held back
    path.write_text("id,first,mail\n1,Anna,a@x.de\n")
    sync_source(warehouse, "shop", _csv_source(path))
    assert _table(warehouse, "quarantine").empty


def test_a_new_column_is_reported_and_landed(tmp_path: Path, warehouse: sa.Engine) -> None:
    path = tmp_path / "shop.csv"
    path.write_text("id,first,mail\n1,Anna,a@x.de\n")
    sync_source(warehouse, "shop", _csv_source(path))
    path.write_text("id,first,mail,tier\n1,Anna,a@x.de,gold\n")
    figures = sync_source(warehouse, "shop", _csv_source(path))
    assert figures.new_columns == ["tier"]
    assert landed_rows(warehouse, "shop")["tier"].tolist() == ["gold"]
    assert source_state(warehouse, "shop").columns == ("id", "first", "mail", "tier")


def test_a_missing_mapped_column_fails_the_sync_and_lands_nothing(
    tmp_path: Path, warehouse: sa.Engine
) -> None:
    path = tmp_path / "shop.csv"
    path.write_text("id,first,mail\n1,Anna,a@x.de\n")
    sync_source(warehouse, "shop", _csv_source(path))
    path.write_text("id,first,email_address\n1,Anna,anna@x.de\n2,Bob,b@x.de\n")
    with pytest.raises(SourceSchemaError, match=r"source `shop`: mapped column `mail` is not in"):
        sync_source(warehouse, "shop", _csv_source(path))
    assert landed_rows(warehouse, "shop")["mail"].tolist() == ["a@x.de"]
    assert len(_table(warehouse, "source_sync")) == 1


CUSTOMERS = sa.Table(
    "CUSTOMER",
    sa.MetaData(),
    sa.Column("CUST_NO", sa.Integer, primary_key=True),
    sa.Column("NAME", sa.String(100)),
    sa.Column("CHANGED_AT", sa.DateTime),
)


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.services),
        pytest.param("mariadb", marks=pytest.mark.services),
    ]
)
def crm_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'crm.sqlite'}"
    return str(request.getfixturevalue(f"{request.param}_url"))


DAY = dt.datetime(2026, 11, 1, 9, 0)


def _crm_with_five_customers(url: str) -> sa.Engine:
    """The CRM database at ``url`` with customers 1-5, changed an hour apart from DAY."""
    crm = sa.create_engine(url)
    with crm.begin() as connection:
        CUSTOMERS.create(connection)
        connection.execute(
            CUSTOMERS.insert(),
            [
                {"CUST_NO": n, "NAME": f"NAME{n}, GIVEN", "CHANGED_AT": DAY + dt.timedelta(hours=n)}
                for n in range(1, 6)
            ],
        )
    return crm


def _crm_source(url: str) -> SourceSettings:
    return SourceSettings.model_validate(
        {
            "connector": {
                "kind": "sql",
                "url": url,
                "table": "CUSTOMER",
                "cursor_column": "CHANGED_AT",
            },
            "primary_key": "CUST_NO",
            "trust_rank": 1,
            "fields": {"full_name": {"column": "NAME", "order": "family_given"}},
            "sync": {"mode": "incremental"},
        }
    )


def test_incremental_sync_reads_only_rows_after_the_cursor(
    crm_url: str, warehouse: sa.Engine
) -> None:
    crm = _crm_with_five_customers(crm_url)
    day = DAY
    source = _crm_source(crm_url)

    first = sync_source(warehouse, "crm", source, batch_rows=2)
    assert _figures(first) == (5, 5, 0, 0, 0, 0)
    assert first.cursor_after == "2026-11-01T14:00:00"

    with crm.begin() as connection:
        connection.execute(
            CUSTOMERS.update()
            .where(CUSTOMERS.c.CUST_NO == 2)
            .values(NAME="NEWNAME, GIVEN", CHANGED_AT=day + dt.timedelta(days=1))
        )
        connection.execute(
            CUSTOMERS.insert(), {"CUST_NO": 6, "NAME": "SIX, GIVEN", "CHANGED_AT": day}
        )
    second = sync_source(warehouse, "crm", source)
    # CUST_NO 6 carries an old timestamp: an incremental sync cannot see it, as designed
    assert _figures(second) == (1, 0, 1, 0, 0, 0)
    assert second.cursor_before == "2026-11-01T14:00:00"
    assert second.cursor_after == "2026-11-02T09:00:00"

    third = sync_source(warehouse, "crm", source, full_refresh=True)
    assert _figures(third) == (6, 1, 0, 5, 0, 0)
    crm.dispose()


def test_a_sync_that_dies_half_way_keeps_the_cursor_and_rereads(
    tmp_path: Path, warehouse: sa.Engine
) -> None:
    url = f"sqlite:///{tmp_path / 'crm.sqlite'}"
    crm = _crm_with_five_customers(url)
    source = _crm_source(url)

    def die_after_first_batch(figures: SyncFigures) -> None:
        raise RuntimeError("the machine went down")

    with pytest.raises(RuntimeError):
        sync_source(warehouse, "crm", source, batch_rows=2, progress=die_after_first_batch)

    assert source_state(warehouse, "crm").cursor is None
    assert landed_rows(warehouse, "crm").empty
    assert _figures(sync_source(warehouse, "crm", source, batch_rows=2)) == (5, 5, 0, 0, 0, 0)
    crm.dispose()


def test_a_full_refresh_that_finds_nothing_marks_nothing_deleted(
    tmp_path: Path, warehouse: sa.Engine
) -> None:
    drops = tmp_path / "drops"
    drops.mkdir()
    (drops / "shop_1.csv").write_text("id,first,mail\n1,Anna,a@x.de\n2,Bob,b@x.de\n")
    source = _csv_source(drops / "shop_*.csv")
    sync_source(warehouse, "shop", source)
    (drops / "shop_1.csv").rename(tmp_path / "archived.csv")

    with pytest.raises(SourceNotFound, match="nothing is marked deleted"):
        sync_source(warehouse, "shop", source)

    assert landed_rows(warehouse, "shop")["id"].tolist() == ["1", "2"]


def test_a_full_refresh_holds_back_more_deletions_than_the_source_allows(
    tmp_path: Path, warehouse: sa.Engine
) -> None:
    path = tmp_path / "shop.csv"
    path.write_text(_rows(range(1, 42)))
    sync_source(warehouse, "shop", _csv_source(path))

    # A truncated export: 20 of 41 rows (49 %) missing, against a default share of 10 %.
    path.write_text(_rows(range(1, 22)))
    figures = sync_source(warehouse, "shop", _csv_source(path))

    assert (figures.deleted, figures.deletions_held, figures.unchanged) == (0, 20, 21)
    assert len(landed_rows(warehouse, "shop")) == 41
    assert _table(warehouse, "source_sync")["deletions_held"].tolist() == [0, 20]

    # Four rows (10 % of 41 is 4.1) are within it.
    path.write_text(_rows(range(1, 38)))
    figures = sync_source(warehouse, "shop", _csv_source(path))
    assert (figures.deleted, figures.deletions_held) == (4, 0)

    # Confirmed: every row gone is marked deleted, and a source emptied too.
    path.write_text(_rows(range(1, 21)))
    figures = sync_source(warehouse, "shop", _csv_source(path, max_delete_share=1.0))
    assert (figures.deleted, figures.deletions_held) == (17, 0)
    path.write_text(_rows(range(0)))
    figures = sync_source(warehouse, "shop", _csv_source(path, max_delete_share=1.0))
    assert figures.deleted == 20
    assert landed_rows(warehouse, "shop").empty


def test_records_without_an_optional_key_are_not_schema_drift(
    tmp_path: Path, warehouse: sa.Engine
) -> None:
    path = tmp_path / "desk.jsonl"
    path.write_text('{"id": "SD-1", "name": "Anna Berg"}\n{"id": "SD-2", "name": "Bo Lund"}\n')
    source = SourceSettings.model_validate(
        {
            "connector": {"kind": "jsonl", "path": str(path)},
            "primary_key": "id",
            "trust_rank": 1,
            "fields": {"full_name": "name", "phone": "phone"},
        }
    )
    assert sync_source(warehouse, "desk", source).new == 2
    config = HubConfig.model_validate({"sources": {"desk": source}, "data_docs": None})
    records = standardize_sources(warehouse, config).records
    assert records["family_name"].tolist() == ["Berg", "Lund"]
    assert records["phone"].isna().all()


@pytest.mark.slow
def test_the_quality_stage_gives_the_same_in_parallel(
    warehouse: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With many landed rows, sources are gated in worker processes: same records, same
    quarantine, same verdicts as one process."""
    demo = generate_demo(tmp_path / "demo", people=300, seed=3)
    config = load_config(demo.config)
    for name, source in config.customer_sources.items():
        sync_source(warehouse, name, source)
    serial = standardize_sources(warehouse, config)

    monkeypatch.setattr(stages, "PARALLEL_ROWS", 0)
    parallel = standardize_sources(warehouse, config)

    pd.testing.assert_frame_equal(parallel.records, serial.records)
    pd.testing.assert_frame_equal(parallel.quarantine, serial.quarantine)
    assert parallel.rows_landed == serial.rows_landed
    assert [v.expectations for v in parallel.verdicts.values()] == [
        v.expectations for v in serial.verdicts.values()
    ]


def test_a_full_refresh_that_finds_the_files_as_it_left_them_reads_nothing(
    tmp_path: Path, warehouse: sa.Engine
) -> None:
    path = tmp_path / "shop.csv"
    path.write_text("id,first,mail\n1,Anna,a@x.de\n2,Bob,b@x.de\n,Nobody,n@x.de\n")
    source = _csv_source(path)
    assert _figures(sync_source(warehouse, "shop", source)) == (3, 2, 0, 0, 0, 1)
    seen = _table(warehouse, "source_record")["last_seen"].max()

    # The same bytes: nothing read, every row seen, the row held back held back still.
    assert _figures(sync_source(warehouse, "shop", source)) == (0, 0, 0, 2, 0, 1)
    landed = _table(warehouse, "source_record")
    assert (landed["last_seen"] > seen).all()
    assert len(_table(warehouse, "quarantine")) == 1
    assert _table(warehouse, "source_sync")["rows_read"].tolist() == [3, 0]

    # One byte more, another way to read the same bytes, or a full refresh asked for by
    # hand: the files are read again.
    path.write_text("id,first,mail\n1,Anna,a@x.de\n2,Bob,b@x.de\n,Nobody,n@x.de\n3,Cem,c@x\n")
    assert _figures(sync_source(warehouse, "shop", source)) == (4, 1, 0, 2, 0, 1)
    latin = source.connector.model_copy(update={"encoding": "latin-1"})
    assert (
        sync_source(warehouse, "shop", source.model_copy(update={"connector": latin})).rows_read
        == 4
    )
    assert sync_source(warehouse, "shop", source).rows_read == 4
    assert sync_source(warehouse, "shop", source).rows_read == 0
    assert sync_source(warehouse, "shop", source, full_refresh=True).rows_read == 4


def test_a_mapping_to_a_column_the_unchanged_files_lack_still_fails_the_sync(
    tmp_path: Path, warehouse: sa.Engine
) -> None:
    path = tmp_path / "shop.csv"
    path.write_text(_rows(range(1, 4)))
    source = _csv_source(path)
    assert sync_source(warehouse, "shop", source).rows_read == 3

    declared = source.model_dump()
    remapped = SourceSettings.model_validate(
        {**declared, "fields": {"given_name": "first", "email": "e_mail"}}
    )
    with pytest.raises(SourceSchemaError, match="mapped column `e_mail` is not in the source"):
        sync_source(warehouse, "shop", remapped)
