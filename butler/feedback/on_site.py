"""A visit to the window rated on the spot (现场评价): the butler shows a QR code at the counter (or opens the
page on a tablet); whoever came rates the visit without signing in, once. The code carries the visit's
number, signed, and works for ``BUTLER_ON_SITE_RATING_HOURS``."""

from datetime import datetime

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from butler.feedback.cases import case_open
from butler.feedback.models import BAD_STARS, Rating
from butler.feedback.ratings import rating_save, stars_checked
from butler.service.models import ServicePeriod
from companies.models import Trip

SALT = "butler.feedback.on_site"


def visit_token(trip: Trip) -> str:
    return signing.dumps({"trip": trip.pk}, salt=SALT, compress=True)


def trip_from_token(token: str) -> Trip | None:
    """The visit the code names, while it works; None for a code altered, unknown or too old."""
    try:
        value = signing.loads(token, salt=SALT, max_age=settings.BUTLER_ON_SITE_RATING_HOURS * 3600)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    pk = value.get("trip") if isinstance(value, dict) else None
    if not isinstance(pk, int):
        return None
    return Trip.objects.select_related("licence__company", "licence__licence_type").filter(pk=pk).first()


def visit_rated(trip: Trip) -> bool:
    return Rating.objects.filter(kind=Rating.Kind.VISIT, matter_key=f"visit:{trip.pk}").exists()


@transaction.atomic
def rating_on_site(*, trip: Trip, overall, tags=(), comment: str = "", now: datetime | None = None) -> Rating:
    """The visit rated by whoever came, once; a bad rating (the problem required) is audited like any other,
    the company called back."""
    overall, comment, tags = stars_checked(overall, comment, tags)
    company = trip.licence.company
    serving = ServicePeriod.objects.active().filter(company=company).select_related("butler").first()
    rating = Rating(
        kind=Rating.Kind.VISIT,
        company=company,
        butler=serving.butler if serving else None,
        period=serving,
        licence=trip.licence,
        matter_key=f"visit:{trip.pk}",
        overall=overall,
        comment=comment,
        created_at=now or timezone.now(),
    )
    rating_save(rating, None, tags, already=_("This visit has been rated already: one rating per visit."))
    if rating.overall in BAD_STARS:
        case_open(rating=rating)
    return rating
