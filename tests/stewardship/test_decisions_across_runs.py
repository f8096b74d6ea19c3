"""Steward decisions across hub runs: obeyed after retraining and source changes, undone,
audited; and `hub review` from the command line. On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest

from demo import DemoSources
from pipelines.cli import main
from pipelines.config import WAREHOUSE_URL_ENV, HubConfig, load_config
from pipelines.runner import RunFailed, run_hub
from stewardship import (
    DecisionRefused,
    decide_item,
    decide_pair,
    override,
    steward_constraints,
    take_out,
    undo,
)
from warehouse import WarehouseError, connect, run_summary, steward_decisions
from warehouse.decisions import note_applied

if TYPE_CHECKING:
    from conftest import HubBuilds

# Each test starts from the demo hub published once per session, and most run it again.
pytestmark = pytest.mark.slow


class Hub:
    """The demo hub with a warehouse, run again and again, and what it published."""

    def __init__(self, demo: DemoSources) -> None:
        self.demo = demo
        self.config: HubConfig = load_config(demo.config)
        self.engine = connect(self.config.warehouse.url)
        self.run_id = ""

    def run(self) -> None:
        self.run_id = run_hub(self.config).run_id

    def table(self, name: str) -> pd.DataFrame:
        with self.engine.connect() as connection:
            return pd.read_sql_table(name, connection)

    def of_record(self) -> pd.Series:
        xref = self.table("customer_xref")
        return pd.Series(
            xref["golden_id"].to_numpy(),
            index=(xref["source"] + ":" + xref["source_key"]).to_numpy(),
        )

    def queue(self) -> pd.DataFrame:
        return self.table("review_item").set_index("review_id")

    def golden(self, golden_id: str) -> pd.Series:
        return self.table("golden_customer").set_index("golden_id").loc[golden_id]


@pytest.fixture
def hub(
    tmp_path: Path, warehouse_kind: str, hub_builds: HubBuilds, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Hub]:
    """The demo hub after its first run: a copy of the one built for the session."""
    with hub_builds.copy(warehouse_kind, tmp_path, people=300, seed=5) as published:
        monkeypatch.setenv(WAREHOUSE_URL_ENV, published.warehouse_url)
        hub = Hub(published.demo)
        hub.run_id = published.run_id
        yield hub
        hub.engine.dispose()


def _customer_of(of_record: pd.Series, size: int, source: str) -> list[str]:
    """The records of a customer with `size` records, one of them from `source`."""
    sizes = of_record.map(of_record.value_counts())
    candidates = of_record[(sizes == size) & of_record.index.str.startswith(f"{source}:")]
    golden_id = candidates.sort_values().iloc[0]
    return sorted(of_record.index[of_record == golden_id])


def test_a_pair_kept_apart_stays_apart_after_retraining_and_a_source_change_until_undone(
    hub: Hub,
) -> None:
    before = hub.of_record()
    left, right = _customer_of(before, 2, "webshop")
    webshop = left if left.startswith("webshop:") else right
    other = right if webshop == left else left
    model_before = run_summary(hub.engine, hub.run_id)["model"]["version"]
    # Every run trains its model anew: the decision holds whatever the model scores.
    retrain = hub.config.matching.model_copy(update={"model": "retrain"})
    hub.config = hub.config.model_copy(update={"matching": retrain})

    decided = decide_pair(
        hub.engine,
        hub.config.matching,
        left,
        right,
        "not_same_customer",
        steward="alice",
        comment="twins",
    )
    hub.run()
    after = hub.of_record()
    assert after[left] != after[right]
    assert run_summary(hub.engine, hub.run_id)["model"]["version"] > model_before

    # The web shop's record now shares the other record's e-mail address too: still apart.
    email_of_other = hub.table("customer_record").set_index(["source", "source_key"])
    shared = email_of_other.loc[tuple(other.split(":", 1)), "email"]
    shop_file = hub.demo.sources["webshop"]
    rows = list(csv.DictReader(shop_file.open(encoding="utf-8")))
    for row in rows:
        if row["customer_id"] == webshop.split(":", 1)[1]:
            row["email"] = shared or "same@example.com"
    with shop_file.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    hub.run()
    assert hub.of_record()[left] != hub.of_record()[right]

    undone = undo(
        hub.engine, hub.config.matching, decided.decision_id, steward="bob", comment="not twins"
    )
    hub.run()
    together = hub.of_record()
    assert together[left] == together[right] == before[left]

    log = hub.table("steward_decision").set_index("decision_id")
    first, second = log.loc[decided.decision_id], log.loc[undone.decision_id]
    assert (first["steward"], first["action"], first["comment"]) == (
        "alice",
        "not_same_customer",
        "twins",
    )
    assert (second["steward"], second["undoes"]) == ("bob", decided.decision_id)
    # The audit trail holds the customer before the decision and the two it became.
    assert list(first["golden_before"]) == [before[left]]
    assert sorted(first["golden_before"][before[left]]["records"]) == sorted([left, right])
    assert len(first["golden_after"]) == 2
    assert list(second["golden_after"]) == [before[left]]


def test_a_queued_pair_decided_same_joins_and_leaves_the_queue(hub: Hub) -> None:
    queue = hub.queue()
    apart = queue[(queue["kind"] == "pair") & (queue["golden_id"] != queue["golden_id_r"])]
    review_id = apart.index[0]
    left, right = apart.loc[review_id, ["record_id_l", "record_id_r"]]

    decide_item(hub.engine, hub.config.matching, review_id, "same_customer", steward="alice")
    hub.run()

    assert review_id not in hub.queue().index
    of_record = hub.of_record()
    assert of_record[left] == of_record[right]
    pairs = hub.table("match_pair").set_index(["record_id_l", "record_id_r"])
    assert pairs.loc[(left, right), ["decision", "decided_by"]].tolist() == ["link", "must_link"]
    with pytest.raises(WarehouseError, match="no item"):
        decide_item(hub.engine, hub.config.matching, review_id, "same_customer", steward="alice")


def test_a_record_taken_out_leaves_and_the_rest_keep_their_id(hub: Hub) -> None:
    records = _customer_of(hub.of_record(), 3, "crm_legacy")
    golden_id = hub.of_record()[records[0]]
    # Take out a record the other two are linked without, so they stay one customer.
    pairs = hub.table("match_pair")
    pairs = pairs[pairs["decision"] == "link"]
    linked = set(zip(pairs["record_id_l"], pairs["record_id_r"], strict=True))
    leaving = next(r for r in records if tuple(sorted(set(records) - {r})) in linked)
    records.remove(leaving)

    take_out(hub.engine, hub.config.matching, leaving, steward="alice", comment="another person")
    hub.run()

    of_record = hub.of_record()
    assert of_record[records[0]] == of_record[records[1]] == golden_id
    assert of_record[leaving] != golden_id
    feed = hub.table("golden_change")
    split = feed[(feed["run_id"] == hub.run_id) & (feed["change"] == "split")]
    assert split[["golden_id", "other_id"]].values.tolist() == [[of_record[leaving], golden_id]]


def test_an_overridden_field_lasts_and_an_unchanged_rerun_adds_no_version(hub: Hub) -> None:
    golden_id = hub.of_record().iloc[0]
    override(hub.engine, golden_id, "email", "Kari@Example.NO", steward="alice")
    hub.run()
    assert hub.golden(golden_id)["email"] == "kari@example.no"
    lineage = hub.table("golden_lineage").set_index(["golden_id", "field"])
    assert lineage.loc[(golden_id, "email"), ["source", "rule"]].tolist() == [
        "steward",
        "steward_override",
    ]
    versions = len(hub.table("golden_customer_history"))
    hub.run()
    assert hub.golden(golden_id)["email"] == "kari@example.no"
    assert len(hub.table("golden_customer_history")) == versions


def test_a_merge_of_different_birth_dates_is_queued_until_confirmed(hub: Hub) -> None:
    records = hub.table("customer_record")
    dated = records[records["birth_date"].notna()].sort_values(["source", "source_key"])
    first, second = (dated["source"] + ":" + dated["source_key"]).iloc[[0, 1]]
    decide_pair(hub.engine, hub.config.matching, first, second, "same_customer", steward="alice")
    hub.run()
    queue = hub.queue()
    asked = queue[queue["reason"] == "conflicting_birth_dates"]
    golden_id = hub.of_record()[first]
    (review_id,) = asked.index[asked["golden_id"] == golden_id]

    decide_item(hub.engine, hub.config.matching, review_id, "confirm", steward="alice")
    hub.run()
    assert review_id not in hub.queue().index
    assert hub.of_record()[first] == hub.of_record()[second]


def test_decisions_that_contradict_each_other_are_refused(hub: Hub) -> None:
    a, b = _customer_of(hub.of_record(), 2, "crm_legacy")
    c = next(r for r in hub.of_record().index if r not in (a, b))
    decide_pair(hub.engine, hub.config.matching, a, b, "not_same_customer", steward="alice")
    decide_pair(hub.engine, hub.config.matching, b, c, "same_customer", steward="alice")
    with pytest.raises(DecisionRefused, match="contradict"):
        decide_pair(hub.engine, hub.config.matching, a, c, "same_customer", steward="alice")
    # A later decision about the same pair replaces the earlier one.
    decide_pair(hub.engine, hub.config.matching, a, b, "same_customer", steward="alice")
    decide_pair(hub.engine, hub.config.matching, a, c, "same_customer", steward="alice")
    hub.run()
    of_record = hub.of_record()
    assert of_record[a] == of_record[b] == of_record[c]


@pytest.mark.parametrize("warehouse_kind", ["sqlite"], indirect=True)
def test_the_review_cli_lists_shows_decides_and_logs(
    hub: Hub, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = ["--config", str(hub.demo.config)]
    assert main(["review", "list", *config]) == 0
    listed = capsys.readouterr().out
    review_id = hub.queue().sort_values("priority", ascending=False).index[0]
    assert review_id in listed and "item(s) to review" in listed

    assert main(["review", "show", review_id, *config]) == 0
    shown = capsys.readouterr().out
    assert "match weight" in shown and "prior" in shown

    monkeypatch.setenv("HUB_STEWARD", "carol")
    assert main(["review", "decide", review_id, "different", "--comment", "no", *config]) == 0
    assert "Decision 1 recorded for carol" in capsys.readouterr().out
    assert main(["review", "decide", review_id, "confirm", *config]) == 1
    assert "is a pair: decide it same or different" in capsys.readouterr().err
    assert main(["review", "list", *config]) == 0
    (row,) = [line for line in capsys.readouterr().out.splitlines() if review_id in line]
    assert row.endswith("#1, next run")

    assert main(["review", "log", *config]) == 0
    logged = capsys.readouterr().out
    assert "#1" in logged and "carol" in logged and "why: no" in logged
    assert "are different customers" in logged and "not applied yet" in logged

    assert main(["review", "undo", "1", *config]) == 0
    assert main(["review", "log", *config]) == 0
    logged = capsys.readouterr().out
    assert "carol: undid decision 1  (not applied yet)" in logged
    assert "(undone by 2)" in logged


@pytest.mark.parametrize("warehouse_kind", ["sqlite"], indirect=True)
def test_a_run_can_train_its_model_with_the_decisions_as_labels(hub: Hub) -> None:
    queue = hub.queue()
    pairs = queue[queue["kind"] == "pair"].head(6)
    for number, review_id in enumerate(pairs.index):
        verdict = "same_customer" if number % 2 else "not_same_customer"
        decide_item(hub.engine, hub.config.matching, review_id, verdict, steward="alice")

    def trained(learn: bool) -> dict[str, object]:
        matching = hub.config.matching.model_copy(update={"learn_from_stewards": learn})
        hub.config = hub.config.model_copy(update={"matching": matching})
        hub.run()
        return hub.table("match_model").sort_values("version").iloc[-1]["model"]

    obeying, learning = trained(False), trained(True)
    assert learning["comparisons"] != obeying["comparisons"]
    # A pair's evidence still adds up to its match weight under the model that learned.
    prior = float(np.log2(learning["prior"] / (1 - learning["prior"])))
    for pair in hub.table("match_pair").head(50).itertuples():
        evidence = sum(given["weight"] for given in pair.evidence.values())
        assert evidence + prior == pytest.approx(pair.match_weight)


def test_the_records_that_stay_keep_the_id_when_one_of_two_is_taken_out(hub: Hub) -> None:
    records = _customer_of(hub.of_record(), 2, "webshop")
    golden_id = hub.of_record()[records[0]]
    # Take out the record with the smaller id, which would keep the id on a tie.
    leaving, staying = records
    take_out(hub.engine, hub.config.matching, leaving, steward="alice", out_of=golden_id)
    hub.run()
    assert hub.of_record()[staying] == golden_id != hub.of_record()[leaving]
    # A page read before the run shows the record in the customer it has left.
    with pytest.raises(DecisionRefused, match="no longer in"):
        take_out(hub.engine, hub.config.matching, leaving, steward="alice", out_of=golden_id)


def test_a_run_notes_only_the_decisions_it_obeyed(hub: Hub) -> None:
    a, b = _customer_of(hub.of_record(), 2, "crm_legacy")
    first = decide_pair(hub.engine, hub.config.matching, a, b, "not_same_customer", steward="alice")
    constraints = steward_constraints(steward_decisions(hub.engine))
    assert constraints.through == first.decision_id
    # Decided while the run matched: the run did not obey it, so it is not noted on it.
    later = override(hub.engine, hub.of_record()[a], "city", "Oslo", steward="bob")
    with hub.engine.begin() as connection:
        assert note_applied(connection, "run-x", constraints.through) == 1
    log = hub.table("steward_decision").set_index("decision_id")
    assert log.loc[first.decision_id, "applied_run_id"] == "run-x"
    assert pd.isna(log.loc[later.decision_id, "applied_run_id"])


def test_a_config_that_contradicts_the_decisions_stops_the_run_and_says_so(hub: Hub) -> None:
    a, b = _customer_of(hub.of_record(), 2, "crm_legacy")
    decide_pair(hub.engine, hub.config.matching, a, b, "same_customer", steward="alice")
    apart = hub.config.matching.model_copy(update={"cannot_link": [(a, b)]})
    hub.config = hub.config.model_copy(update={"matching": apart})
    with pytest.raises(RunFailed, match="contradict steward decisions") as failed:
        hub.run()
    # Said as the hub says it, without the class Dagster names first.
    assert "  - step `customer_links`: the config's " in str(failed.value)
    assert "DecisionRefused" not in str(failed.value)


@pytest.mark.parametrize("warehouse_kind", ["sqlite"], indirect=True)
def test_a_same_customer_decision_merges_the_two_customers_whole(hub: Hub) -> None:
    # Two customers of two records each, their crm records of different people: the
    # birth dates and given names of one speak against the other's.
    records = hub.table("customer_record").set_index(
        hub.table("customer_record")["source"] + ":" + hub.table("customer_record")["source_key"]
    )
    of_record = hub.of_record()
    sizes = of_record.map(of_record.value_counts())
    pairs = of_record[(sizes == 2) & of_record.index.str.startswith("crm_legacy:")]
    first = pairs.index[0]
    born = records.loc[first, "birth_date"]
    second = next(
        r
        for r in pairs.index[1:]
        if records.loc[r, "birth_date"] != born
        and records.loc[r, "given_name"] != records.loc[first, "given_name"]
    )
    ids = (of_record[first], of_record[second])
    together = sorted(of_record.index[of_record.isin(ids)])

    decide_pair(hub.engine, hub.config.matching, first, second, "same_customer", steward="ann")
    hub.run()

    after = hub.of_record()
    assert after[together].nunique() == 1, "every record of both customers is one customer"
    survivor = after[first]
    assert survivor in ids
    changes = hub.table("golden_change")
    changes = changes[changes["run_id"] == hub.run_id]
    (retired,) = set(ids) - {survivor}
    merged = changes[(changes["golden_id"] == retired) & (changes["change"] == "merged")]
    assert merged["other_id"].tolist() == [survivor]
    assert "split" not in set(changes[changes["other_id"].isin(ids)]["change"])
