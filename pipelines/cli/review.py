"""`hub review list|show|decide|override|undo|log`: the steward's work from the terminal."""

from __future__ import annotations

import argparse
from typing import Any

import pandas as pd
import sqlalchemy as sa

import stewardship
from pipelines.cli.text_table import text_table
from pipelines.config import HubConfig, load_config
from quality import PERSON_FIELDS
from stewardship import REASONS, STEWARD_ENV, VERDICTS, Recorded, evidence, shown, side_by_side
from warehouse import connect, golden_profile, review_item, review_items


def render_queue(engine: sa.Engine, *, limit: int, reason: str | None) -> str:
    """The most pressing items of the review queue."""
    items, total = review_items(engine, limit=limit, reason=reason)
    if total == 0:
        return "Nothing to review." if reason is None else f"Nothing to review for {reason}."
    shown = pd.DataFrame(
        {
            "id": items["review_id"],
            "priority": items["priority"].map("{:.2f}".format),
            "what": items["reason"].map(REASONS),
            "records": [
                f"{left} ~ {right}" if kind == "pair" else f"{len(held['records'])} records"
                for kind, left, right, held in zip(
                    items["kind"],
                    items["record_id_l"],
                    items["record_id_r"],
                    items["evidence"],
                    strict=True,
                )
            ],
            "probability": items["match_probability"].map(
                lambda p: "-" if pd.isna(p) else f"{p:.3f}"
            ),
            "customer": items["golden_id"].fillna("-"),
            "decided": items["pending_decision"].map(
                lambda d: "-" if pd.isna(d) else f"#{int(d)}, next run"
            ),
        }
    )
    more = f" (the first {len(items):,} shown; --limit shows more)" if total > len(items) else ""
    return "\n".join(
        [
            *text_table(shown),
            "",
            f"{total:,} item(s) to review{more}.",
            "`hub review show ID` shows an item with its evidence; "
            "`hub review decide ID …` decides it.",
        ]
    )


def render_item(engine: sa.Engine, review_id: str) -> str:
    """A queue item: the records side by side, and for a pair each comparison's evidence."""
    item = review_item(engine, review_id)
    head = f"{review_id}  {REASONS.get(item['reason'], item['reason'])}"
    if item["kind"] == "pair":
        record_ids = [item["record_id_l"], item["record_id_r"]]
        head += f", match probability {item['match_probability']:.3f}"
        customers = (
            f"both in golden customer {item['golden_id']}"
            if item["golden_id"] == item["golden_id_r"]
            else f"in golden customers {item['golden_id']} and {item['golden_id_r']}"
        )
        lines = [
            head,
            customers,
            "",
            *_side_by_side(engine, record_ids),
            "",
            *_evidence(engine, item),
        ]
        lines += ["", f"Decide: hub review decide {review_id} same|different [--comment TEXT]"]
        return "\n".join(lines)
    held = item["evidence"]
    lines = [
        f"{head}: golden customer {item['golden_id']}",
        f"birth dates: {', '.join(held['birth_dates']) or '-'}",
        "",
        *_side_by_side(engine, held["records"]),
        "",
        f"Decide: hub review decide {review_id} confirm, or "
        f"hub review decide {review_id} take-out --record SOURCE:KEY",
    ]
    return "\n".join(lines)


def render_customer(engine: sa.Engine, golden_id: str) -> str:
    """A golden customer: each field with the record and rule it came from, then its records."""
    profile = golden_profile(engine, golden_id)
    live, customer, lineage = profile["golden_id"], profile["customer"], profile["lineage"]
    lines = [f"golden customer {live}"]
    if profile["asked_for"] != live:
        lines[0] += f" (asked for {profile['asked_for']}, which was merged into it)"
    rows = pd.DataFrame(
        {
            "field": list(PERSON_FIELDS),
            "value": [shown(customer[f]) or "-" for f in PERSON_FIELDS],
            "from": [
                f"{lineage.at[f, 'source']}:{lineage.at[f, 'source_key']}"
                if f in lineage.index
                else "-"
                for f in PERSON_FIELDS
            ],
            "rule": [lineage.at[f, "rule"] if f in lineage.index else "-" for f in PERSON_FIELDS],
        }
    )
    lines += ["", *text_table(rows), "", *_side_by_side(engine, list(profile["records"].index))]
    return "\n".join(lines)


def render_recorded(recorded: Recorded, steward: str) -> str:
    said = f"Decision {recorded.decision_id} recorded for {steward}: {recorded.summary}.\n"
    if recorded.action == "undo":
        return said + "The next `hub run` applies it."
    return said + (
        f"The next `hub run` applies it; `hub review undo {recorded.decision_id}` takes it back."
    )


def render_log(engine: sa.Engine, *, limit: int) -> str:
    """The latest decisions, newest first: who decided what, when, why, and the customers
    before and after."""
    log = stewardship.audit_log(engine, limit=limit)
    if not log:
        return "No steward decisions yet."
    lines = []
    for decision in log:
        if decision["undone_by"] is not None:
            state = f"undone by {decision['undone_by']}"
        elif decision["applied_run_id"]:
            state = f"applied by run {str(decision['applied_run_id'])[:8]}"
        else:
            state = "not applied yet"
        when = pd.Timestamp(decision["decided_at"])
        lines.append(
            f"#{decision['decision_id']}  {when:%Y-%m-%d %H:%M}  {decision['steward']}: "
            f"{decision['what']}  ({state})"
        )
        if decision["comment"]:
            lines.append(f"      why: {decision['comment']}")
        lines.append(f"      before: {_snapshot(decision['golden_before'])}")
        if decision["golden_after"] is not None:
            lines.append(f"      after:  {_snapshot(decision['golden_after'])}")
    return "\n".join(lines)


def _snapshot(snapshot: dict[str, Any] | None) -> str:
    if not snapshot:
        return "-"
    return "; ".join(
        f"{golden_id} {customer['fields'].get('given_name') or ''} "
        f"{customer['fields'].get('family_name') or ''} ({len(customer['records'])} records)"
        for golden_id, customer in snapshot.items()
    )


def _side_by_side(engine: sa.Engine, record_ids: list[str]) -> list[str]:
    rows = side_by_side(engine, record_ids)
    marks = {"agree": "=", "differ": "≠", "unknown": " "}
    table = pd.DataFrame(
        {"field": [row["field"] for row in rows], "": [marks[row["agreement"]] for row in rows]}
        | {
            record_id: [row["values"][n] or "-" for row in rows]
            for n, record_id in enumerate(record_ids)
        }
    )
    return text_table(table)


def _evidence(engine: sa.Engine, item: dict[str, Any]) -> list[str]:
    rows = evidence(engine, item)
    table = pd.DataFrame(
        {
            "comparison": [row["comparison"] for row in rows] + ["match weight"],
            "level": [row["level"] for row in rows] + [""],
            "weight": [f"{row['weight']:+.2f}" for row in rows] + [f"{item['match_weight']:+.2f}"],
        }
    )
    return ["evidence (weights in bits; they add up to the match weight):", *text_table(table)]


def add_review_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    config: argparse.ArgumentParser,
) -> None:
    """`hub review …`, with ``config`` the parent parser that gives ``--config``."""
    review = commands.add_parser(
        "review", help="the steward review queue: list, show and decide items; undo; log"
    )
    actions = review.add_subparsers(required=True, metavar="ACTION")
    steward = argparse.ArgumentParser(add_help=False)
    steward.add_argument("--steward", help=f"who decides (default: ${STEWARD_ENV}, else your user)")
    steward.add_argument("--comment", help="why, for the audit log")

    listing = actions.add_parser("list", parents=[config], help="the queue, most pressing first")
    listing.add_argument("--reason", choices=sorted(REASONS), help="only items of this reason")
    listing.add_argument("--limit", type=int, default=20, help="items shown (20)")
    listing.set_defaults(command=_list)

    show = actions.add_parser(
        "show", parents=[config], help="an item with its evidence, or a golden customer"
    )
    show.add_argument("id", help="a review id (R-…) or a golden id (GC-…)")
    show.set_defaults(command=_show)

    decide = actions.add_parser(
        "decide", parents=[config, steward], help="decide an item of the queue"
    )
    decide.add_argument("id", help="the review id, from `hub review list`")
    decide.add_argument(
        "verdict",
        choices=list(VERDICTS),
        help="a pair: same or different; a customer: confirm or take-out (with --record)",
    )
    decide.add_argument("--record", help="take-out: the record to take out, as SOURCE:KEY")
    decide.set_defaults(command=_decide)

    pair = actions.add_parser(
        "pair", parents=[config, steward], help="say of any two records if they are one customer"
    )
    pair.add_argument("record_l", metavar="SOURCE:KEY")
    pair.add_argument("record_r", metavar="SOURCE:KEY")
    pair.add_argument("verdict", choices=["same", "different"])
    pair.set_defaults(command=_pair)

    override = actions.add_parser(
        "override", parents=[config, steward], help="set a golden customer's field"
    )
    override.add_argument("golden_id")
    override.add_argument("field", choices=list(PERSON_FIELDS))
    override.add_argument("value", help='the value; "" empties the field')
    override.set_defaults(command=_override)

    undo = actions.add_parser("undo", parents=[config, steward], help="take a decision back")
    undo.add_argument("decision_id", type=int)
    undo.set_defaults(command=_undo)

    log = actions.add_parser("log", parents=[config], help="who decided what, when and why")
    log.add_argument("--limit", type=int, default=20, help="decisions shown (20)")
    log.set_defaults(command=_log)


def _engine(args: argparse.Namespace) -> tuple[HubConfig, sa.Engine]:
    config = load_config(args.config)
    return config, connect(config.warehouse.url)


def _list(args: argparse.Namespace) -> int:
    _, engine = _engine(args)
    print(render_queue(engine, limit=args.limit, reason=args.reason))
    return 0


def _show(args: argparse.Namespace) -> int:
    _, engine = _engine(args)
    shown = render_customer if args.id.startswith("GC-") else render_item
    print(shown(engine, args.id))
    return 0


def _decide(args: argparse.Namespace) -> int:
    config, engine = _engine(args)
    steward = stewardship.steward_name(args.steward)
    recorded = stewardship.decide_item(
        engine,
        config.matching,
        args.id,
        VERDICTS[args.verdict],
        steward=steward,
        comment=args.comment,
        record=args.record,
    )
    print(render_recorded(recorded, steward))
    return 0


def _pair(args: argparse.Namespace) -> int:
    config, engine = _engine(args)
    steward = stewardship.steward_name(args.steward)
    recorded = stewardship.decide_pair(
        engine,
        config.matching,
        args.record_l,
        args.record_r,
        VERDICTS[args.verdict],
        steward=steward,
        comment=args.comment,
    )
    print(render_recorded(recorded, steward))
    return 0


def _override(args: argparse.Namespace) -> int:
    _, engine = _engine(args)
    steward = stewardship.steward_name(args.steward)
    recorded = stewardship.override(
        engine, args.golden_id, args.field, args.value, steward=steward, comment=args.comment
    )
    print(render_recorded(recorded, steward))
    return 0


def _undo(args: argparse.Namespace) -> int:
    config, engine = _engine(args)
    steward = stewardship.steward_name(args.steward)
    recorded = stewardship.undo(
        engine, config.matching, args.decision_id, steward=steward, comment=args.comment
    )
    print(render_recorded(recorded, steward))
    return 0


def _log(args: argparse.Namespace) -> int:
    _, engine = _engine(args)
    print(render_log(engine, limit=args.limit))
    return 0
