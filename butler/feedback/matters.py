"""What a rating is about: the matters a company contact may rate (a licence issued, a service period
ended, the butler), the key that makes one rating per matter and contact, and the rating window."""

from datetime import date, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from butler.service.models import ServicePeriod
from companies.models import CompanyLicence, LicenceStatus
from companies.models.catalogue import LicenceScope

RATED_SCOPES = (LicenceScope.COMPANY, LicenceScope.TRIP)
HELD = (LicenceStatus.ISSUED, LicenceStatus.RENEWAL_DUE, LicenceStatus.RENEWAL_APPLIED)
ENDED = (ServicePeriod.Status.COMPLETED, ServicePeriod.Status.ENDED_EARLY)


def licence_matter_key(licence: CompanyLicence) -> str:
    """A licence issued again (renewed) is a new matter; so is an application refused."""
    if licence.status == LicenceStatus.REFUSED:
        return f"licence:{licence.pk}:refused:{licence.decided_on:%Y-%m-%d}"
    return f"licence:{licence.pk}:{licence.issued_on:%Y-%m-%d}"


def matter_decided_on(licence: CompanyLicence) -> date | None:
    """The day the matter ended for the company: the certificate's date, or the refusal's."""
    return licence.decided_on if licence.status == LicenceStatus.REFUSED else licence.issued_on


def rateable_licence_filter(since: date) -> Q:
    """Licences whose matter ended in the rating window: issued (held), or refused (不予许可)."""
    return Q(status__in=HELD, issued_on__gte=since) | Q(status=LicenceStatus.REFUSED, decided_on__gte=since)


def period_matter_key(period: ServicePeriod) -> str:
    return f"period:{period.pk}"


def butler_matter_key(period: ServicePeriod) -> str:
    return f"butler:{period.pk}"


def window_start(today: date | None = None) -> date:
    return (today or timezone.localdate()) - timedelta(days=settings.BUTLER_RATING_WINDOW_DAYS)
