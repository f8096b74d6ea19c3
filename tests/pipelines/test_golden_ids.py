"""Golden ids across hub runs: kept, split off, merged and redirected, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from demo import generate_demo
from pipelines.config import WAREHOUSE_URL_ENV, HubConfig, load_config
from pipelines.runner import run_hub
from warehouse import run_summary

# Runs the demo hub five times on each warehouse.
pytestmark = pytest.mark.slow


def _run(config: HubConfig, **matching: object) -> tuple[pd.Series, pd.DataFrame, pd.DataFrame]:
    """Run the hub with these matching settings; each record's golden id, golden, redirects.

    Also checks that the run's merges and splits are in the change feed.
    """
    run = run_hub(
        config.model_copy(update={"matching": config.matching.model_copy(update=matching)})
    )
    engine = sa.create_engine(config.warehouse.url)
    retired = run_summary(engine, run.run_id)["golden_ids_retired"]
    with engine.connect() as connection:
        xref = pd.read_sql_table("customer_xref", connection)
        golden = pd.read_sql_table("golden_customer", connection).set_index("golden_id")
        golden = golden.sort_index()
        redirects = pd.read_sql_table("golden_redirect", connection)
        feed = pd.read_sql_table("golden_change", connection)
    engine.dispose()
    assert retired == int((redirects["run_id"] == run.run_id).sum())
    feed = feed[feed["run_id"] == run.run_id]
    merges = feed[feed["change"] == "merged"]
    assert set(zip(merges["golden_id"], merges["other_id"], strict=True)) == set(
        redirects.loc[redirects["run_id"] == run.run_id, ["retired_id", "golden_id"]].itertuples(
            index=False, name=None
        )
    )
    splits = feed[feed["change"] == "split"]
    assert golden.loc[splits["golden_id"], "created_at"].gt(golden["created_at"].min()).all()
    of_record = pd.Series(
        xref["golden_id"].to_numpy(), index=(xref["source"] + ":" + xref["source_key"]).to_numpy()
    ).sort_index()
    return of_record, golden, redirects


CHANGES = ("created", "updated", "merged", "split", "removed")
READER_GUIDE = Path(__file__).parents[2] / "docs" / "downstream-readers.md"


def _guide_queries() -> list[str]:
    """The SQL of the downstream readers' guide, in order (the marts' queries last)."""
    return re.findall(r"```sql\n(.*?)```", READER_GUIDE.read_text(encoding="utf-8"), re.DOTALL)


def _query(config: HubConfig, sql: str, **parameters: object) -> pd.DataFrame:
    engine = sa.create_engine(config.warehouse.url)
    with engine.connect() as connection:
        rows = pd.read_sql(sa.text(sql), connection, params=parameters)
    engine.dispose()
    return rows


def _feed(config: HubConfig, change: str) -> list[tuple[str, str]]:
    """Every change of one kind in the feed, oldest first: golden id and the other id."""
    engine = sa.create_engine(config.warehouse.url)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT golden_id, other_id FROM golden_change WHERE change = :change "
                "ORDER BY change_id"
            ),
            {"change": change},
        ).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def test_golden_ids_last_through_splits_and_merges(
    tmp_path: Path, warehouse_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo = generate_demo(tmp_path / "demo", people=150, seed=5)
    monkeypatch.setenv(WAREHOUSE_URL_ENV, warehouse_url)
    config = load_config(demo.config)

    first, golden, _ = _run(config)
    sizes = first.value_counts()
    pair_id, other_id = sizes.index[sizes == 2][0], sizes.index[sizes == 1][0]
    kept_record, leaving_record = first.index[first == pair_id]
    (other_record,) = first.index[first == other_id]

    # A steward says the two records of one customer are different people: the part that
    # leaves gets a new id, issued now, and every other record keeps its id.
    apart = [(kept_record, leaving_record)]
    split, golden, redirects = _run(config, cannot_link=apart)
    assert split[kept_record] == pair_id
    new_id = split[leaving_record]
    assert new_id not in set(first)
    assert golden.loc[new_id, "created_at"] > golden.loc[pair_id, "created_at"]
    others = first.index.difference([leaving_record])
    assert split[others].equals(first[others])
    assert redirects.empty
    assert _feed(config, "split") == [(new_id, pair_id)]
    xref = _query(config, "SELECT * FROM customer_xref")
    xref.index = xref["source"] + ":" + xref["source_key"]
    # The record that left is a customer of its own since this run; the other stays since the first.
    assert xref.loc[leaving_record, "placed_by"] == xref.loc[kept_record, "placed_by"] == "single"
    joined = pd.to_datetime(xref["valid_from"], utc=True)
    assert joined[leaving_record] > joined[kept_record]
    assert joined[kept_record] == pd.to_datetime(golden.loc[pair_id, "created_at"], utc=True)

    # The part that left is then found to be another customer: the older id survives,
    # and the newer one redirects to it.
    together = [(leaving_record, other_record)]
    merged, golden, redirects = _run(config, cannot_link=apart, must_link=together)
    assert merged[leaving_record] == merged[other_record] == other_id
    assert redirects[["retired_id", "golden_id"]].values.tolist() == [[new_id, other_id]]
    assert new_id not in golden.index

    # That customer merges again, into the first: the redirect moves on to the survivor,
    # so a reader following it lands on a live customer in one step.
    everything = [*together, (other_record, kept_record)]
    again, golden, redirects = _run(config, must_link=everything)
    survivor = again[kept_record]
    assert again[[leaving_record, other_record]].eq(survivor).all()
    assert survivor == min(pair_id, other_id)  # both issued by the first run: the id decides
    retired = {new_id, pair_id, other_id} - {survivor}
    assert set(redirects["retired_id"]) == retired
    assert (redirects["golden_id"] == survivor).all()

    assert _feed(config, "merged") == [
        (new_id, other_id),
        *((r, survivor) for r in retired - {new_id}),
    ]

    # And a re-run on unchanged input changes no id, and the feed has nothing new.
    changes = {change: _feed(config, change) for change in CHANGES}
    rerun, golden_rerun, redirects_rerun = _run(config, must_link=everything)
    assert {change: _feed(config, change) for change in CHANGES} == changes
    assert rerun.equals(again)
    assert golden_rerun["created_at"].equals(golden["created_at"])
    assert len(redirects_rerun) == len(redirects)

    # What the downstream readers' guide says, on this warehouse.
    by_key, resolve, poll, as_of = _guide_queries()[:4]
    source, source_key = leaving_record.split(":", 1)
    assert _query(config, by_key, source=source, source_key=source_key)["golden_id"].tolist() == [
        survivor
    ]
    for kept_id in (new_id, pair_id, other_id):
        assert _query(config, resolve, kept_id=kept_id)["golden_id"].tolist() == [survivor]
    feed = _query(config, poll, last_change_id=0)
    assert feed["change_id"].is_monotonic_increasing
    after_split = feed.loc[feed["change"] == "split", "change_id"].iat[0]
    later = _query(config, poll, last_change_id=int(after_split))
    assert set(later["change"]) == {"merged", "updated"}
    assert set(later.loc[later["change"] == "merged", "golden_id"]) == retired
    before_split = golden.loc[pair_id, "created_at"].to_pydatetime()
    versions = _query(config, as_of, golden_id=pair_id, as_of=before_split)
    assert versions["record_count"].tolist() == [2]
    now = dt.datetime.now(dt.UTC)
    current = _query(config, as_of, golden_id=survivor, as_of=now)
    assert current["is_current"].astype(bool).tolist() == [True]
    assert int(current["record_count"].iat[0]) == int((rerun == survivor).sum())
