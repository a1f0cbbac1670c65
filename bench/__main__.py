"""``python -m bench check | reminders | pages | load | delivery | soak | report`` (see ``--help``)."""

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
        default=os.environ.get("BENCH_SCALES") or "200k,3m",
        help="licence counts, comma-separated (a city, a province); default $BENCH_SCALES or 200k,3m",
    )
    sweep.add_argument(
        "--runs", type=int, default=int(os.environ.get("BENCH_RUNS") or 7), help="runs per figure (≥ 5)"
    )
    sweep.add_argument(
        "--keep-db", action="store_true", help="leave the databases in place, e.g. for EXPLAIN"
    )
    pages = commands.add_parser(
        "pages",
        help="measure the pages (server time, queries), the 20,000-company list and a load run on "
        "databases filled by seed_volume, and write docs/benchmarks.*",
    )
    pages.add_argument(
        "--scale",
        "--scales",
        dest="scales",
        default=os.environ.get("BENCH_PAGE_SCALES") or "city",
        help="seed_volume scales, comma-separated (district, city, province); default $BENCH_PAGE_SCALES "
        "or city",
    )
    pages.add_argument(
        "--runs",
        type=int,
        default=int(os.environ.get("BENCH_PAGE_RUNS") or 20),
        help="runs per page (≥ 5); default $BENCH_PAGE_RUNS or 20",
    )
    _load_arguments(pages, seconds_flag="--load-seconds")
    load = commands.add_parser(
        "load", help="only the load run against gunicorn, on a database filled by seed_volume"
    )
    load.add_argument(
        "--scale",
        default=(os.environ.get("BENCH_PAGE_SCALES") or "city").split(",")[0],
        help="a seed_volume scale; default the first of $BENCH_PAGE_SCALES or city",
    )
    _load_arguments(load, seconds_flag="--seconds")
    delivery = commands.add_parser(
        "delivery", help="end-to-end delivery: sweep → Celery workers → loopback SMTP and SMS sinks"
    )
    delivery.add_argument(
        "--messages", type=int, default=int(os.environ.get("BENCH_DELIVERY_MESSAGES") or 5000)
    )
    delivery.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_DELIVERY_WORKERS") or 1))
    delivery.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_DELIVERY_RUNS") or 3))
    soak = commands.add_parser(
        "soak",
        help="the page mix against gunicorn for a long while with reminders flowing, and the memory of "
        "every gunicorn and Celery process (bench/soak.py)",
    )
    soak.add_argument(
        "--scale",
        default=os.environ.get("SOAK_SCALE") or "city",
        help="a seed_volume scale; default $SOAK_SCALE or city",
    )
    soak.add_argument(
        "--seconds",
        type=float,
        default=float(os.environ.get("SOAK_SECONDS") or 600),
        help="length of the soak; default $SOAK_SECONDS or 600",
    )
    soak.add_argument(
        "--clients", type=int, default=int(os.environ.get("SOAK_CLIENTS") or 4), help="concurrent clients"
    )
    soak.add_argument("--keep-db", action="store_true", help="leave the seeded database in place")
    soak.add_argument(
        "--database", help="soak this existing, seeded database (its name starts with $BENCH_DATABASE)"
    )
    soak.add_argument(
        "--no-write", action="store_true", help="print the figures without writing docs/benchmarks.*"
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

    if args.command in ("pages", "load"):
        return _pages(parser, args, environment, argv)
    if args.command == "soak":
        return _soak(parser, args, environment, argv)
    if args.command == "delivery":
        from bench import delivery as delivery_bench

        started = time.perf_counter()
        django_setup(environment, environment.database_for("delivery"))
        section = delivery_bench.run(
            environment, messages=args.messages, workers=args.workers, runs=args.runs, log=_log
        )
        section["command"] = _command(argv)
        section["runtime_seconds"] = round(time.perf_counter() - started, 1)
        report.save_section("delivery", section)
        _log(f"Wrote {report.JSON_PATH} and {report.MARKDOWN_PATH}.")
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


def _load_arguments(parser: argparse.ArgumentParser, *, seconds_flag: str) -> None:
    parser.add_argument(
        seconds_flag,
        dest="seconds",
        type=float,
        default=float(os.environ.get("BENCH_LOAD_SECONDS") or 60),
        help="length of the load run in seconds"
        + (" (0: no load run)" if seconds_flag == "--load-seconds" else "")
        + "; default $BENCH_LOAD_SECONDS or 60",
    )
    parser.add_argument(
        "--clients",
        type=int,
        default=int(os.environ.get("BENCH_LOAD_CLIENTS") or 8),
        help="concurrent clients of the load run; default $BENCH_LOAD_CLIENTS or 8",
    )
    parser.add_argument("--keep-db", action="store_true", help="leave the seeded database in place")
    parser.add_argument(
        "--database",
        help="measure this existing database (its name starts with $BENCH_DATABASE) instead of creating "
        "and seeding one; it is left in place",
    )
    parser.add_argument(
        "--no-write", action="store_true", help="print the figures without writing docs/benchmarks.*"
    )


def _pages(parser, args, environment, argv: list[str]) -> int:
    from bench import pages

    scales = [
        text.strip()
        for text in (args.scales if args.command == "pages" else args.scale).split(",")
        if text.strip()
    ]
    unknown = [scale for scale in scales if scale not in pages.SCALES]
    if unknown or not scales:
        parser.error(f"--scale: one or more of {', '.join(pages.SCALES)}, not {', '.join(unknown) or '…'}")
    if args.database and len(scales) != 1:
        parser.error("--database: with one scale only (the one it was seeded with)")
    if args.command == "pages" and args.runs < 5:
        parser.error("--runs: at least 5")
    if args.command == "load" and args.seconds <= 0:
        parser.error("--seconds: more than 0")
    os.environ.update(pages.static_env())
    django_setup(environment, args.database or environment.database_for(scales[0]))
    _log("Collecting the static files (the manifest the pages read with DEBUG off)")
    pages.collect_static(environment, args.database or environment.database_for(scales[0]))
    from bench import load

    command = _command(argv)
    for scale in scales:
        started = time.perf_counter()
        with pages.prepared(environment, scale, database=args.database, keep_db=args.keep_db, log=_log) as (
            database,
            seeding,
        ):
            written = []
            if args.command == "pages":
                page_section = pages.run(
                    scale=scale, runs=args.runs, environment=environment, log=_log, seconds_seeding=seeding
                )
                written.append(("pages", page_section))
            if args.seconds > 0:
                load_section = load.run(
                    scale=scale,
                    seconds=args.seconds,
                    clients=args.clients,
                    environment=environment,
                    database=database,
                    log=_log,
                )
                written.append(("load", load_section))
        for key, section in written:
            section["command"] = command
            section["runtime_seconds"] = round(time.perf_counter() - started, 1)  # seeding included
            _log("\n".join(report.RENDERERS[key](section)))
            if not args.no_write:
                report.save_scaled(key, scale, section)
        if not args.no_write:
            _log(f"{scale}: wrote {report.JSON_PATH} and {report.MARKDOWN_PATH}")
    return 0


def _soak(parser, args, environment, argv: list[str]) -> int:
    from bench import pages

    if args.scale not in pages.SCALES:
        parser.error(f"--scale: one of {', '.join(pages.SCALES)}")
    if args.seconds <= 0:
        parser.error("--seconds: more than 0")
    from bench import soak

    os.environ.update({**pages.static_env(), **soak.PLAIN_HTTP})
    database = args.database or environment.database_for(args.scale)
    django_setup(environment, database)
    _log("Collecting the static files (the manifest the pages read with DEBUG off)")
    pages.collect_static(environment, database)
    started = time.perf_counter()
    with pages.prepared(environment, args.scale, database=args.database, keep_db=args.keep_db, log=_log) as (
        database,
        _seeding,
    ):
        section = soak.run(
            scale=args.scale,
            seconds=args.seconds,
            clients=args.clients,
            environment=environment,
            database=database,
            log=_log,
        )
    section["command"] = _command(argv).replace("make bench", "make soak")
    section["runtime_seconds"] = round(time.perf_counter() - started, 1)  # seeding included
    _log("\n".join(report.RENDERERS["soak"](section)))
    if not args.no_write:
        report.save_scaled("soak", args.scale, section)
        _log(f"Wrote {report.JSON_PATH} and {report.MARKDOWN_PATH}")
    return 0 if not section["overall"]["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
