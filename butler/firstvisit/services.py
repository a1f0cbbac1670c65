"""The first visit: the butler who serves a company's first matter accepts it, opening its service period."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from butler.contactlog.services import enquiries_link
from butler.service.invitations import invitation_issue
from butler.service.models import Butler, ServicePeriod
from butler.service.planning import company_reminders_plan
from butler.service.services import _acting_butler, _period_open
from companies.models import Company
from companies.services import Registration, company_register, licence_plan_sync


@dataclass(frozen=True)
class FirstVisit:
    """What accepting a company's first matter led to.

    ``created`` is False when the company already had a butler: ``period`` then names who it is.
    """

    period: ServicePeriod
    created: bool
    company_created: bool = False
    invitation_token: str = ""


def first_visit_accept(*, actor: AbstractBaseUser, company_id: int, today: date | None = None) -> FirstVisit:
    """Accept a company's first matter: whoever accepts it becomes its butler (首办负责制).

    The company row is locked, so two clerks accepting the same company at once end with one period;
    the second learns who the butler is. The partial unique index is the last line of defence.
    """
    butler = _acting_butler(actor)
    try:
        with transaction.atomic():
            return _first_visit_accept_locked(actor=actor, butler=butler, company_id=company_id, today=today)
    except IntegrityError:
        # Only the one-active-period index can collide here: another clerk's acceptance committed first.
        period = ServicePeriod.objects.active().select_related("butler").filter(company_id=company_id).first()
        if period is None:
            raise
        return FirstVisit(period=period, created=False)


def _first_visit_accept_locked(
    *, actor: AbstractBaseUser, butler: Butler, company_id: int, today: date | None
) -> FirstVisit:
    company = Company.objects.select_for_update().get(pk=company_id)
    earlier = (
        ServicePeriod.objects.filter(company=company).select_related("butler").order_by("-start_date", "-id")
    )
    latest = earlier.first()
    if latest is not None:
        return FirstVisit(period=latest, created=False)
    start = today or timezone.localdate()
    period = _period_open(
        actor=actor,
        company=company,
        butler=butler,
        start=start,
        end=start + timedelta(days=settings.BUTLER_SERVICE_DAYS),
    )
    licence_plan_sync(company=company, actor=actor, start=start)
    company_reminders_plan(company=company)
    token = ""
    primary = company.contacts.filter(is_primary=True, user__isnull=True).first()
    if primary is not None:
        _invitation, token = invitation_issue(actor=actor, contact=primary)
    return FirstVisit(period=period, created=True, invitation_token=token)


@transaction.atomic
def first_visit_register(
    *, actor: AbstractBaseUser, registration: Registration, today: date | None = None
) -> FirstVisit:
    """Register a new company at the window and accept its first matter in one step."""
    _acting_butler(actor)
    result = company_register(actor=actor, registration=registration)
    if result.created:
        enquiries_link(actor=actor, company=result.company)  # its consultations before it registered
    visit = first_visit_accept(actor=actor, company_id=result.company.pk, today=today)
    return FirstVisit(
        period=visit.period,
        created=visit.created,
        company_created=result.created,
        invitation_token=visit.invitation_token,
    )
