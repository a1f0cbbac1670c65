"""Recompute the dashboard's daily figures: the hourly refresh, or a chosen range of days."""

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from butler.oversight.days import dashboard_days_compute, dashboard_days_refresh


class Command(BaseCommand):
    help = (
        "Recompute the dashboard's daily licence and reminder figures: without options as the hourly task "
        "does (the last weeks, or every missing day); with --since (and --until) that range of days."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--since", type=date.fromisoformat, help="first day, YYYY-MM-DD")
        parser.add_argument("--until", type=date.fromisoformat, help="last day (default yesterday)")

    def handle(self, *args, since: date | None = None, until: date | None = None, **options) -> None:
        started = time.perf_counter()
        if since is None:
            if until is not None:
                raise CommandError("--until needs --since.")
            days = dashboard_days_refresh().days
        else:
            days = dashboard_days_compute(since=since, until=until or timezone.localdate())
        seconds = time.perf_counter() - started
        self.stdout.write(f"Daily figures of {days:,} days written in {seconds:,.1f} s.")
