"""Print the address of the local server and the demo logins, for ``make run``."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from butler.demo.data import DEMO_PASSWORD
from companies.models import Contact

EXAMPLES = 3


class Command(BaseCommand):
    help = "Print the local URL and the demo logins."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--port", type=int, default=8000, help="Port of the local web server (default 8000)."
        )

    def handle(self, *args, port: int = 8000, **options) -> None:
        write = self.stdout.write
        write("")
        write(f"Butler is starting at http://localhost:{port}/")
        if not get_user_model().objects.filter(username="manager").exists():
            write("The demo data is not loaded; run `python manage.py load_demo` to get the demo logins.")
            return
        write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        write("  manager              head of the window")
        write("  admin                back office (Django admin at /admin/)")
        write("  butler1 … butler5    butlers at the window")
        write("  company001 … company120, or the contact's mobile number: company portal, e.g.")
        contacts = (
            Contact.objects.filter(user__username__startswith="company")
            .select_related("user", "company")
            .order_by("user__username")[:EXAMPLES]
        )
        for contact in contacts:
            write(f"    {contact.user.username}  {contact.mobile}  {contact.company.name}")
        write("")
