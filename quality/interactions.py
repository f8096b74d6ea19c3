"""Customer interactions (orders, tickets, complaints, survey responses) in one shape.

A source that carries interactions maps its columns onto these fields; each interaction
names the customer by the key it has in one of the hub's customer sources, so it can be
attached to that customer's golden record. As with customers, control characters are
removed from every value, and each value they were removed from is noted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, cast

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationInfo, create_model, field_validator

from quality.dates import parse_timestamps
from quality.exceptions import MissingColumnError
from quality.mapping import FieldMapping
from quality.quarantine import FieldIssueLog, QuarantineLog, note_control_characters, quoted
from quality.text import clean_text_noting_controls

#: What an interaction can be. A ``consent`` is a customer's statement that the business
#: may, or may no longer, contact them through its ``channel`` (``status``: granted or
#: withdrawn).
INTERACTION_KINDS: Final = ("order", "ticket", "complaint", "survey", "consent")

#: Channels a consent can be given for.
CONSENT_CHANNELS: Final = ("email", "phone", "sms", "post")

#: How sources write a consent's status, and what it means.
_CONSENT_STATUS: Final = {
    **dict.fromkeys(("granted", "true", "yes", "y", "1", "opt-in", "subscribed"), "granted"),
    **dict.fromkeys(
        ("withdrawn", "false", "no", "n", "0", "opt-out", "unsubscribed", "denied"), "withdrawn"
    ),
}

#: Fields that hold a point in time, and so may take a ``format``.
_TIME_FIELDS: Final = ("occurred_at", "closed_at")

#: The interaction fields, with what each holds after standardization.
INTERACTION_FIELDS: Final[dict[str, str]] = {
    "customer_key": "the customer's key in the interaction source's customer source",
    "kind": f"one of {', '.join(INTERACTION_KINDS)}",
    "occurred_at": "when it happened (datetime64, UTC)",
    "closed_at": "when a ticket or complaint was closed; empty while open (datetime64, UTC)",
    "amount": "money involved, e.g. an order's total (float)",
    "cost": "what an order cost the business, in the amount's currency (float)",
    "currency": "ISO 4217 code of the amount, upper case",
    "channel": f"where it happened: web, store, chat, …; for a consent one of {CONSENT_CHANNELS}",
    "status": "open, closed, shipped, … as the source says, lower case; "
    "for a consent granted or withdrawn",
    "topic": "category, product group or subject",
}


class InteractionMappingBase(BaseModel):
    """Interaction field → where it comes from in the source (fields built from the shape)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _plain_column_name(cls, spec: object) -> object:
        return {"column": spec} if isinstance(spec, str) else spec

    @field_validator("*")
    @classmethod
    def _format_only_for_time(
        cls, spec: FieldMapping | None, info: ValidationInfo
    ) -> FieldMapping | None:
        if spec is not None and spec.format is not None and info.field_name not in _TIME_FIELDS:
            raise ValueError(f"`format` applies only to {', '.join(_TIME_FIELDS)}")
        if spec is not None and spec.order is not None:
            raise ValueError("`order` applies only to a customer's `full_name`")
        return spec

    @property
    def fields(self) -> dict[str, FieldMapping]:
        """The mapped fields only."""
        return {name: spec for name, spec in self if spec is not None}

    def source_columns(self) -> set[str]:
        """The source columns this mapping reads."""
        return {spec.column for spec in self.fields.values() if spec.column is not None}


InteractionMapping: type[InteractionMappingBase] = create_model(
    "InteractionMapping",
    __base__=InteractionMappingBase,
    customer_key=(FieldMapping, ...),
    kind=(FieldMapping, ...),
    occurred_at=(FieldMapping, ...),
    **{  # type: ignore[call-overload]
        name: (FieldMapping | None, None)
        for name in INTERACTION_FIELDS
        if name not in ("customer_key", "kind", "occurred_at")
    },
)


@dataclass(frozen=True)
class StandardizedInteractions:
    """One source's interactions, and the rows held back with their reasons."""

    interactions: pd.DataFrame
    """``source``, ``source_key`` then INTERACTION_FIELDS, indexed by the raw row's position."""
    quarantine: pd.DataFrame
    issues: pd.DataFrame
    """Values that control characters were removed from (``FIELD_ISSUE_COLUMNS``, rule
    ``control_characters_removed``); their rows are not held back for it."""


def standardize_interactions(
    raw: pd.DataFrame, *, source: str, primary_key: str, mapping: InteractionMappingBase
) -> StandardizedInteractions:
    """Turn one source's raw rows into interactions; rows that cannot be read are held back.

    Rules: ``missing_customer_key``, ``unknown_interaction_kind``, ``invalid_date``
    (``occurred_at`` empty or unreadable, ``closed_at`` unreadable), ``invalid_amount``
    (``amount`` or ``cost``), ``invalid_currency``, ``missing_currency`` (money without
    a currency) and ``invalid_consent`` (a consent whose channel or status cannot be read).

    Raises:
        MissingColumnError: the primary key or a mapped column is not in ``raw``.
    """
    fields = mapping.fields
    for column in [primary_key, *(s.column for s in fields.values() if s.column)]:
        if column not in raw.columns:
            raise MissingColumnError(source, str(column), [str(c) for c in raw.columns])
    rows = pd.RangeIndex(len(raw))

    def values(name: str) -> pd.Series:
        spec = fields.get(name)
        if spec is None:
            return pd.Series(None, index=rows, dtype=object)
        if spec.column is not None:
            return raw[spec.column].reset_index(drop=True).astype(object)
        return pd.Series(spec.value, index=rows, dtype=object)

    def label(name: str) -> str:
        column = fields[name].column
        return f"column `{column}`" if column else "mapped value"

    raw_keys = raw[primary_key].reset_index(drop=True)
    keys, keys_with_controls = clean_text_noting_controls(raw_keys)
    log = QuarantineLog(source, keys)
    cleaned = FieldIssueLog(source, keys)
    note_control_characters(
        cleaned, "source_key", f"column `{primary_key}`", raw_keys, keys_with_controls
    )
    noted = {primary_key}
    texts: dict[str, pd.Series] = {}

    def text(name: str) -> pd.Series:
        """The field's values as cleaned text, computed once; its column's values that had
        control characters removed are noted."""
        if name not in texts:
            texts[name], with_controls = clean_text_noting_controls(values(name))
            column = fields[name].column if name in fields else None
            if column is not None and column not in noted:
                noted.add(column)
                note_control_characters(cleaned, name, label(name), values(name), with_controls)
        return texts[name]

    customer_keys = text("customer_key")
    log.add(customer_keys.isna(), "missing_customer_key", f"{label('customer_key')} is empty")

    kinds = text("kind").str.lower()
    log.add(
        ~kinds.isin(INTERACTION_KINDS),
        "unknown_interaction_kind",
        f"{label('kind')}: " + quoted(values("kind")) + f" is not one of {INTERACTION_KINDS}",
    )

    def timestamps(name: str) -> pd.Series:
        spec = fields.get(name)
        parsed = parse_timestamps(text(name), spec.format if spec else None)
        if spec is not None:
            log.add(
                text(name).notna() & parsed.isna(),
                "invalid_date",
                f"{label(name)}: " + quoted(values(name)) + " is not a date and time",
            )
        return parsed

    def money(name: str) -> pd.Series:
        numbers = pd.to_numeric(text(name).str.replace(",", ".", regex=False), errors="coerce")
        if name in fields:
            log.add(
                text(name).notna() & numbers.isna(),
                "invalid_amount",
                f"{label(name)}: " + quoted(text(name)) + " is not a number",
            )
        return numbers.astype(float)

    occurred = timestamps("occurred_at")
    log.add(text("occurred_at").isna(), "invalid_date", f"{label('occurred_at')} is empty")
    closed = timestamps("closed_at")
    amounts, costs = money("amount"), money("cost")
    currencies = text("currency").str.upper()
    log.add(
        currencies.notna() & ~currencies.str.fullmatch("[A-Z]{3}", na=False),
        "invalid_currency",
        f"{label('currency') if 'currency' in fields else 'currency'}: "
        + quoted(values("currency"))
        + " is not an ISO 4217 code like EUR",
    )
    log.add(
        (amounts.notna() | costs.notna()) & currencies.isna(),
        "missing_currency",
        "an amount or cost is given without a currency; map `currency` (a column, or a value "
        "for the whole source)",
    )
    channels = text("channel").str.lower()
    statuses = text("status").str.lower()
    consent = (kinds == "consent").to_numpy()
    log.add(
        consent & ~channels.isin(CONSENT_CHANNELS),
        "invalid_consent",
        "a consent's channel "
        + quoted(values("channel"))
        + f" is not one of {', '.join(CONSENT_CHANNELS)}",
    )
    stated = statuses.map(_CONSENT_STATUS)
    log.add(
        consent & stated.isna(),
        "invalid_consent",
        "a consent's status "
        + quoted(values("status"))
        + " says neither granted (yes, true, opt-in, …) nor withdrawn (no, false, opt-out, …)",
    )
    statuses = statuses.where(~consent, stated)
    kept = ~log.held_back()
    frame = pd.DataFrame(
        {
            "source": source,
            "source_key": keys,
            "customer_key": customer_keys,
            "kind": kinds,
            "occurred_at": occurred,
            "closed_at": closed,
            "amount": amounts,
            "cost": costs,
            "currency": currencies,
            "channel": channels,
            "status": statuses,
            "topic": text("topic"),
        }
    )[kept]
    frame.index = pd.Index(np.flatnonzero(kept), name="position")
    text_columns = [c for c in frame.columns if c not in (*_TIME_FIELDS, "amount", "cost")]
    # pandas takes None as `other`; pandas-stubs leave it out, hence the cast.
    present = frame[text_columns].notna()
    frame[text_columns] = frame[text_columns].astype(object).where(present, cast(Any, None))
    issues = cleaned.frame()
    # A row held back has no interaction to go on: its quarantine row holds it as read.
    issues = issues[issues["position"].isin(np.flatnonzero(kept) + 1)].reset_index(drop=True)
    return StandardizedInteractions(interactions=frame, quarantine=log.frame(), issues=issues)
