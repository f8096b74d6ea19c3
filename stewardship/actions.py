"""What a steward can do to the review queue and the golden customers, checked before it
is recorded. The CLI (`hub review`) and the steward console both act through here.

A decision is recorded at once and applied by the next run; the run notes itself on the
decision, with the customers as it published them (the audit trail's "after").
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
from dataclasses import dataclass
from typing import Final

import sqlalchemy as sa

from matching import MatchingError, MatchSettings
from quality import PERSON_FIELDS
from stewardship.constraints import check_agreement, standing, steward_constraints
from stewardship.exceptions import DecisionRefused
from warehouse import (
    StewardDecision,
    customer_record_ids,
    golden_id_of,
    live_golden_id,
    record_decision,
    review_item,
    steward_decision,
    steward_decisions,
)

#: Environment variable naming the steward, when the command line does not.
STEWARD_ENV: Final = "HUB_STEWARD"

#: What a steward can say about a pair, and about a customer of the queue.
PAIR_VERDICTS: Final = ("same_customer", "not_same_customer")
CUSTOMER_VERDICTS: Final = ("confirm", "take_out")

#: How a steward says a verdict (on the command line and in the console's forms), and
#: the decision it makes.
VERDICTS: Final = {
    "same": "same_customer",
    "different": "not_same_customer",
    "confirm": "confirm",
    "take-out": "take_out",
}


@dataclass(frozen=True)
class Recorded:
    """A decision just recorded."""

    decision_id: int
    action: str
    summary: str
    """One line on what was decided, for the steward."""


def steward_name(given: str | None) -> str:
    """Who decides: as given, else ``HUB_STEWARD``, else the logged-in user."""
    name = (given or os.environ.get(STEWARD_ENV) or getpass.getuser()).strip()
    if not name:
        raise DecisionRefused("say who decides: --steward NAME, or set HUB_STEWARD")
    return name


def decide_item(
    engine: sa.Engine,
    settings: MatchSettings,
    review_id: str,
    verdict: str,
    *,
    steward: str,
    comment: str | None = None,
    record: str | None = None,
) -> Recorded:
    """Decide an item of the review queue.

    Args:
        verdict: For a pair, ``same_customer`` or ``not_same_customer``; for a customer,
            ``confirm`` (its records are one customer as they stand) or ``take_out``
            (``record`` is not this customer).
    """
    item = review_item(engine, review_id)
    if item["kind"] == "pair":
        if verdict not in PAIR_VERDICTS:
            raise DecisionRefused(f"{review_id} is a pair: decide it same or different")
        records: tuple[str, ...] = (item["record_id_l"], item["record_id_r"])
        return _record(
            engine, settings, steward, verdict, records, review_id=review_id, comment=comment
        )
    if verdict not in CUSTOMER_VERDICTS:
        raise DecisionRefused(
            f"{review_id} is a customer: confirm it, or take out one of its records"
        )
    if verdict == "take_out":
        records = tuple(item["evidence"]["records"])
        if record not in records:
            raise DecisionRefused(
                f"say which of the customer's records to take out: {', '.join(records)}"
            )
        return take_out(
            engine,
            settings,
            record,
            steward=steward,
            comment=comment,
            review_id=review_id,
            out_of=item["golden_id"],
        )
    return _record(
        engine,
        settings,
        steward,
        "confirm",
        tuple(item["evidence"]["records"]),
        review_id=review_id,
        comment=comment,
    )


def decide_pair(
    engine: sa.Engine,
    settings: MatchSettings,
    record_l: str,
    record_r: str,
    verdict: str,
    *,
    steward: str,
    comment: str | None = None,
) -> Recorded:
    """Say of any two records whether they are one customer (queued or not)."""
    if verdict not in PAIR_VERDICTS:
        raise DecisionRefused("decide a pair same or different")
    for record in (record_l, record_r):
        _placed(engine, record)
    if record_l == record_r:
        raise DecisionRefused(f"{record_l} is named twice; name two records")
    return _record(engine, settings, steward, verdict, (record_l, record_r), comment=comment)


def take_out(
    engine: sa.Engine,
    settings: MatchSettings,
    record: str,
    *,
    steward: str,
    comment: str | None = None,
    review_id: str | None = None,
    out_of: str | None = None,
) -> Recorded:
    """Take a record out of its golden customer: it is kept apart from every other
    record the customer holds now.

    Args:
        out_of: The customer the steward saw the record in; refused if it is elsewhere
            by now (a run moved it since the page was read).
    """
    golden_id = _placed(engine, record)
    if out_of is not None and live_golden_id(engine, out_of) != golden_id:
        raise DecisionRefused(
            f"{record} is no longer in {out_of} but in {golden_id}; look at it again"
        )
    others = [r for r in customer_record_ids(engine, golden_id) if r != record]
    if not others:
        raise DecisionRefused(
            f"{record} is the only record of {golden_id}: nothing to take it out of"
        )
    return _record(
        engine,
        settings,
        steward,
        "take_out",
        (record, *others),
        review_id=review_id,
        comment=comment,
        golden_id=golden_id,
    )


def override(
    engine: sa.Engine,
    golden_id: str,
    field: str,
    value: str | None,
    *,
    steward: str,
    comment: str | None = None,
) -> Recorded:
    """Set a golden customer's field, whatever its sources say (``None`` empties it)."""
    if field not in PERSON_FIELDS:
        raise DecisionRefused(f"{field!r} is not a golden field; one of {', '.join(PERSON_FIELDS)}")
    value = _checked_value(field, value)
    live = live_golden_id(engine, golden_id)
    if live is None:
        raise DecisionRefused(f"no golden customer has or had the id {golden_id}")
    decision_id = record_decision(
        engine,
        steward=steward,
        action="override",
        golden_id=live,
        field=field,
        value=value,
        comment=comment,
    )
    return Recorded(decision_id, "override", f"{live}: {field} set to {value!r}")


def undo(
    engine: sa.Engine,
    settings: MatchSettings,
    decision_id: int,
    *,
    steward: str,
    comment: str | None = None,
) -> Recorded:
    """Take a decision back; the runs after it act as if it had not been made."""
    undone = steward_decision(engine, decision_id)
    if undone["action"] == "undo":
        raise DecisionRefused(
            f"decision {decision_id} is an undo; to restore what it undid, decide again"
        )
    if decision_id not in {d.decision_id for d in standing(steward_decisions(engine))}:
        raise DecisionRefused(f"decision {decision_id} is undone already")
    new_id = record_decision(
        engine,
        steward=steward,
        action="undo",
        undoes=decision_id,
        comment=comment,
        check=lambda decisions: _check(settings, decisions),
    )
    return Recorded(new_id, "undo", f"decision {decision_id} ({undone['action']}) undone")


def _record(
    engine: sa.Engine,
    settings: MatchSettings,
    steward: str,
    action: str,
    record_ids: tuple[str, ...],
    *,
    review_id: str | None = None,
    comment: str | None = None,
    golden_id: str | None = None,
) -> Recorded:
    if action == "same_customer":
        record_ids = (*record_ids, *_their_other_records(engine, record_ids))
    decision_id = record_decision(
        engine,
        steward=steward,
        action=action,
        record_ids=record_ids,
        review_id=review_id,
        golden_id=golden_id,
        comment=comment,
        check=lambda decisions: _check(settings, decisions),
    )
    said = {
        "same_customer": "are one customer",
        "not_same_customer": "are different customers",
        "confirm": "are one customer as they stand",
    }
    summary = (
        f"{record_ids[0]} taken out of {golden_id}"
        if action == "take_out"
        else f"{' and '.join(record_ids[:2])}"
        f"{' and others' if action == 'confirm' and len(record_ids) > 2 else ''} {said[action]}"
    )
    return Recorded(decision_id, action, summary)


def _their_other_records(engine: sa.Engine, pair: tuple[str, ...]) -> list[str]:
    """The other records of the customers holding ``pair``: a "same customer" decision
    merges those customers as they stand, so that it only ever merges. Left out, a record
    linked to one of the pair by its score could be split off by the other's conflicting
    evidence. A record that a standing decision keeps apart from one of the pair (decided
    different, taken out of its customer) stays out: that decision still holds."""
    held: set[str] = set()
    for record in pair:
        golden_id = golden_id_of(engine, record)
        if golden_id is not None:
            held.update(customer_record_ids(engine, golden_id))
    apart = steward_constraints(steward_decisions(engine)).cannot_link
    kept_apart = {
        other
        for left, right in apart
        for one, other in ((left, right), (right, left))
        if one in pair
    }
    return sorted(held - set(pair) - kept_apart)


def _check(settings: MatchSettings, decisions: list[StewardDecision]) -> None:
    try:
        check_agreement(steward_constraints(decisions), settings.must_link, settings.cannot_link)
    except MatchingError as exc:
        raise DecisionRefused(
            f"this decision would contradict earlier ones: {exc}. `hub review log` lists "
            "the decisions; undo the one that no longer holds first"
        ) from None


def _placed(engine: sa.Engine, record: str) -> str:
    """The golden id of a published record."""
    golden_id = golden_id_of(engine, record)
    if golden_id is None:
        raise DecisionRefused(
            f"no published record is {record!r}; name records as SOURCE:KEY, e.g. webshop:WS-000123"
        )
    return golden_id


def _checked_value(field: str, value: str | None) -> str | None:
    value = value.strip() if value is not None else None
    if not value:
        return None
    if field == "birth_date":
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            raise DecisionRefused(f"birth_date {value!r} is not a date like 1980-04-23") from None
    if field == "country" and not (len(value) == 2 and value.isalpha()):
        raise DecisionRefused(f"country {value!r} is not an ISO 3166 code like NO or DE")
    if field == "email":
        if value.count("@") != 1:
            raise DecisionRefused(f"e-mail {value!r} is not an address like kari@example.no")
        return value.lower()
    return value.upper() if field == "country" else value
