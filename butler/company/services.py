"""Changing a company at the window: its profile, its people and a spreadsheet of its vehicles, people or
vessels. Each use case runs the registry's service and plans the company's reminders again in one
transaction, so new dates and new people are reminded at once."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from butler.service.models import ServicePeriod
from butler.service.planning import company_reminders_plan
from butler.service.services import service_period_end_early
from companies import imports
from companies import services as registry
from companies.services.registry import ENDING


def company_profile_update(*, actor: AbstractBaseUser, company, **profile):
    with transaction.atomic():
        company = registry.company_update(actor=actor, company=company, **profile)
        company_reminders_plan(company=company)
    return company


def company_contact_add(*, actor: AbstractBaseUser, company, **fields):
    with transaction.atomic():
        contact = registry.contact_add(actor=actor, company=company, **fields)
        company_reminders_plan(company=company)
    return contact


def company_contact_update(*, actor: AbstractBaseUser, contact, **fields):
    with transaction.atomic():
        contact = registry.contact_update(actor=actor, contact=contact, **fields)
        company_reminders_plan(company=contact.company)
    return contact


def company_subjects_import(*, actor: AbstractBaseUser, company, kind: str, uploaded):
    """Vehicles, people or vessels from the company's own spreadsheet; every bad row named."""
    with transaction.atomic():
        result = imports.subjects_import(actor=actor, company=company, kind=kind, uploaded=uploaded)
        company_reminders_plan(company=company)
    return result


def company_exit(*, actor: AbstractBaseUser, company, status: str, on, reason: str):
    """The company stops, resumes, closes down or is deregistered. Closing down ends its service period
    early with the same reason; every reminder of what it no longer holds is cancelled."""
    with transaction.atomic():
        company = registry.company_status_change(
            actor=actor, company=company, status=status, on=on, reason=reason
        )
        if status in ENDING:
            for period in ServicePeriod.objects.active().filter(company=company):
                service_period_end_early(actor=actor, period=period, reason=reason)
        company_reminders_plan(company=company)
    return company
