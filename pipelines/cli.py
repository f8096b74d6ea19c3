"""The `hub` command: run the hub on a config, or on generated demo sources."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from pipelines.config import ConfigError, HubConfig, load_config
from pipelines.errors import HUB_ERRORS
from pipelines.report import RunReport, read_run_report
from pipelines.runner import RunFailed, run_hub


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``hub`` console script; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.command(args))
    except ConfigError as exc:
        print(f"hub: the config has {len(exc.problems)} problem(s):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    except RunFailed as exc:
        print(f"hub: the run failed:\n{exc}", file=sys.stderr)
        return 1
    except HUB_ERRORS as exc:
        print(f"hub: {exc}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hub", description="Customer data hub: one golden customer record from many sources."
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="read every source and publish the warehouse")
    run.add_argument("--config", type=Path, default=Path("hub.yaml"), help="hub config file")
    run.set_defaults(command=_run)

    demo = commands.add_parser("demo", help="generate demo sources and run the hub on them")
    demo.add_argument("--out", type=Path, default=Path(".demo"), help="folder for demo sources")
    demo.add_argument("--people", type=int, default=2000, help="people in the customer base")
    demo.add_argument("--seed", type=int, default=7, help="seed of the generator")
    demo.add_argument(
        "--generate-only", action="store_true", help="write the sources and config, do not run"
    )
    demo.set_defaults(command=_demo)
    return parser


def _run(args: argparse.Namespace) -> int:
    return _run_and_report(load_config(args.config))


def _demo(args: argparse.Namespace) -> int:
    from pipelines.demo import generate_demo

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


def _run_and_report(config: HubConfig) -> int:
    started = time.perf_counter()
    run_id = run_hub(config)
    report: RunReport = read_run_report(config.warehouse.url, run_id)
    print(report.render(seconds=time.perf_counter() - started))
    return 0
