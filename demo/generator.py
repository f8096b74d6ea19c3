"""Generating the demo customer base: people rendered into four disagreeing source systems.

People are drawn and written in batches, each from its own seeded generator, so
memory stays bounded and the output depends only on the seed and the size.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Final

import numpy as np
import pandas as pd

from demo import defects, interactions, systems
from demo.config import hub_config
from demo.files import CsvWriter, JsonLinesWriter, SqliteTableWriter
from demo.people import EmailRegister, draw_people
from demo.pools import sample_pools

#: People per batch: large enough to be fast, small enough to bound memory.
BATCH_PEOPLE: Final = 50_000

SOURCE_FILES: Final = {
    "crm_legacy": "crm_legacy.sqlite",
    "webshop": "webshop_customers.csv",
    "support_desk": "support_desk_contacts.jsonl",
    "newsletter": "newsletter_subscribers.csv",
}
INTERACTION_FILES: Final = {
    "webshop_orders": "webshop_orders.csv",
    "support_tickets": "support_tickets.jsonl",
}
_CRM_COLUMNS: Final = [
    "NAME", "BIRTH_DT", "TEL", "STREET", "ZIP", "CITY", "CTRY", "EMAIL", "LAST_CHG"
]  # fmt: skip
_WEBSHOP_COLUMNS: Final = [
    "customer_id", "email", "first_name", "last_name", "date_of_birth", "phone",
    "address_line", "zip", "city", "country", "updated_at",
]  # fmt: skip
_SUPPORT_COLUMNS: Final = [
    "contact_id", "name", "email", "phone", "street", "zip", "city", "country",
    "created", "modified",
]  # fmt: skip
_NEWSLETTER_COLUMNS: Final = [
    "subscriber_id", "email", "first_name", "consent", "subscribed_at"
]  # fmt: skip
_ORDER_COLUMNS: Final = [
    "order_id", "customer_id", "ordered_at", "amount", "cost", "currency", "category"
]  # fmt: skip
_TICKET_COLUMNS: Final = [
    "ticket_id", "contact_id", "opened_at", "closed_at", "kind", "channel", "subject"
]  # fmt: skip


@dataclass(frozen=True)
class DemoSources:
    """What ``generate_demo`` wrote."""

    config: Path
    """The hub config declaring the four customer sources and their interactions."""
    truth: Path
    """``source, source_key, person_id`` of every customer record: who is who."""
    sources: Mapping[str, Path]
    """Customer file of each source, by source name."""
    interactions: Mapping[str, Path]
    """Orders and support tickets, by the interaction source that reads them first."""
    record_counts: Mapping[str, int]
    """Customer records written per source."""


class _Keys:
    """Each source's own way of numbering its records, continued batch after batch."""

    def __init__(self) -> None:
        self.next_number = {
            "crm_legacy": 100_000,
            "webshop": 1,
            "support_desk": 1001,
            "newsletter": 1,
        }

    def crm_legacy(self, rng: np.random.Generator, n: int) -> list[str]:
        # Legacy numbers have gaps where records were deleted.
        numbers = self.next_number["crm_legacy"] + np.cumsum(rng.integers(1, 4, n))
        if n:
            self.next_number["crm_legacy"] = int(numbers[-1])
        return [str(v) for v in numbers]

    def sequence(self, source: str, template: str, n: int) -> list[str]:
        start = self.next_number[source]
        self.next_number[source] = start + n
        return [template.format(start + i) for i in range(n)]


def _shuffled(rng: np.random.Generator, records: pd.DataFrame) -> pd.DataFrame:
    """Records in an order that says nothing about who they belong to."""
    return records.iloc[rng.permutation(len(records))].reset_index(drop=True)


def generate_demo(out_dir: Path, *, people: int = 2000, seed: int = 7) -> DemoSources:
    """Write a synthetic customer base spread over four source systems, and its truth.

    The same ``seed`` and ``people`` always give byte-identical files.

    Args:
        out_dir: Folder to write into (created if missing; earlier demo files are replaced).
        people: How many people the customer base has.
        seed: Seed of every random choice.

    Returns:
        The paths written and the number of customer records per source.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    pools = sample_pools(seed)
    register = EmailRegister()
    keys = _Keys()
    counts = dict.fromkeys(SOURCE_FILES, 0)
    next_order = next_ticket = 1
    first_household = 0
    with ExitStack() as stack:
        crm = SqliteTableWriter(
            out_dir / SOURCE_FILES["crm_legacy"], "CUSTOMER", "CUST_NO", _CRM_COLUMNS
        )
        stack.callback(crm.close)
        writers: dict[str, CsvWriter | JsonLinesWriter] = {
            "webshop": CsvWriter(out_dir / SOURCE_FILES["webshop"], _WEBSHOP_COLUMNS),
            "support_desk": JsonLinesWriter(
                out_dir / SOURCE_FILES["support_desk"], _SUPPORT_COLUMNS
            ),
            "newsletter": CsvWriter(out_dir / SOURCE_FILES["newsletter"], _NEWSLETTER_COLUMNS),
            "orders": CsvWriter(out_dir / INTERACTION_FILES["webshop_orders"], _ORDER_COLUMNS),
            "tickets": JsonLinesWriter(
                out_dir / INTERACTION_FILES["support_tickets"], _TICKET_COLUMNS
            ),
            "truth": CsvWriter(out_dir / "truth.csv", ["source", "source_key", "person_id"]),
        }
        for writer in writers.values():
            stack.callback(writer.close)

        for batch, start in enumerate(range(0, people, BATCH_PEOPLE)):
            rng = np.random.default_rng([seed, batch])
            size = min(BATCH_PEOPLE, people - start)
            population = draw_people(rng, pools, size, start + 1, first_household, register)
            first_household = int(population["household_id"].max()) + 1
            membership = systems.memberships(rng, population)
            country_of = dict(zip(population["person_id"], population["country"], strict=True))

            records = _shuffled(rng, systems.crm_legacy(rng, population, membership["crm_legacy"]))
            defects.spoil_birth_dates(rng, records)
            records["CUST_NO"] = keys.crm_legacy(rng, len(records))
            crm.write(records)
            truth = [("crm_legacy", records["CUST_NO"], records["person_id"])]

            records = _shuffled(
                rng, systems.webshop(rng, population, membership["webshop"], register)
            )
            defects.spoil_future_births(rng, records, "date_of_birth")
            defects.spoil_emails(rng, records, "email")
            records["customer_id"] = defects.spoil_keys(
                rng, keys.sequence("webshop", "WS-{:06d}", len(records))
            )
            writers["webshop"].write(records)
            truth.append(("webshop", records["customer_id"], records["person_id"]))
            placed = interactions.orders(
                rng, records["customer_id"], records["person_id"].map(country_of), next_order
            )
            next_order += len(placed)
            writers["orders"].write(placed)

            records = _shuffled(
                rng, systems.support_desk(rng, population, membership["support_desk"])
            )
            defects.spoil_emails(rng, records, "email")
            records["contact_id"] = keys.sequence("support_desk", "SD-{}", len(records))
            writers["support_desk"].write(records)
            truth.append(("support_desk", records["contact_id"], records["person_id"]))
            raised = interactions.tickets(rng, records, next_ticket)
            next_ticket += len(raised)
            writers["tickets"].write(raised)

            records = _shuffled(rng, systems.newsletter(rng, population, membership["newsletter"]))
            defects.spoil_emails(rng, records, "email")
            records["subscriber_id"] = keys.sequence("newsletter", "NL-{:06d}", len(records))
            writers["newsletter"].write(records)
            truth.append(("newsletter", records["subscriber_id"], records["person_id"]))

            for source, source_keys, person_ids in truth:
                counts[source] += len(source_keys)
                writers["truth"].write(
                    pd.DataFrame(
                        {"source": source, "source_key": source_keys, "person_id": person_ids}
                    )
                )

    config = out_dir / "hub.yaml"
    config.write_text(hub_config(seed=seed, people=people), encoding="utf-8")
    return DemoSources(
        config=config,
        truth=out_dir / "truth.csv",
        sources=MappingProxyType({name: out_dir / file for name, file in SOURCE_FILES.items()}),
        interactions=MappingProxyType(
            {name: out_dir / file for name, file in INTERACTION_FILES.items()}
        ),
        record_counts=MappingProxyType(counts),
    )
