"""Changing a company: its services run in one transaction and its reminders follow the change."""

from collections.abc import Callable

from django.db import transaction

from butler.service.services import T, _plan_reminders


def company_change(*, company, change: Callable[[], T]) -> T:
    """Make a change to a company's registry, subjects or licences (a companies service) and plan its
    reminders again in the same transaction: new licences, dates and contacts are reminded at once."""
    with transaction.atomic():
        result = change()
        _plan_reminders(company)
    return result
