"""Ratings (好差评) and suggestions (意见建议): what a company contact may rate, and giving feedback.

A contact rates a licence when it is issued (a *matter*: a licence the company holds itself or a trip
permit; the certificates of each vehicle, person or vessel go with the company's matter), the service period
when it ends (both for ``BUTLER_RATING_WINDOW_DAYS``), and the butler at any time — one rating per matter per
contact. Evaluation tags under each level say what went well or wrong; a bad rating (★1–2) needs the problem
(a tag or words) and, like every suggestion, opens an audit case at once. The rater may re-rate once (追评):
the re-rating is the final word in the figures. Every rating, re-rating and visit rated on the spot is pushed
to the provincial rating centre when that is configured (``centre``).
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, F, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from butler.feedback.cases import case_open
from butler.feedback.centre import centre_push_make
from butler.feedback.follow_up import follow_up_until
from butler.feedback.matters import (
    ENDED,
    RATED_SCOPES,
    butler_matter_key,
    licence_matter_key,
    matter_decided_on,
    period_matter_key,
    rateable_licence_filter,
    window_start,
)
from butler.feedback.models import BAD_STARS, Rating, RatingTag, Stars, Suggestion
from butler.feedback.reminding import invitations_stop
from butler.feedback.tasks import push_rating_to_centre
from butler.service.access import can_serve
from butler.service.models import Butler, ServicePeriod
from companies.models import Company, CompanyLicence, Contact, LicenceStatus, LicenceType


def rateable_licences(company: Company, *, today: date | None = None):
    """Licences of the company issued, or refused, within the rating window, newest first."""
    return (
        CompanyLicence.objects.filter(
            rateable_licence_filter(window_start(today)),
            company=company,
            licence_type__scope__in=RATED_SCOPES,
        )
        .select_related("licence_type")
        .annotate(
            ended_on=Case(When(status=LicenceStatus.REFUSED, then=F("decided_on")), default=F("issued_on"))
        )
        .order_by("-ended_on", "pk")
    )


def rateable_periods(company: Company, *, today: date | None = None):
    """Service periods of the company that ended (completed or ended early) within the rating window."""
    return (
        ServicePeriod.objects.filter(company=company, status__in=ENDED, ended_on__gte=window_start(today))
        .select_related("butler")
        .order_by("-ended_on")
    )


def butler_period(company: Company) -> ServicePeriod | None:
    """The period whose butler the contact rates 'at any time': the one in service, else the latest."""
    periods = ServicePeriod.objects.filter(company=company).select_related("butler")
    return periods.active().first() or periods.order_by("-start_date", "-pk").first()


@dataclass
class Rateable:
    """What one contact may rate now, each with the key that stops a second rating."""

    licences: list = field(default_factory=list)  # CompanyLicence not yet rated by the contact
    periods: list = field(default_factory=list)  # ServicePeriod ended, not yet rated
    butler: ServicePeriod | None = None  # the butler's period, if the contact has not rated it
    rated: set = field(default_factory=set)  # the matter keys the contact rated

    @property
    def count(self) -> int:
        return len(self.licences) + len(self.periods) + (1 if self.butler else 0)


def rateable_for(contact: Contact, *, today: date | None = None, periods: list | None = None) -> Rateable:
    """What the contact may rate now. ``periods``: the company's service periods with their butlers, if the
    caller has them already (two queries then: the contact's ratings and the licences)."""
    rated = set(Rating.objects.filter(contact=contact).values_list("matter_key", flat=True))
    company = contact.company
    if periods is None:
        ended, current = list(rateable_periods(company, today=today)), butler_period(company)
    else:
        since = window_start(today)
        ended = sorted(
            (p for p in periods if p.status in ENDED and p.ended_on and p.ended_on >= since),
            key=lambda p: p.ended_on,
            reverse=True,
        )
        latest = sorted(periods, key=lambda p: (p.start_date, p.pk), reverse=True)
        current = next((p for p in periods if p.is_active), latest[0] if latest else None)
    return Rateable(
        licences=[
            licence
            for licence in rateable_licences(company, today=today)
            if licence_matter_key(licence) not in rated
        ],
        periods=[period for period in ended if period_matter_key(period) not in rated],
        butler=current if current is not None and butler_matter_key(current) not in rated else None,
        rated=rated,
    )


@dataclass
class Target:
    """What the contact is about to rate, and whether they may rate it now."""

    kind: str
    licence: CompanyLicence | None = None
    period: ServicePeriod | None = None
    rateable: bool = False
    rated: Rating | None = None


def rating_target(contact: Contact, kind: str, pk: int) -> Target:
    """The company's own licence or period (404 otherwise), and whether it can be rated now."""
    company = contact.company
    if kind == Rating.Kind.MATTER:
        licence = (
            CompanyLicence.objects.filter(company=company, pk=pk)
            .select_related("licence_type", "vehicle", "person", "vessel")
            .first()
        )
        if licence is None:
            raise Http404
        target = Target(kind, licence=licence)
        target.rateable = rateable_licences(company).filter(pk=licence.pk).exists()
        key = licence_matter_key(licence) if matter_decided_on(licence) else None
    elif kind in (Rating.Kind.PERIOD, Rating.Kind.BUTLER):
        period = ServicePeriod.objects.filter(company=company, pk=pk).select_related("butler").first()
        if period is None:
            raise Http404
        target = Target(kind, period=period)
        if kind == Rating.Kind.PERIOD:
            target.rateable = rateable_periods(company).filter(pk=period.pk).exists()
            key = period_matter_key(period)
        else:
            current = butler_period(company)
            target.rateable = current is not None and current.pk == period.pk
            key = butler_matter_key(period)
    else:
        raise Http404
    if key is not None:
        target.rated = Rating.objects.filter(contact=contact, matter_key=key).first()
    return target


def _contact_of(actor: AbstractBaseUser) -> Contact:
    contact = Contact.objects.select_related("company").filter(user=actor).first()
    if contact is None:
        raise PermissionDenied(_("Only a company's own contacts rate its service."))
    return contact


def _stars_valid(value, name: str, *, required: bool, errors: dict) -> int | None:
    if value in (None, ""):
        if required:
            errors[name] = _("Choose from one to five stars.")
        return None
    try:
        value = int(value)
    except (TypeError, ValueError):
        value = 0
    if value not in Stars.values:
        errors[name] = _("Choose from one to five stars.")
        return None
    return value


@transaction.atomic
def rating_submit(
    *,
    actor: AbstractBaseUser,
    kind: str,
    licence: CompanyLicence | None = None,
    period: ServicePeriod | None = None,
    overall,
    efficiency=None,
    service_level=None,
    attitude=None,
    comment: str = "",
    tags=(),
    now: datetime | None = None,
) -> Rating:
    """A company contact rates a matter, a service period or the butler. Once per matter; never changed.
    A bad rating opens an audit case for the managers at once."""

    now = now or timezone.now()
    today = timezone.localtime(now).date()
    contact = _contact_of(actor)
    company = contact.company
    errors: dict = {}
    stars = {
        name: _stars_valid(value, name, required=name == "overall", errors=errors)
        for name, value in (
            ("overall", overall),
            ("efficiency", efficiency),
            ("service_level", service_level),
            ("attitude", attitude),
        )
    }
    comment = (comment or "").strip()
    if len(comment) > 1000:
        errors["comment"] = _("Keep the comment within 1,000 characters.")
    tags = _tags_valid(stars["overall"], tags, comment, errors)
    butler: Butler | None = None
    if kind == Rating.Kind.MATTER:
        # as it is now, whatever copy the caller holds
        licence = rateable_licences(company, today=today).filter(pk=licence.pk).first() if licence else None
        if licence is None:
            raise ValidationError(_("This licence cannot be rated now."))
        key = licence_matter_key(licence)
        served = (
            ServicePeriod.objects.filter(company=company, start_date__lte=matter_decided_on(licence))
            .select_related("butler")
            .order_by("-start_date", "-pk")
            .first()
        )
        butler, period = (served.butler if served else None), served
    elif kind == Rating.Kind.PERIOD:
        period = rateable_periods(company, today=today).filter(pk=period.pk).first() if period else None
        if period is None:
            raise ValidationError(_("This service period cannot be rated now."))
        key, butler, licence = period_matter_key(period), period.butler, None
    elif kind == Rating.Kind.BUTLER:
        current = butler_period(company)
        if current is None or (period is not None and period.pk != current.pk):
            raise ValidationError(_("Your company has no butler to rate."))
        period, key, butler, licence = current, butler_matter_key(current), current.butler, None
    else:
        raise ValidationError(_("Choose what you are rating."))
    if Rating.objects.filter(contact=contact, matter_key=key).exists():
        raise ValidationError(_("You have already rated this; a rating cannot be changed."))
    if errors:
        raise ValidationError(errors)
    rating = Rating(
        kind=kind,
        company=company,
        contact=contact,
        rated_by=actor,
        butler=butler,
        period=period,
        licence=licence,
        matter_key=key,
        comment=comment,
        created_at=now,
        **stars,
    )
    rating_save(rating, actor, tags)
    invitations_stop(rating=rating)
    if rating.overall in BAD_STARS:
        case_open(rating=rating)
    return rating


def _tags_valid(overall, tags, comment: str, errors: dict) -> list[RatingTag]:
    """Tags that fit the level; for ★1–2 the problem is required, as a tag or in words."""
    tags = list(tags or ())
    if overall is None:
        return tags
    if any(not tag.active or not tag.fits(overall) for tag in tags):
        errors["tags"] = _("Tick only tags that fit the stars you gave.")
    elif overall in BAD_STARS and not comment and not any(t.polarity == RatingTag.Polarity.BAD for t in tags):
        errors["tags"] = _("Tell us what went wrong: tick a tag or write a few words.")
    return tags


def stars_checked(overall, comment: str, tags) -> tuple[int, str, list[RatingTag]]:
    """A rating on the five levels alone (a re-rating, a visit rated on the spot): the stars, the words within
    their length, tags that fit — the problem of a ★1–2 required. Raises ``ValidationError`` by field."""
    errors: dict = {}
    overall = _stars_valid(overall, "overall", required=True, errors=errors)
    comment = (comment or "").strip()
    if len(comment) > 1000:
        errors["comment"] = _("Keep the comment within 1,000 characters.")
    tags = _tags_valid(overall, tags, comment, errors)
    if errors:
        raise ValidationError(errors)
    return overall, comment, tags


def rating_save(rating: Rating, actor, tags: list[RatingTag], *, already: str = "") -> None:
    """Write a new rating once (the database refuses a second of the same matter) with its tags, and its
    push to the provincial rating centre when that is configured, sent once the rating commits."""
    rating.full_clean(validate_constraints=False)  # a second rating is refused by the database, below
    rating._history_user = actor
    try:
        with transaction.atomic():
            rating.save()
    except IntegrityError as error:  # the same matter rated at the same moment elsewhere
        raise ValidationError(
            already or _("You have already rated this; a rating cannot be changed.")
        ) from error
    if tags:
        rating._history_user = actor
        rating.tags.set(tags)
    push = centre_push_make(rating=rating)
    if push is not None:
        # robust: the rating stands if the broker is briefly unreachable; the minute's sweep sends the push.
        transaction.on_commit(lambda: push_rating_to_centre.delay(push.pk), robust=True)


def follow_up_open(rating: Rating, contact: Contact, *, today: date | None = None) -> bool:
    """May this contact re-rate this rating now: their own first rating, not re-rated, within the days."""
    today = today or timezone.localdate()
    return (
        rating.contact_id == contact.pk
        and rating.follows_id is None
        and not Rating.objects.filter(follows=rating).exists()
        and today <= follow_up_until(rating)
    )


@transaction.atomic
def rating_follow_up(
    *,
    actor: AbstractBaseUser,
    rating: Rating,
    overall,
    comment: str = "",
    tags=(),
    now: datetime | None = None,
) -> Rating:
    """The rater's one re-rating (追评) on the same five levels: the final word in the figures. A bad
    re-rating opens a case of its own."""
    now = now or timezone.now()
    contact = _contact_of(actor)
    rating = Rating.objects.select_for_update(of=("self",)).select_related("case").get(pk=rating.pk)
    if not follow_up_open(rating, contact, today=timezone.localtime(now).date()):
        raise ValidationError(_("This rating cannot be rated again now: once, within the days given."))
    overall, comment, tags = stars_checked(overall, comment, tags)
    again = Rating(
        kind=rating.kind,
        company=rating.company,
        contact=contact,
        rated_by=actor,
        butler=rating.butler,
        period=rating.period,
        licence=rating.licence,
        matter_key=f"{rating.matter_key}:again"[:60],
        follows=rating,
        overall=overall,
        comment=comment,
        created_at=now,
    )
    rating_save(again, actor, tags)
    if again.overall in BAD_STARS:
        case_open(rating=again)
    return again


@transaction.atomic
def suggestion_submit(
    *,
    actor: AbstractBaseUser,
    category: str,
    text: str,
    company: Company | None = None,
    contact: Contact | None = None,
    licence_type: LicenceType | None = None,
    now: datetime | None = None,
) -> Suggestion:
    """A suggestion from a company contact on the portal, or one the butler heard and records for the
    company (``company`` given; the source is kept). Every suggestion opens an audit case."""

    own = Contact.objects.select_related("company").filter(user=actor).first()
    if own is not None:
        if company is not None and company.pk != own.company_id:
            raise PermissionDenied
        company, contact, source = own.company, own, Suggestion.Source.PORTAL
    else:
        if company is None or not can_serve(actor, company):
            raise PermissionDenied(_("Only the company's butler or a manager records its suggestions."))
        if contact is not None and contact.company_id != company.pk:
            raise ValidationError({"contact": _("This person is not one of the company's contacts.")})
        source = Suggestion.Source.BUTLER
    errors = {}
    text = (text or "").strip()
    if not text:
        errors["text"] = _("Write the suggestion in a sentence or two.")
    elif len(text) > 2000:
        errors["text"] = _("Keep the suggestion within 2,000 characters.")
    if category not in Suggestion.Category.values:
        errors["category"] = _("Choose what the suggestion is about.")
    if errors:
        raise ValidationError(errors)
    in_service = ServicePeriod.objects.active().filter(company=company).select_related("butler").first()
    suggestion = Suggestion(
        company=company,
        contact=contact,
        submitted_by=actor,
        source=source,
        category=category,
        text=text,
        licence_type=licence_type,
        butler=in_service.butler if in_service else None,
        created_at=now or timezone.now(),
    )
    suggestion.full_clean()
    suggestion._history_user = actor
    suggestion.save()
    case_open(suggestion=suggestion)
    return suggestion
