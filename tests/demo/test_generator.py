import csv
import json
import sqlite3
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from connectors.read import read_source as read_mapped_source
from demo import DemoSources, generate_demo
from demo.nicknames import NICKNAMES
from demo.spelling import strip_diacritics
from pipelines.config import load_config

PEOPLE = 400


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoSources:
    return generate_demo(tmp_path_factory.mktemp("demo"), people=PEOPLE, seed=7)


def read_source(demo: DemoSources, source: str) -> list[dict[str, str | None]]:
    path = demo.sources[source]
    if path.suffix == ".sqlite":
        with sqlite3.connect(path) as connection:
            connection.row_factory = sqlite3.Row
            return [dict(row) for row in connection.execute("SELECT * FROM CUSTOMER")]
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    with path.open(encoding="utf-8", newline="") as rows:
        return list(csv.DictReader(rows))


def read_truth(demo: DemoSources) -> list[dict[str, str]]:
    with demo.truth.open(encoding="utf-8", newline="") as rows:
        return list(csv.DictReader(rows))


def with_person(demo: DemoSources, source: str) -> list[dict[str, str | None]]:
    """Records of ``source`` with their ``person_id`` (the truth lists them in file order)."""
    truth = [row for row in read_truth(demo) if row["source"] == source]
    records = read_source(demo, source)
    return [
        {**record, "person_id": t["person_id"]} for record, t in zip(records, truth, strict=True)
    ]


PRIMARY_KEYS = {
    "crm_legacy": "CUST_NO",
    "webshop": "customer_id",
    "support_desk": "contact_id",
    "newsletter": "subscriber_id",
}


def test_same_seed_gives_identical_files_and_another_seed_different(
    demo: DemoSources, tmp_path: Path
) -> None:
    again = generate_demo(tmp_path / "again", people=PEOPLE, seed=7)
    other = generate_demo(tmp_path / "other", people=PEOPLE, seed=8)
    written = [demo.config, demo.truth, *demo.sources.values(), *demo.interactions.values()]
    for path in written:
        assert path.read_bytes() == (tmp_path / "again" / path.name).read_bytes(), path.name
    assert again.record_counts == demo.record_counts
    for source, path in demo.sources.items():
        assert path.read_bytes() != other.sources[source].read_bytes(), source


def test_every_source_and_interaction_file_is_readable(demo: DemoSources) -> None:
    for source in demo.sources:
        records = read_source(demo, source)
        assert len(records) == demo.record_counts[source] > 0
    orders = list(csv.DictReader(demo.interactions["webshop_orders"].open(encoding="utf-8")))
    tickets = [
        json.loads(line)
        for line in demo.interactions["support_tickets"].read_text(encoding="utf-8").splitlines()
    ]
    assert orders and tickets
    # Goods cost the shop part of what the customer paid.
    assert all(0 < float(o["cost"]) < float(o["amount"]) for o in orders)
    assert {t["kind"] for t in tickets} == {"ticket", "complaint"}
    assert any(t["closed_at"] is None for t in tickets)


def test_truth_lists_every_record_of_every_source_once(demo: DemoSources) -> None:
    truth = read_truth(demo)
    assert set(demo.sources) == {row["source"] for row in truth}
    for source, key in PRIMARY_KEYS.items():
        keys = [str(r[key]) if r[key] is not None else "" for r in read_source(demo, source)]
        listed = [row["source_key"] for row in truth if row["source"] == source]
        assert Counter(keys) == Counter(listed), source
    assert len({row["person_id"] for row in truth}) == PEOPLE


def test_each_person_is_known_somewhere_and_some_twice_in_one_system(demo: DemoSources) -> None:
    per_source = Counter((row["source"], row["person_id"]) for row in read_truth(demo))
    assert max(per_source.values()) == 2
    assert {source for (source, _), n in per_source.items() if n == 2} >= {"webshop", "crm_legacy"}


def test_households_keep_distinct_people_at_one_address(demo: DemoSources) -> None:
    at_address: dict[tuple, set[tuple]] = defaultdict(set)
    for record in with_person(demo, "webshop"):
        at_address[record["address_line"], record["zip"]].add(
            (
                record["person_id"],
                record["last_name"],
                record["date_of_birth"],
                record["first_name"],
            )
        )
    households = [people for people in at_address.values() if len({p[0] for p in people}) > 1]
    assert households
    twins = [
        (a, b)
        for people in households
        for a in people
        for b in people
        if a[0] < b[0] and a[1] == b[1] and a[2] and a[2] == b[2] and a[3] != b[3]
    ]
    namesakes = [
        (a, b)
        for people in households
        for a in people
        for b in people
        if a[0] < b[0] and (a[1], a[3]) == (b[1], b[3]) and a[2] and b[2] and a[2] != b[2]
    ]
    assert twins, "no twins: same family name, address and birth date"
    assert namesakes, "no father and son of the same name at one address"


def test_records_of_one_person_disagree_across_systems(demo: DemoSources) -> None:
    crm = defaultdict(list)
    for record in with_person(demo, "crm_legacy"):
        crm[record["person_id"]].append(record)
    renamed = diacritics = moved = 0
    for record in with_person(demo, "webshop"):
        for old in crm.get(record["person_id"], []):
            family = old["NAME"].split(",")[0]
            folded = strip_diacritics(record["last_name"]).upper()
            renamed += folded.split("-")[0] not in {family, strip_diacritics(family)}
            diacritics += not record["last_name"].isascii() and family.isascii()
            moved += old["ZIP"] != record["zip"]
    assert renamed and diacritics and moved


def test_web_shop_uses_nicknames(demo: DemoSources) -> None:
    nicknames = {n for table in NICKNAMES.values() for options in table.values() for n in options}
    first_names = {r["first_name"] for r in read_source(demo, "webshop")}
    assert first_names & nicknames


def test_customers_live_in_five_countries(demo: DemoSources) -> None:
    countries = {r["country"] for r in read_source(demo, "support_desk")}
    assert countries == {"US", "GB", "DE", "ES", "NO"}
    assert {"Deutschland", "España", "Norge"} & {r["country"] for r in read_source(demo, "webshop")}


def test_plainly_bad_rows_are_present(demo: DemoSources) -> None:
    births = [r["BIRTH_DT"] for r in read_source(demo, "crm_legacy") if r["BIRTH_DT"]]
    assert any(
        b[:4] in ("0000", "3002")
        or b.startswith("31")
        and b[2:4] in ("02", "04", "06", "09", "11")
        or int(b[4:]) > 2025
        for b in births
    )
    webshop = read_source(demo, "webshop")
    keys = Counter(r["customer_id"] for r in webshop)
    assert keys[""] == 1
    assert max(n for key, n in keys.items() if key) == 2
    emails = [r["email"] for r in webshop] + [r["email"] for r in read_source(demo, "newsletter")]
    assert any(e.count("@") != 1 or ".." in e or " " in e for e in emails if e)


def test_config_loads_and_maps_only_columns_the_files_have(demo: DemoSources) -> None:
    config = load_config(demo.config)
    assert set(config.customer_sources) == set(demo.sources)
    assert set(config.interaction_sources) == {
        "webshop_orders",
        "support_tickets",
        "newsletter_consent",
    }
    for name, source in config.sources.items():
        columns = set(read_mapped_source(source.connector, name).columns)
        assert source.mapping.source_columns() | {source.primary_key} <= columns, name
    for name, source in config.customer_sources.items():
        assert source.primary_key == PRIMARY_KEYS[name]
