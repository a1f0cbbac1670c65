"""``python -m bench check | reminders | report``: see ``python -m bench --help``."""

import argparse
import os
import shlex
import sys
import time

from bench import report
from bench.environment import Environment, Unreachable, check, django_setup


def _log(message: str) -> None:
    print(message, flush=True)


def _command(argv: list[str]) -> str:
    command = "python -m bench " + shlex.join(argv)
    return f"make bench → {command}" if os.environ.get("MAKELEVEL") else command


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("check", help="check that PostgreSQL and Redis can be used")
    sweep = commands.add_parser("reminders", help="measure the reminder sweep and write docs/benchmarks.*")
    sweep.add_argument(
        "--scales",
        default=os.environ.get("BENCH_SCALES") or "100k,1m",
        help="licence counts, comma-separated (100k,1m); default $BENCH_SCALES or 100k,1m",
    )
    sweep.add_argument(
        "--runs", type=int, default=int(os.environ.get("BENCH_RUNS") or 7), help="runs per figure (≥ 5)"
    )
    sweep.add_argument(
        "--keep-db", action="store_true", help="leave the databases in place, e.g. for EXPLAIN"
    )
    commands.add_parser("report", help="write docs/benchmarks.md again from docs/benchmarks.json")
    args = parser.parse_args(argv)

    if args.command == "report":
        report.MARKDOWN_PATH.write_text(report.render(report.load()))
        _log(f"Wrote {report.MARKDOWN_PATH}")
        return 0
    try:
        environment = Environment.from_env()
        versions = check(environment)
    except Unreachable as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    if args.command == "check":
        _log(f"PostgreSQL {versions['postgresql']} and Redis {versions['redis']} are reachable.")
        return 0

    from bench import reminders

    try:
        scales = [reminders.Scale.parse(text) for text in args.scales.split(",") if text.strip()]
    except ValueError as error:
        parser.error(f"--scales: {error}")
    if args.runs < 5:
        parser.error("--runs: at least 5")
    started = time.perf_counter()
    django_setup(environment, environment.database_for(scales[0].name))
    section = reminders.run(
        scales=scales, runs=args.runs, environment=environment, keep_db=args.keep_db, log=_log
    )
    section["command"] = _command(argv)
    section["runtime_seconds"] = round(time.perf_counter() - started, 1)
    report.save_section("reminders", section)
    _log(f"Wrote {report.JSON_PATH} and {report.MARKDOWN_PATH} in {section['runtime_seconds']:,.0f} s.")
    _log(report.render({"sections": {"reminders": section}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
