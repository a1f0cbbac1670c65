"""Reads for the portal: an invitation by its token, and what the company's home shows."""

import hashlib
from datetime import date

from django.utils import timezone

from butler.models import PortalInvitation
from companies.models import Contact


def token_hash(raw_token: str) -> str:
    return hashlib.sha256((raw_token or "").encode()).hexdigest()


def invitation_by_token(raw_token: str, *, lock: bool = False) -> PortalInvitation | None:
    invitations = PortalInvitation.objects.select_related("contact__company")
    if lock:
        invitations = invitations.select_for_update(of=("self",))
    return invitations.filter(token_hash=token_hash(raw_token)).first()


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
