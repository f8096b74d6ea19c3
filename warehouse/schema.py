"""The warehouse tables. Their names and columns are a contract that downstream apps read.

- ``golden_customer``: one row per customer, the surviving value of each field.
- ``golden_redirect``: golden ids retired by a merge, and the live id each now is.
- ``golden_customer_history``: every version of every golden customer, with the time it
  held from and to (a type-2 slowly changing dimension).
- ``golden_change``: the change feed: each golden customer created, updated, merged into
  another, split off another or removed, and when.
- ``customer_xref``: one row per source record, the golden customer it belongs to.
- ``customer_xref_history``: every golden customer a source record has belonged to.
- ``source_record``: every row as read from its source (raw landing), with when it was
  first and last seen and, for rows gone from a full-refresh source, when it disappeared.
- ``source_state``: per source, the incremental cursor and the columns seen so far.
- ``source_sync``: one row per sync with its figures (read, new, changed, deleted, …).
- ``customer_record``: every source record after standardization (canonical shape).
- ``quarantine``: rows held back, with the stage that held them (``sync`` for rows that
  could not be read or keyed, ``quality`` for rows that broke a quality rule), where
  they were read, the rule and the detail.
- ``golden_lineage``: for each golden value, the source record and the rule that chose it.
- ``match_pair``: scored pairs the matcher linked or left for review, and constrained pairs,
  with the version of the match model that scored them.
- ``match_model``: every saved version of the match model, with the run that trained it.
- ``customer_interaction``: orders, tickets, complaints and surveys, by golden customer.
- ``mart_sales_customer``: sales' customer 360: orders, revenue and categories per customer.
- ``mart_marketing_contact``: marketing's contactable customers: the channels each consented
  to, the one it prefers, and its RFM segment.
- ``mart_service_customer``: service's view: contact details with open and closed tickets
  and complaints.
- ``mart_finance_customer``, ``mart_finance_segment``: revenue, cost and margin per
  customer and per RFM segment, in each currency.
- ``review_item``: the steward review queue: uncertain pairs and suspicious customers,
  most pressing first, rebuilt by each publish.
- ``steward_decision``: every steward decision, undos included, never rewritten but to
  note the run that applied it: the audit trail, and the law every run obeys.
- ``hub_run``: one row per run with its summary.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from quality import PERSON_FIELDS

metadata = sa.MetaData()

#: Column types of the person fields that differ from plain text.
_PERSON_FIELD_TYPES: dict[str, sa.types.TypeEngine[Any]] = {
    "birth_date": sa.Date(),
    "country": sa.String(2),
}


def _person_columns() -> list[sa.Column[Any]]:
    """One column per canonical person field, so a new canonical field lands by itself."""
    return [sa.Column(name, _PERSON_FIELD_TYPES.get(name, sa.Text())) for name in PERSON_FIELDS]


def _contact_columns() -> list[sa.Column[Any]]:
    """The person fields a department contacts a customer by: all but the birth date."""
    return [c for c in _person_columns() if c.name != "birth_date"]


hub_run = sa.Table(
    "hub_run",
    metadata,
    sa.Column("run_id", sa.String(64), primary_key=True),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column("summary", sa.JSON),
)

source_record = sa.Table(
    "source_record",
    metadata,
    sa.Column("source", sa.String(100), primary_key=True),
    sa.Column("source_key", sa.String(200), primary_key=True),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("row_hash", sa.String(64), nullable=False),
    sa.Column("location", sa.Text, nullable=False),
    sa.Column("load_id", sa.String(64), nullable=False),
    sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
    sa.Column("deleted_at", sa.DateTime(timezone=True)),
)

source_state = sa.Table(
    "source_state",
    metadata,
    sa.Column("source", sa.String(100), primary_key=True),
    sa.Column("cursor", sa.Text),
    sa.Column("columns", sa.JSON, nullable=False),
    sa.Column("last_sync_id", sa.String(64), nullable=False),
    sa.Column("last_synced_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("content_digest", sa.String(64)),
)
"""``content_digest``: of the files the last full refresh of a file source read, with how
it reads them (see `connectors.content_digest`); a full refresh that finds the same need
not read them again."""

source_sync = sa.Table(
    "source_sync",
    metadata,
    sa.Column("sync_id", sa.String(64), primary_key=True),
    sa.Column("source", sa.String(100), nullable=False, index=True),
    sa.Column("mode", sa.String(16), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("cursor_before", sa.Text),
    sa.Column("cursor_after", sa.Text),
    sa.Column("rows_read", sa.Integer, nullable=False),
    sa.Column("new", sa.Integer, nullable=False),
    sa.Column("changed", sa.Integer, nullable=False),
    sa.Column("unchanged", sa.Integer, nullable=False),
    sa.Column("deleted", sa.Integer, nullable=False),
    sa.Column("quarantined", sa.Integer, nullable=False),
    sa.Column("new_columns", sa.JSON, nullable=False),
    sa.Column("deletions_held", sa.Integer, nullable=False, server_default="0"),
)
"""``deletions_held``: rows gone from the source that a full refresh did not mark deleted,
as they were more than the source's ``sync.max_delete_share`` (see `warehouse.landing`)."""

customer_record = sa.Table(
    "customer_record",
    metadata,
    sa.Column("source", sa.String(100), primary_key=True),
    sa.Column("source_key", sa.String(200), primary_key=True),
    *_person_columns(),
    sa.Column("source_updated_at", sa.DateTime(timezone=True)),
    sa.Column("attributes", sa.JSON),
    sa.Column("run_id", sa.String(64), nullable=False),
)

golden_customer = sa.Table(
    "golden_customer",
    metadata,
    sa.Column("golden_id", sa.String(32), primary_key=True),
    *_person_columns(),
    sa.Column("record_count", sa.Integer, nullable=False),
    sa.Column("sources", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("run_id", sa.String(64), nullable=False),
)
"""``created_at``: when the golden id was first issued; it lasts as long as the customer
does (see `warehouse.identity`)."""

golden_redirect = sa.Table(
    "golden_redirect",
    metadata,
    sa.Column("retired_id", sa.String(32), primary_key=True),
    sa.Column("golden_id", sa.String(32), nullable=False, index=True),
    sa.Column("retired_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("run_id", sa.String(64), nullable=False),
)
"""Golden ids retired by a merge, each with the id that now holds its customer. When that
customer merges again, its redirects move along, so ``golden_id`` is live unless the
customer was later removed (``removed`` in `golden_change`)."""

golden_customer_history = sa.Table(
    "golden_customer_history",
    metadata,
    sa.Column("golden_id", sa.String(32), primary_key=True),
    sa.Column("valid_from", sa.DateTime(timezone=True), primary_key=True),
    sa.Column("valid_to", sa.DateTime(timezone=True)),
    sa.Column("is_current", sa.Boolean, nullable=False),
    *_person_columns(),
    sa.Column("record_count", sa.Integer, nullable=False),
    sa.Column("sources", sa.Text, nullable=False),
    sa.Column("row_hash", sa.String(64), nullable=False),
    sa.Column("run_id", sa.String(64), nullable=False),
    sa.Index("ix_golden_customer_history_current", "is_current", "golden_id"),
)
"""A version holds from ``valid_from`` until ``valid_to`` (empty while ``is_current``).
``row_hash`` fingerprints the version's values, so an unchanged customer adds none."""

golden_change = sa.Table(
    "golden_change",
    metadata,
    sa.Column("change_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("golden_id", sa.String(32), nullable=False, index=True),
    sa.Column("change", sa.String(16), nullable=False),
    sa.Column("other_id", sa.String(32)),
    sa.Column("run_id", sa.String(64), nullable=False),
)
"""``change``: ``created``; ``updated`` (a field, its records or sources changed);
``merged`` (``other_id`` is the customer it went into); ``split`` (a new customer of
records that left ``other_id``); ``removed`` (its records are gone). Poll it by
``change_id`` or ``changed_at``."""

customer_xref = sa.Table(
    "customer_xref",
    metadata,
    sa.Column("source", sa.String(100), primary_key=True),
    sa.Column("source_key", sa.String(200), primary_key=True),
    sa.Column("golden_id", sa.String(32), nullable=False, index=True),
    sa.Column("match_probability", sa.Float),
    sa.Column("placed_by", sa.String(16), nullable=False),
    sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
    sa.Column("run_id", sa.String(64), nullable=False),
)
"""``match_probability`` and ``placed_by`` come from the strongest link that placed the
record with another (``score`` or ``must_link``; ``single`` when it is its customer's only
record; ``kept`` when the run kept its customer as it was and none of its links placed
it); ``valid_from`` is when it joined this golden customer."""

customer_xref_history = sa.Table(
    "customer_xref_history",
    metadata,
    sa.Column("source", sa.String(100), primary_key=True),
    sa.Column("source_key", sa.String(200), primary_key=True),
    sa.Column("valid_from", sa.DateTime(timezone=True), primary_key=True),
    sa.Column("valid_to", sa.DateTime(timezone=True)),
    sa.Column("golden_id", sa.String(32), nullable=False, index=True),
    sa.Column("run_id", sa.String(64), nullable=False),
)
"""Every golden customer each source record has belonged to, and when; ``valid_to`` is
empty for the one it belongs to now."""

golden_lineage = sa.Table(
    "golden_lineage",
    metadata,
    sa.Column("golden_id", sa.String(32), primary_key=True),
    sa.Column("field", sa.String(64), primary_key=True),
    sa.Column("source", sa.String(100), nullable=False),
    sa.Column("source_key", sa.String(200), nullable=False),
    sa.Column("rule", sa.String(64), nullable=False),
)

match_pair = sa.Table(
    "match_pair",
    metadata,
    sa.Column("record_id_l", sa.String(300), primary_key=True),
    sa.Column("record_id_r", sa.String(300), primary_key=True),
    sa.Column("match_weight", sa.Float, nullable=False),
    sa.Column("match_probability", sa.Float, nullable=False),
    sa.Column("decision", sa.String(16), nullable=False, index=True),
    sa.Column("decided_by", sa.String(16), nullable=False),
    sa.Column("evidence", sa.JSON),
    sa.Column("model_version", sa.Integer, nullable=False),
    sa.Column("run_id", sa.String(64), nullable=False),
)

match_model = sa.Table(
    "match_model",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("trained_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("run_id", sa.String(64), nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False, index=True),
    sa.Column("model", sa.JSON, nullable=False),
    sa.Column("iterations", sa.Integer, nullable=False),
    sa.Column("converged", sa.Boolean, nullable=False),
    sa.Column("records", sa.Integer, nullable=False),
    sa.Column("candidate_pairs", sa.Integer, nullable=False),
    sa.Column("trained_on", sa.JSON),
)
"""``model`` is the model as plain data (`FellegiSunterModel.to_dict`); ``fingerprint``
identifies the comparisons and levels it scores (`matching.comparisons_fingerprint`), so a
run finds the versions that fit it; ``records`` and ``candidate_pairs`` are what it was
trained on, and ``trained_on`` the profile a later run measures its drift from
(`matching.TrainingProfile.to_dict`; empty for versions saved before profiles were kept)."""

customer_interaction = sa.Table(
    "customer_interaction",
    metadata,
    sa.Column("source", sa.String(100), primary_key=True),
    sa.Column("source_key", sa.String(200), primary_key=True),
    sa.Column("golden_id", sa.String(32), index=True),
    sa.Column("customer_source", sa.String(100), nullable=False),
    sa.Column("customer_key", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("closed_at", sa.DateTime(timezone=True)),
    sa.Column("amount", sa.Numeric(14, 2)),
    sa.Column("cost", sa.Numeric(14, 2)),
    sa.Column("currency", sa.String(3)),
    sa.Column("channel", sa.Text),
    sa.Column("status", sa.Text),
    sa.Column("topic", sa.Text),
    sa.Column("run_id", sa.String(64), nullable=False),
)
"""One row per interaction; ``golden_id`` is empty while its customer has no golden record.
A ``consent`` row is a customer's statement about a ``channel``: ``status`` ``granted`` or
``withdrawn``, as of ``occurred_at``."""

mart_sales_customer = sa.Table(
    "mart_sales_customer",
    metadata,
    sa.Column("golden_id", sa.String(32), primary_key=True),
    sa.Column("given_name", sa.Text),
    sa.Column("family_name", sa.Text),
    sa.Column("email", sa.Text),
    sa.Column("country", sa.String(2)),
    sa.Column("order_count", sa.Integer, nullable=False),
    sa.Column("currency", sa.String(3)),
    sa.Column("lifetime_revenue", sa.Numeric(16, 2), nullable=False),
    sa.Column("orders_in_other_currencies", sa.Integer, nullable=False),
    sa.Column("first_order_at", sa.DateTime(timezone=True)),
    sa.Column("last_order_at", sa.DateTime(timezone=True)),
    sa.Column("categories", sa.Text),
    sa.Column("run_id", sa.String(64), nullable=False),
)
"""Sales' customer 360, one row per golden customer (see `warehouse.marts`): revenue in
``currency``, the one most of its orders are in, unconverted; ``categories`` bought,
comma-separated."""

mart_marketing_contact = sa.Table(
    "mart_marketing_contact",
    metadata,
    sa.Column("golden_id", sa.String(32), primary_key=True),
    *_contact_columns(),
    sa.Column("by_email", sa.Boolean, nullable=False),
    sa.Column("by_phone", sa.Boolean, nullable=False),
    sa.Column("by_sms", sa.Boolean, nullable=False),
    sa.Column("by_post", sa.Boolean, nullable=False),
    sa.Column("preferred_channel", sa.String(8), nullable=False),
    sa.Column("recency_days", sa.Integer),
    sa.Column("frequency", sa.Integer, nullable=False),
    sa.Column("monetary", sa.Numeric(16, 2), nullable=False),
    sa.Column("currency", sa.String(3)),
    sa.Column("r_score", sa.SmallInteger),
    sa.Column("f_score", sa.SmallInteger),
    sa.Column("m_score", sa.SmallInteger),
    sa.Column("rfm_segment", sa.String(32), nullable=False),
    sa.Column("run_id", sa.String(64), nullable=False),
)
"""The golden customers marketing may contact: a row for each that granted consent for a
channel, and not withdrawn it since, and whose golden record holds the address that channel
needs. Only addresses of consented channels are filled in (see `warehouse.marts`)."""

mart_service_customer = sa.Table(
    "mart_service_customer",
    metadata,
    sa.Column("golden_id", sa.String(32), primary_key=True),
    *_contact_columns(),
    sa.Column("open_tickets", sa.Integer, nullable=False),
    sa.Column("closed_tickets", sa.Integer, nullable=False),
    sa.Column("open_complaints", sa.Integer, nullable=False),
    sa.Column("closed_complaints", sa.Integer, nullable=False),
    sa.Column("oldest_open_at", sa.DateTime(timezone=True)),
    sa.Column("last_contact_at", sa.DateTime(timezone=True)),
    sa.Column("mean_hours_to_close", sa.Float),
    sa.Column("run_id", sa.String(64), nullable=False),
)
"""Service's view, one row per golden customer: its tickets and complaints, open (not
closed yet) and closed, the oldest still open, the last one raised, and how long closing
took on average."""

mart_finance_customer = sa.Table(
    "mart_finance_customer",
    metadata,
    sa.Column("golden_id", sa.String(32), primary_key=True),
    sa.Column("currency", sa.String(3), primary_key=True),
    sa.Column("rfm_segment", sa.String(32), nullable=False),
    sa.Column("order_count", sa.Integer, nullable=False),
    sa.Column("revenue", sa.Numeric(16, 2), nullable=False),
    sa.Column("cost", sa.Numeric(16, 2)),
    sa.Column("margin", sa.Numeric(16, 2)),
    sa.Column("margin_rate", sa.Float),
    sa.Column("orders_without_cost", sa.Integer, nullable=False),
    sa.Column("run_id", sa.String(64), nullable=False),
)
"""Revenue and margin of each customer that ordered, per currency, unconverted. ``cost``
and ``margin`` (revenue less cost) cover the orders whose cost is known, ``margin_rate`` is
margin over those orders' revenue; ``orders_without_cost`` says how many are left out."""

mart_finance_segment = sa.Table(
    "mart_finance_segment",
    metadata,
    sa.Column("rfm_segment", sa.String(32), primary_key=True),
    sa.Column("currency", sa.String(3), primary_key=True),
    sa.Column("customers", sa.Integer, nullable=False),
    sa.Column("order_count", sa.Integer, nullable=False),
    sa.Column("revenue", sa.Numeric(16, 2), nullable=False),
    sa.Column("cost", sa.Numeric(16, 2)),
    sa.Column("margin", sa.Numeric(16, 2)),
    sa.Column("margin_rate", sa.Float),
    sa.Column("orders_without_cost", sa.Integer, nullable=False),
    sa.Column("run_id", sa.String(64), nullable=False),
)
"""`mart_finance_customer` summed up per RFM segment and currency."""

review_item = sa.Table(
    "review_item",
    metadata,
    sa.Column("review_id", sa.String(16), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("reason", sa.String(32), nullable=False),
    sa.Column("priority", sa.Float, nullable=False),
    sa.Column("record_id_l", sa.String(300)),
    sa.Column("record_id_r", sa.String(300)),
    sa.Column("golden_id", sa.String(32), index=True),
    sa.Column("golden_id_r", sa.String(32)),
    sa.Column("match_probability", sa.Float),
    sa.Column("match_weight", sa.Float),
    sa.Column("evidence", sa.JSON),
    sa.Column("model_version", sa.Integer, nullable=False),
    sa.Column("run_id", sa.String(64), nullable=False),
)
"""``kind`` ``pair`` (``reason`` ``uncertain_match``, ``kept_apart`` or ``customers_kept``;
``golden_id`` and ``golden_id_r`` are the customers of ``record_id_l`` and
``record_id_r``, ``evidence`` each comparison's level and weight) or ``customer``
(``conflicting_birth_dates`` or ``large_customer``; ``evidence`` its records and birth
dates). Order by ``priority``,
highest first (see `stewardship.queue`); ``review_id`` names the same item in every run."""

steward_decision = sa.Table(
    "steward_decision",
    metadata,
    sa.Column("decision_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("steward", sa.String(100), nullable=False),
    sa.Column("action", sa.String(24), nullable=False),
    sa.Column("review_id", sa.String(16)),
    sa.Column("record_ids", sa.JSON, nullable=False),
    sa.Column("golden_id", sa.String(32)),
    sa.Column("field", sa.String(64)),
    sa.Column("value", sa.Text),
    sa.Column("undoes", sa.Integer),
    sa.Column("comment", sa.Text),
    sa.Column("golden_before", sa.JSON, nullable=False),
    sa.Column("golden_after", sa.JSON),
    sa.Column("applied_run_id", sa.String(64)),
)
"""``action``: see `stewardship.constraints`. ``golden_before``: the customers the decision
touched as they stood when it was made; ``golden_after``: as the first run that applied
it (``applied_run_id``) published them. Each maps golden id → its fields and records."""

run_lock = sa.Table(
    "run_lock",
    metadata,
    sa.Column("lock", sa.String(16), primary_key=True),
    sa.Column("run_id", sa.String(64), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
)
"""Who holds the warehouse's lock (see `warehouse.run_lock`): one row while a run holds it."""

quarantine = sa.Table(
    "quarantine",
    metadata,
    sa.Column("quarantine_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source", sa.String(100), nullable=False, index=True),
    sa.Column("source_key", sa.String(200)),
    sa.Column("stage", sa.String(16), nullable=False),
    sa.Column("location", sa.Text),
    sa.Column("rule", sa.String(64), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("payload", sa.JSON),
    sa.Column("run_id", sa.String(64), nullable=False, index=True),
)
"""``run_id`` is the sync (stage ``sync``) or the hub run (stage ``quality``) that held it."""

field_issue = sa.Table(
    "field_issue",
    metadata,
    sa.Column("field_issue_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source", sa.String(100), nullable=False, index=True),
    sa.Column("source_key", sa.String(200)),
    sa.Column("location", sa.Text),
    sa.Column("field", sa.String(100), nullable=False),
    sa.Column("rule", sa.String(64), nullable=False),
    sa.Column("value", sa.Text),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("run_id", sa.String(64), nullable=False, index=True),
)
"""A value of a record that went on without it (``rule`` says why: ``invalid_email``), or
that was cleaned (``control_characters_removed``); ``value`` as read, control characters
written out. The hub run that noted it replaces its source's rows."""
