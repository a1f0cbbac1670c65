"""Load the demo district (manager, butlers, companies, service periods); safe to run again."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from butler.demo.world import load_demo


class Command(BaseCommand):
    help = "Load the demo data of a Beilun transport service window; a second run creates nothing."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--today", help="Build the demo as of this day (YYYY-MM-DD); default: today.")

    def handle(self, *args, today: str | None = None, **options) -> None:
        try:
            as_of = date.fromisoformat(today) if today else None
        except ValueError as error:
            raise CommandError(f"--today must be a date like 2026-03-02: {error}") from error
        load_demo(today=as_of, stdout=self.stdout)
