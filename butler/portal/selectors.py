"""What the company's portal home shows."""

from datetime import date

from django.utils import timezone

from companies.models import Contact


def portal_home(contact: Contact, *, today: date | None = None) -> dict:
    """The company contact's view of their butler service."""
    today = today or timezone.localdate()
    periods = list(contact.company.service_periods.select_related("butler"))
    current = next((p for p in periods if p.is_active), None)
    context = {
        "company": contact.company,
        "period": current,
        "latest": periods[0] if periods else None,
        "periods": periods,
    }
    if current is not None:
        total = current.days_total()
        context["days_left"] = current.days_left(today)
        context["progress"] = round(100 * (total - context["days_left"]) / total) if total else 100
    return context
