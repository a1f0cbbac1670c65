"""What a rating is about: the matters a company contact may rate (a licence issued, a service period
ended, the butler), the key that makes one rating per matter and contact, and the rating window."""

from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone

from butler.service.models import ServicePeriod
from companies.models import CompanyLicence, LicenceStatus
from companies.models.catalogue import LicenceScope

RATED_SCOPES = (LicenceScope.COMPANY, LicenceScope.TRIP)
HELD = (LicenceStatus.ISSUED, LicenceStatus.RENEWAL_DUE, LicenceStatus.RENEWAL_APPLIED)
ENDED = (ServicePeriod.Status.COMPLETED, ServicePeriod.Status.ENDED_EARLY)


def licence_matter_key(licence: CompanyLicence) -> str:
    """A licence issued again (renewed) is a new matter."""
    return f"licence:{licence.pk}:{licence.issued_on:%Y-%m-%d}"


def period_matter_key(period: ServicePeriod) -> str:
    return f"period:{period.pk}"


def butler_matter_key(period: ServicePeriod) -> str:
    return f"butler:{period.pk}"


def window_start(today: date | None = None) -> date:
    return (today or timezone.localdate()) - timedelta(days=settings.BUTLER_RATING_WINDOW_DAYS)
