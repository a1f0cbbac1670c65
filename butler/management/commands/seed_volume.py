"""Fill an empty database with a district, a city or a province of data (see ``butler.demo.volume``)."""

import time

from django.core.management.base import BaseCommand, CommandError

from butler.demo.volume import seed_volume
from butler.demo.volume_plan import SCALES, custom_scale
from butler.demo.volume_writer import NeedsPostgreSQL, NotEmpty, ensure_empty
from butler.demo.world import load_demo
from butler.oversight.days import dashboard_days_refresh


class Command(BaseCommand):
    help = (
        "Fill an empty, migrated database: --scale district (the demo, any database), city (20,000 "
        "companies, 200,000 licences) or province (300,000 companies, 3,000,000 licences), both PostgreSQL "
        "only; or --companies N for an exact size. Prints the rows and the time per table."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--scale", choices=["district", *SCALES], help="How much data (default: city).")
        parser.add_argument(
            "--companies",
            type=int,
            help="Exactly this many companies (about ten licences each), in Ningbo; with --scale province, "
            "across Zhejiang.",
        )

    def handle(self, *args, scale: str | None = None, companies: int | None = None, **options) -> None:
        if companies is not None and (companies < 1 or scale == "district"):
            raise CommandError("--companies takes a positive number, with --scale city or province.")
        started = time.perf_counter()
        try:
            ensure_empty()
            if scale == "district":
                load_demo(stdout=self.stdout)
                self.stdout.write(f"District (the demo) loaded in {time.perf_counter() - started:,.1f} s.")
                return
            chosen = SCALES[scale or "city"]
            if companies is not None:
                chosen = custom_scale(companies, province=chosen.province)
            result = seed_volume(chosen, log=self.stdout.write)
        except (NotEmpty, NeedsPostgreSQL) as error:
            raise CommandError(f"Nothing written: {error}.") from error
        self.stdout.write("")
        self.stdout.write(f"Seeded {result.scale.name} in {result.seconds:,.1f} s:")
        refreshed = time.perf_counter()
        days = dashboard_days_refresh().days
        self.stdout.write(
            f"  dashboard's daily figures: {days:,} days in {time.perf_counter() - refreshed:,.1f} s "
            "(what the hourly task would have kept)"
        )
        for table, count in result.counts.items():
            self.stdout.write(f"  {table:<44} {count:>12,}")
        self.stdout.write(
            f"Sign in as manager, {result.busy_butler} (the busiest portfolio) or company000001 (a fleet "
            "of 300 vehicles); the password of every account is the demo's."
        )
