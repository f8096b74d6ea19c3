"""The `hub` command line: its commands and how each one reports."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections.abc import Callable, Sequence
from importlib.metadata import version
from pathlib import Path

from sqlalchemy.engine import make_url

import serving
from errors import HubError
from pipelines.cli.report import hub_report, render_syncs, stage_name
from pipelines.cli.review import add_review_commands
from pipelines.config import (
    CONFIG_ENV,
    ConfigError,
    HubConfig,
    allowing_deletes,
    config_path,
    load_config,
)
from pipelines.runner import RunFailed, run_hub
from warehouse import (
    LockHolder,
    QuarantineFilter,
    connect,
    last_run_id,
    run_summary,
    upgrade_warehouse,
)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``hub`` console script; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return int(args.command(args))
    except ConfigError as exc:
        if not exc.path.is_file():
            print(_no_config(exc.path), file=sys.stderr)
            return 2
        print(f"hub: the config has {len(exc.problems)} problem(s):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    except RunFailed as exc:
        print(f"hub: the run failed:\n{exc}", file=sys.stderr)
        return 1
    except HubError as exc:
        print(f"hub: {exc}", file=sys.stderr)
        return 1


def _no_config(path: Path) -> str:
    """What to do where there is no config to read."""
    return (
        f"hub: no config file at {path.resolve()}.\n"
        f"  Name one with --config FILE (or ${CONFIG_ENV}), or run hub in the folder that has "
        "your hub.yaml.\n"
        "  To start one: `hub demo --generate-only --out DIR` writes example sources and the "
        "hub.yaml that reads them,\n"
        '  and the README\'s "Your own sources" lists every setting; '
        "`hub check` then tries it without running."
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hub", description="Customer data hub: one golden customer record from many sources."
    )
    parser.add_argument("--version", action="version", version=f"hub {version('customer-hub')}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    config = argparse.ArgumentParser(add_help=False)
    config.add_argument(
        "--config",
        type=Path,
        default=config_path(),
        help=f"hub config file (${CONFIG_ENV}, else ./hub.yaml)",
    )

    allow_deletes = argparse.ArgumentParser(add_help=False)
    allow_deletes.add_argument(
        "--allow-deletes",
        action="store_true",
        help="mark rows gone from a source deleted even where more are gone than its "
        "sync.max_delete_share",
    )

    run = commands.add_parser(
        "run",
        parents=[config, allow_deletes],
        help="sync every source, match, and publish the warehouse",
    )
    run.add_argument(
        "--full",
        action="store_true",
        help="run every stage even when nothing changed since the last run published, "
        "and cluster every customer anew, also those no new or changed record touches",
    )
    run.set_defaults(command=_run)

    check = commands.add_parser(
        "check",
        parents=[config],
        help="check the config and reach every source and the warehouse, running nothing",
    )
    check.set_defaults(command=_check)

    sync = commands.add_parser(
        "sync", parents=[config, allow_deletes], help="sync sources into the warehouse's landing"
    )
    sync.add_argument("sources", nargs="*", metavar="SOURCE", help="sources to sync (all)")
    sync.add_argument(
        "--full-refresh",
        action="store_true",
        help="read everything, not only what changed, and mark rows gone as deleted",
    )
    sync.set_defaults(command=_sync)

    quarantine = commands.add_parser(
        "quarantine", help="list the rows held back and why, or show one as it was read"
    )
    actions = quarantine.add_subparsers(required=True, metavar="ACTION")
    listing = actions.add_parser(
        "list", parents=[config], help="quarantined rows, filtered by source, rule, stage, run"
    )
    listing.add_argument(
        "--source", action="append", default=[], help="only this source (repeat for more)"
    )
    listing.add_argument(
        "--rule", action="append", default=[], help="only this rule (repeat for more)"
    )
    listing.add_argument("--stage", choices=("sync", "quality"), help="only this stage")
    listing.add_argument("--run", help="only rows held by this run or sync (an id prefix)")
    listing.add_argument("--limit", type=int, default=50, help="rows to show (50)")
    listing.set_defaults(command=_quarantine_list)
    values = actions.add_parser(
        "values",
        parents=[config],
        help="values set aside from records that went on without them, or cleaned",
    )
    values.add_argument(
        "--source", action="append", default=[], help="only this source (repeat for more)"
    )
    values.add_argument(
        "--rule", action="append", default=[], help="only this rule (repeat for more)"
    )
    values.add_argument("--run", help="only values noted by this run (an id prefix)")
    values.add_argument("--limit", type=int, default=50, help="values to show (50)")
    values.set_defaults(command=_quarantine_values)
    show = actions.add_parser("show", parents=[config], help="one quarantined row, as read")
    show.add_argument("id", type=int, help="the row's id, from `hub quarantine list`")
    show.set_defaults(command=_quarantine_show)

    model = commands.add_parser("model", help="the saved versions of the match model")
    model_actions = model.add_subparsers(required=True, metavar="ACTION")
    models = model_actions.add_parser(
        "list", parents=[config], help="saved versions, newest first, and which fit the config"
    )
    models.set_defaults(command=_model_list)

    blocking = commands.add_parser(
        "blocking", parents=[config], help="the blocking passes in force and what each found"
    )
    blocking.set_defaults(command=_blocking)

    add_review_commands(commands, config)

    steward = commands.add_parser(
        "steward", parents=[config], help="serve the steward console (http://127.0.0.1:8050)"
    )
    steward.add_argument("--host", default="127.0.0.1", help="address to listen on")
    steward.add_argument("--port", type=int, default=8050, help="port to listen on")
    steward.add_argument(
        "--hash-password",
        action="store_true",
        help="read a password and print its hash for `console.stewards` in the config",
    )
    steward.set_defaults(command=_steward)

    db = commands.add_parser("db", help="the warehouse's schema")
    db_actions = db.add_subparsers(required=True, metavar="ACTION")
    db_upgrade = db_actions.add_parser(
        "upgrade",
        parents=[config],
        help="upgrade the warehouse's schema in place to this version's",
    )
    db_upgrade.set_defaults(command=_db_upgrade)

    demo = commands.add_parser("demo", help="generate demo sources and run the hub on them")
    demo.add_argument("--out", type=Path, default=Path(".demo"), help="folder for demo sources")
    demo.add_argument("--people", type=int, default=2000, help="people in the customer base")
    demo.add_argument("--seed", type=int, default=7, help="seed of the generator")
    demo.add_argument(
        "--generate-only", action="store_true", help="write the sources and config, do not run"
    )
    demo.set_defaults(command=_demo)
    return parser


def _steward(args: argparse.Namespace) -> int:
    if args.hash_password:
        import getpass

        print(serving.hash_password(getpass.getpass("Password: ")))
        return 0
    config = load_config(args.config)
    if not config.console.stewards and not os.environ.get(serving.STEWARDS_ENV):
        print(
            f'hub: no steward may log in: set {serving.STEWARDS_ENV}="name:password", or add '
            "console.stewards to the config (hub steward --hash-password)",
            file=sys.stderr,
        )
        return 2
    console = serving.steward_console(
        warehouse_url=config.warehouse.url,
        matching=config.matching,
        settings=config.console,
        apply_decisions=lambda: run_hub(config, sync=False).run_id,
    )
    print(f"Steward console on http://{args.host}:{args.port}/ (Ctrl-C stops it)")
    serving.serve(console, host=args.host, port=args.port)
    return 0


def _run(args: argparse.Namespace) -> int:
    return _run_and_report(_with_deletes(args, load_config(args.config)), full=args.full)


def _with_deletes(args: argparse.Namespace, config: HubConfig) -> HubConfig:
    return allowing_deletes(config) if args.allow_deletes else config


def _check(args: argparse.Namespace) -> int:
    from pipelines.cli.check import check_hub

    return check_hub(load_config(args.config), args.config, print)


def _sync(args: argparse.Namespace) -> int:
    from pipelines.cli.sync import sync_sources

    config = _with_deletes(args, load_config(args.config))
    unknown = [name for name in args.sources if name not in config.sources]
    if unknown:
        known = ", ".join(config.sources)
        print(
            f"hub: no source named {', '.join(unknown)} in {args.config} ({known})", file=sys.stderr
        )
        return 2
    names = args.sources or list(config.sources)
    syncs, failed = sync_sources(
        config, names, full_refresh=args.full_refresh, on_wait=_waiting(config)
    )
    print(render_syncs(syncs, names, failed))
    return 1 if failed or syncs["deletions_held"].any() else 0


def _db_upgrade(args: argparse.Namespace) -> int:
    url = load_config(args.config).warehouse.url
    done = upgrade_warehouse(url)
    shown = make_url(url).render_as_string(hide_password=True)
    if done.before == done.after:
        print(f"The warehouse at {shown} is at schema revision {done.after} already.")
    elif done.before is None:
        print(f"Created the warehouse schema at {shown}, revision {done.after}.")
    else:
        print(
            f"Upgraded the warehouse at {shown} from schema revision {done.before} to {done.after}."
        )
    return 0


def _quarantine_list(args: argparse.Namespace) -> int:
    from pipelines.cli.quarantine import render_list

    config = load_config(args.config)
    which = QuarantineFilter(
        sources=tuple(args.source), rules=tuple(args.rule), stage=args.stage, run=args.run
    )
    engine = connect(config.warehouse.url)
    try:
        print(render_list(engine, which, limit=args.limit))
    finally:
        engine.dispose()
    return 0


def _quarantine_values(args: argparse.Namespace) -> int:
    from pipelines.cli.quarantine import render_values

    config = load_config(args.config)
    which = QuarantineFilter(sources=tuple(args.source), rules=tuple(args.rule), run=args.run)
    engine = connect(config.warehouse.url)
    try:
        print(render_values(engine, which, limit=args.limit))
    finally:
        engine.dispose()
    return 0


def _quarantine_show(args: argparse.Namespace) -> int:
    from pipelines.cli.quarantine import render_row

    engine = connect(load_config(args.config).warehouse.url)
    try:
        print(render_row(engine, args.id))
    finally:
        engine.dispose()
    return 0


def _blocking(args: argparse.Namespace) -> int:
    from pipelines.cli.blocking import render_passes

    config = load_config(args.config)
    engine = connect(config.warehouse.url)
    try:
        run_id = last_run_id(engine)
        print(
            render_passes(config.matching, None if run_id is None else run_summary(engine, run_id))
        )
    finally:
        engine.dispose()
    return 0


def _model_list(args: argparse.Namespace) -> int:
    from pipelines.cli.model import render_models

    config = load_config(args.config)
    engine = connect(config.warehouse.url)
    try:
        run_id = last_run_id(engine)
        summary = None if run_id is None else run_summary(engine, run_id)
        print(render_models(engine, config.matching, summary))
    finally:
        engine.dispose()
    return 0


def _demo(args: argparse.Namespace) -> int:
    try:
        from demo import generate_demo
    except ModuleNotFoundError as exc:
        print(
            f"hub: the demo generator needs {exc.name}, which is not installed: "
            "pip install 'customer-hub[demo]' (`make demo` does it for you)",
            file=sys.stderr,
        )
        return 2

    started = time.perf_counter()
    demo = generate_demo(args.out, people=args.people, seed=args.seed)
    records = sum(demo.record_counts.values())
    print(
        f"Generated {args.people:,} people as {records:,} source records in {args.out}/ "
        f"({time.perf_counter() - started:.1f} s); config: {demo.config}"
    )
    if args.generate_only:
        return 0
    return _run_and_report(load_config(demo.config))


def _waiting(config: HubConfig) -> Callable[[LockHolder | None], None]:
    """What to say when another run is writing the warehouse."""

    def say(holder: LockHolder | None) -> None:
        print(
            f"Waiting up to {config.warehouse.lock_wait_seconds} s for "
            f"{holder or 'another run'} to finish writing the warehouse …",
            file=sys.stderr,
        )

    return say


def _run_and_report(config: HubConfig, *, full: bool = False) -> int:
    started_at = dt.datetime.now(dt.UTC)
    started = time.perf_counter()

    def progress(step: str) -> None:
        elapsed = time.perf_counter() - started
        print(f"[{elapsed:7.1f} s] {stage_name(step)} …", file=sys.stderr, flush=True)

    run = run_hub(config, full=full, on_wait=_waiting(config), on_stage=progress)
    report = hub_report(
        config.warehouse.url,
        run,
        started_at=started_at,
        sources=list(config.sources),
        seconds=time.perf_counter() - started,
    )
    print(report)
    return 1 if run.failed_syncs or run.deletions_held else 0
