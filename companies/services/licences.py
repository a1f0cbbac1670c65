"""A licence's life cycle: applications, missing materials, issue, renewal, lapse — and the trips made."""

from collections.abc import Iterable
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from companies import workdays
from companies.lifecycle import ACCEPTANCE, HELD, PENDING, acceptance_for, allowed
from companies.models import (
    Application,
    BusinessScope,
    Company,
    CompanyLicence,
    LicenceChannel,
    LicenceMaterial,
    LicenceScope,
    LicenceStatus,
    LicenceType,
    ResultDelivery,
    RouteSpan,
    Trip,
    TripEvent,
)

S = LicenceStatus


def _refuse(licence: CompanyLicence, target: str) -> ValidationError:
    label = S(target).label if target in S.values else target
    return ValidationError(
        _("A licence that is “%(current)s” cannot become “%(target)s”.")
        % {"current": licence.get_status_display(), "target": label}
    )


# Moving into one of these from elsewhere files the licence: a new matter (一件事); at the window, a visit.
FILING = {S.MATERIALS_MISSING, S.APPLIED, S.DEFERRED, S.RENEWAL_APPLIED}
# Materials asked for are waited on in these; leaving one for an acceptance means they arrived.
WAITING = {S.MATERIALS_MISSING, S.SUPPLEMENTING, S.DEFERRED}


@transaction.atomic
def licence_transition(
    *,
    actor: AbstractBaseUser | None,
    licence: CompanyLicence,
    to: str,
    on: date | None = None,
    channel: str = "",
    certificate_number: str = "",
    expires_on: date | None = None,
    issued_on: date | None = None,
    materials: Iterable[LicenceMaterial] = (),
    reasons: dict | None = None,
    supply_by: date | None = None,
    submitted_on: date | None = None,
    refusal_reasons: str = "",
    at_window: bool | None = None,
    collected: bool = False,
    application: Application | None = None,
    business_scopes: Iterable[BusinessScope] | None = None,
    commitment: str = "",
    note: str = "",
) -> CompanyLicence:
    """Move a licence to the next status of its life cycle; anything the life cycle does not allow is refused.

    - incomplete (补正): ``materials`` lists everything missing, ``reasons`` why (by material id),
      ``supply_by`` the date to supply them by; ``on`` is the date of the one complete notice, due within
      ``BUTLER_NOTICE_WORKING_DAYS`` of ``submitted_on`` (the day the materials were handed in). Nothing is
      accepted: no clock runs.
    - accepted / renewal accepted: ``on`` is the acceptance date; the statutory and committed due dates are
      counted from it in working days. From "supplementing" it means the materials arrived: the due dates
      move on by the working days the clock stood still. From "items to follow" the items arrived.
    - accepted, items to follow (容缺受理): accepted as above, with ``materials`` to follow by ``supply_by``.
    - supplementing: materials asked for during the review; both clocks stop on ``on``.
    - issued: ``on`` is the decision; ``issued_on`` the certificate's date (up to 10 days later);
      ``certificate_number`` is required; ``expires_on`` defaults to the catalogue's validity (a pass for
      repeated trips needs its own, within the catalogue's longest pass); ``business_scopes`` the classes a
      freight licence covers (kept when not given); for a commitment-based entry (告知承诺制) the signed
      ``commitment``, to be verified within the catalogue's days.
    - refused (不予许可): ``refusal_reasons`` in writing are required.

    Trips are recorded by the events that make them: filing at the window (``channel`` window), materials
    handed in at the window (``at_window``), the certificate collected in person (``collected``) — one per
    matter, event and day, however many certificates the matter holds.
    """
    licence = (
        CompanyLicence.objects.select_for_update(of=("self",))
        .select_related("licence_type", "company", "application")
        .get(pk=licence.pk)
    )
    if to not in S.values or not allowed(licence, to):
        raise _refuse(licence, to)
    now = timezone.now()
    today = timezone.localdate(now)
    on = on or today
    _not_future(on, "on", today)
    if on < licence.company.registered_on:
        raise ValidationError({"on": _("The date cannot be before the company was registered.")})
    kind = licence.licence_type
    was = licence.status
    moment = now if on == today else None
    clear_missing = False
    if channel and channel not in LicenceChannel.values:
        raise ValidationError({"channel": _("Choose how the application was made.")})
    filing = to in FILING and was not in WAITING
    if filing:
        licence.application = application or _application_open(actor, licence, on, channel)
        licence.channel = licence.application.channel
        licence.cancel_notice_on = licence.cancel_on = None  # applied for again: no longer to be cancelled
    if to == S.MATERIALS_MISSING:
        submitted_on = submitted_on or on
        _not_future(submitted_on, "submitted_on", today)
        if submitted_on > on:
            raise ValidationError(
                {"submitted_on": _("The materials were handed in before the notice was given, not after.")}
            )
        _materials_asked(licence, materials, reasons, supply_by, on)
        licence.submitted_on = submitted_on
        licence.missing_noted_on = on
        licence.notice_given_by = actor
        licence.accepted_on = licence.accepted_at = None
        licence.statutory_due_on = licence.committed_due_on = None
        licence.paused_on, licence.paused_days = None, 0
    if to in ACCEPTANCE | {S.DEFERRED} and was not in (S.SUPPLEMENTING, S.DEFERRED):
        # Accepted: the materials are complete (or only minor items follow); both clocks start today.
        if licence.submitted_on and on < licence.submitted_on:
            raise ValidationError(
                {"on": _("The application cannot be accepted before its materials were handed in.")}
            )
        licence.accepted_on, licence.accepted_at = on, moment
        licence.submitted_on = licence.submitted_on if was == S.MATERIALS_MISSING else on
        licence.paused_on, licence.paused_days = None, 0
        licence.decided_on = licence.decided_at = None
        licence.refusal_reasons = ""
        _count_due_dates(licence)
        clear_missing = True
    elif was == S.SUPPLEMENTING and to in ACCEPTANCE:
        if licence.paused_on and on < licence.paused_on:
            raise ValidationError({"on": _("The materials cannot arrive before they were asked for.")})
        if licence.paused_on:
            licence.paused_days += workdays.working_days_between(licence.paused_on, on)
        licence.paused_on = None
        if licence.accepted_on:
            _count_due_dates(licence)
        clear_missing = True
    elif was == S.DEFERRED and to == S.APPLIED:
        clear_missing = True  # the items that were to follow arrived
    if to == S.DEFERRED:
        _materials_asked(licence, materials, reasons, supply_by, on)
        clear_missing = False
    if to == S.SUPPLEMENTING:
        if licence.accepted_on and on < licence.accepted_on:
            raise ValidationError(
                {"on": _("Materials cannot be asked for before the application was accepted.")}
            )
        _materials_asked(licence, materials, reasons, supply_by, on)
        licence.paused_on = on
        licence.missing_noted_on = on
        licence.notice_given_by = actor
    if to in (S.ISSUED, S.REFUSED):
        if licence.accepted_on and on < licence.accepted_on:
            raise ValidationError({"on": _("The decision cannot come before the acceptance.")})
        licence.decided_on, licence.decided_at = on, moment
    if to == S.ISSUED:
        _issue(licence, kind, on, issued_on, certificate_number, expires_on, today)
        _commit(licence, kind, on, commitment)
        clear_missing = True
    if to == S.REFUSED:
        refusal_reasons = refusal_reasons.strip()
        if not refusal_reasons:
            raise ValidationError({"refusal_reasons": _("Write down the reasons for the refusal.")})
        licence.refusal_reasons = refusal_reasons
        clear_missing = True
    if clear_missing:
        licence.supply_by = None
        licence.missing_reasons = {}
    if note.strip():
        stamp = f"{on:%Y-%m-%d} {S(to).label}: {note.strip()}"
        licence.notes = f"{licence.notes}\n{stamp}".strip()
    licence.status = to
    licence.set_aside_by_plan = False
    licence.status_before_set_aside = ""
    licence.full_clean()
    licence._history_user = actor
    licence.save()
    if to in (S.MATERIALS_MISSING, S.SUPPLEMENTING, S.DEFERRED):
        licence._history_user = actor
        licence.missing_materials.set(materials)
    elif clear_missing:
        licence._history_user = actor
        licence.missing_materials.clear()
    if to == S.ISSUED and business_scopes is not None and kind.has_business_scope:
        licence._history_user = actor
        licence.business_scopes.set(business_scopes)
    _trips_of(actor, licence, was=was, to=to, on=on, filing=filing, at_window=at_window, collected=collected)
    return licence


@transaction.atomic
def application_file(
    *,
    actor: AbstractBaseUser | None,
    licences: Iterable[CompanyLicence],
    to: str,
    on: date | None = None,
    channel: str = LicenceChannel.WINDOW,
    result_by: str = "",
    by_proxy: bool = False,
    authorisation: str = "",
    **details,
) -> Application:
    """File licences of one company together as one matter (一件事) — a fleet's certificates at once — and
    take each the same step (accepted, incomplete, items to follow): "accepted" accepts each the way it can
    be, a renewal of one held before or a first application. One visit at the window is one trip.
    ``by_proxy``: the butler files for the company (帮办代办), with the letter of authorisation kept; it costs
    the company no visit."""
    # As they stand now, whatever copies the caller holds.
    licences = list(
        CompanyLicence.objects.select_for_update(of=("self",))
        .select_related("licence_type")
        .filter(pk__in=[licence.pk for licence in licences])
        .order_by("pk")
    )
    if not licences:
        raise ValidationError({"licences": _("Choose the licences filed together.")})
    if len({licence.company_id for licence in licences}) > 1:
        raise ValidationError({"licences": _("One matter is filed by one company.")})
    if to not in FILING:
        raise ValidationError({"to": _("A matter is filed by accepting it, or by noting what is missing.")})
    application = application_open(
        actor=actor,
        company=licences[0].company,
        on=on or timezone.localdate(),
        channel=channel,
        result_by=result_by,
        by_proxy=by_proxy,
        authorisation=authorisation,
    )
    for licence in licences:
        step = (acceptance_for(licence) or to) if to in ACCEPTANCE else to
        licence_transition(
            actor=actor, licence=licence, to=step, on=on, channel=channel, application=application, **details
        )
    return application


def application_open(
    *,
    actor: AbstractBaseUser | None,
    company: Company,
    on: date,
    channel: str,
    result_by: str = "",
    by_proxy: bool = False,
    authorisation: str = "",
) -> Application:
    """A new matter of the company: how it went in and how the result comes back. Online filing gets an
    electronic result unless told otherwise; a filing by the butler for the company keeps its
    authorisation."""
    if channel not in LicenceChannel.values:
        raise ValidationError({"channel": _("Choose how the application was made.")})
    if result_by and result_by not in ResultDelivery.values:
        raise ValidationError({"result_by": _("Choose how the result reaches the company.")})
    authorisation = authorisation.strip()
    if by_proxy and not authorisation:
        raise ValidationError({"authorisation": _("Note the letter of authorisation the company signed.")})
    online = channel in (LicenceChannel.ONLINE, LicenceChannel.MOBILE)
    application = Application(
        company=company,
        filed_on=on,
        channel=channel,
        result_by=result_by or (ResultDelivery.ONLINE if online else ResultDelivery.IN_PERSON),
        by_proxy=by_proxy,
        authorisation=authorisation,
        created_by=actor,
    )
    application.full_clean(exclude=["company"])
    application._history_user = actor
    application.save()
    return application


def _not_future(day: date, field: str, today: date) -> None:
    if day > today:
        raise ValidationError({field: _("The date cannot be in the future.")})


def _materials_asked(licence, materials, reasons, supply_by, on) -> None:
    """Everything missing at once (一次性告知): the materials of this entry, why each, and a date."""
    materials = list(materials)
    if not materials:
        raise ValidationError({"materials": _("Tick every material that is missing.")})
    if any(material.licence_type_id != licence.licence_type_id for material in materials):
        raise ValidationError({"materials": _("Only materials of this licence type can be missing.")})
    if supply_by is None:
        raise ValidationError({"supply_by": _("Give the date by which the materials are to be supplied.")})
    if supply_by < on:
        raise ValidationError(
            {"supply_by": _("The date to supply them by cannot come before today's notice.")}
        )
    wanted = {str(material.pk) for material in materials}
    licence.missing_reasons = {
        key: str(reason).strip()[:200]
        for key, reason in (reasons or {}).items()
        if key in wanted and str(reason).strip()
    }
    licence.supply_by = supply_by


def _issue(licence, kind, on, issued_on, certificate_number, expires_on, today) -> None:
    certificate_number = certificate_number.strip()
    if not certificate_number:
        raise ValidationError({"certificate_number": _("Enter the certificate number.")})
    issued_on = issued_on or on
    _not_future(issued_on, "issued_on", today)
    if issued_on < on:
        raise ValidationError({"issued_on": _("The certificate cannot be dated before the decision.")})
    licence.certificate_number = certificate_number
    licence.issued_on = issued_on
    licence.first_issued_on = licence.first_issued_on or issued_on
    if expires_on is None and kind.validity_months:
        # Valid for N months: 2026-11-02 + 48 months is valid until 2030-11-01.
        expires_on = issued_on + relativedelta(months=kind.validity_months) - relativedelta(days=1)
    if licence.is_pass:
        longest = issued_on + relativedelta(months=kind.max_pass_months or 0) - relativedelta(days=1)
        if expires_on is None:
            raise ValidationError({"expires_on": _("Give the last day the pass is valid.")})
        if expires_on > longest:
            raise ValidationError(
                {
                    "expires_on": _("A pass is valid for %(months)s months at most: until %(date)s.")
                    % {"months": kind.max_pass_months, "date": f"{longest:%Y-%m-%d}"}
                }
            )
    if expires_on is not None and expires_on <= issued_on:
        raise ValidationError({"expires_on": _("The expiry date must come after the issue date.")})
    licence.expires_on = expires_on
    licence.renew_by = expires_on - timedelta(days=kind.renew_days_before) if expires_on else None


def _commit(licence: CompanyLicence, kind: LicenceType, on: date, commitment: str) -> None:
    """告知承诺制: decided against the applicant's signed commitment, kept on file and verified later."""
    commitment = commitment.strip()
    if not kind.by_commitment:
        return
    if not commitment:
        raise ValidationError(
            {"commitment": _("Note the commitment the applicant signed (its number or where it is filed).")}
        )
    licence.commitment = commitment
    licence.verify_by = on + timedelta(days=kind.verify_within_days) if kind.verify_within_days else None
    licence.verified_on = None
    licence.verification_note = ""


@transaction.atomic
def commitment_verify(
    *, actor: AbstractBaseUser | None, licence: CompanyLicence, on: date, kept: bool, note: str = ""
) -> CompanyLicence:
    """The later check of a commitment-based approval. Kept: the licence stands. Not kept: it is revoked
    (cancelled), with what the check found in writing."""
    licence = CompanyLicence.objects.select_for_update(of=("self",)).get(pk=licence.pk)
    if not licence.commitment or licence.verified_on or licence.status not in HELD:
        raise ValidationError(_("This licence has no commitment waiting to be verified."))
    _not_future(on, "on", timezone.localdate())
    if licence.decided_on and on < licence.decided_on:
        raise ValidationError({"on": _("The check cannot come before the decision.")})
    note = note.strip()
    if not kept and not note:
        raise ValidationError({"note": _("Write down what was found not to match the commitment.")})
    licence.verified_on = on
    licence.verification_note = note[:300]
    if not kept:
        licence.status = S.CANCELLED
        stamp = f"{on:%Y-%m-%d} " + _("Commitment not kept, licence revoked: %(note)s") % {"note": note}
        licence.notes = f"{licence.notes}\n{stamp}".strip()
    licence._history_user = actor
    licence.save()
    return licence


def _count_due_dates(licence: CompanyLicence) -> None:
    """Both clocks from the acceptance, moved on by the working days they stood still."""
    kind = licence.licence_type
    licence.statutory_due_on = _due(licence.accepted_on, kind.statutory_limit_days, licence.paused_days)
    licence.committed_due_on = _due(licence.accepted_on, kind.committed_limit_days, licence.paused_days)


def _due(accepted: date, limit: int | None, paused: int = 0) -> date | None:
    return workdays.add_working_days(accepted, limit + paused) if limit else None


def _application_open(actor, licence: CompanyLicence, on: date, channel: str) -> Application:
    return application_open(
        actor=actor, company=licence.company, on=on, channel=channel or LicenceChannel.WINDOW
    )


def _trips_of(
    actor, licence, *, was: str, to: str, on: date, filing: bool, at_window, collected: bool
) -> None:
    application = licence.application
    if application is None:
        return
    if filing and application.channel == LicenceChannel.WINDOW and not application.by_proxy:
        _visit(actor, licence, TripEvent.ACCEPTED, on)
    elif was in WAITING and to in ACCEPTANCE and at_window:
        _visit(actor, licence, TripEvent.SUPPLIED, on)
    if to == S.ISSUED and collected:
        _visit(actor, licence, TripEvent.COLLECTED, licence.issued_on)


def _visit(actor, licence: CompanyLicence, event: str, on: date) -> Trip:
    """One visit per matter, event and day: a fleet's certificates accepted together are one trip."""
    trip = Trip.objects.filter(application=licence.application, event=event, date=on).first()
    if trip is None:
        trip = Trip(
            application=licence.application,
            licence=licence,
            event=event,
            date=on,
            purpose=str(TripEvent(event).label),
            recorded_by=actor,
        )
        trip._history_user = actor
        trip.save()
    return trip


@transaction.atomic
def trip_record(*, actor: AbstractBaseUser | None, licence: CompanyLicence, on: date, purpose: str) -> Trip:
    """Record another visit the company made for this licence's matter (one no event recorded)."""
    if on > timezone.localdate():
        raise ValidationError({"on": _("The date cannot be in the future.")})
    trip = Trip(
        application=licence.application,
        licence=licence,
        event=TripEvent.OTHER,
        date=on,
        purpose=purpose.strip(),
        recorded_by=actor,
    )
    trip.full_clean()
    trip._history_user = actor
    trip.save()
    return trip


@transaction.atomic
def trip_undo(*, actor: AbstractBaseUser | None, trip: Trip) -> None:
    """Take back a visit recorded by mistake (the history keeps it)."""
    trip._history_user = actor
    trip.delete()


@transaction.atomic
def licence_add_trip_permit(
    *,
    actor: AbstractBaseUser | None,
    company: Company,
    licence_type: LicenceType,
    note: str = "",
    route_span: str = "",
    is_pass: bool = False,
) -> CompanyLicence:
    """A per-trip permit (e.g. an oversize transport) for one journey, or a pass for repeated identical trips
    where the catalogue allows one. The company's licence must cover the business scope the permit needs;
    where the issuer follows the route, the route's span is required."""
    if licence_type.scope != LicenceScope.TRIP:
        raise ValidationError(_("Only per-trip permits are added by hand; the plan derives the others."))
    needed = licence_type.needs_scope
    if needed and not company.licences.filter(status__in=HELD, business_scopes=needed).exists():
        raise ValidationError(
            {
                "licence_type": _(
                    "The company's licence does not cover the business scope “%(scope)s” this permit needs."
                )
                % {"scope": needed.name}
            }
        )
    if route_span and route_span not in RouteSpan.values:
        raise ValidationError({"route_span": _("Choose how far the journey goes.")})
    if licence_type.issuer_by_route and not route_span:
        raise ValidationError(
            {"route_span": _("Choose how far the journey goes: it decides which authority issues it.")}
        )
    if is_pass and not licence_type.max_pass_months:
        raise ValidationError({"is_pass": _("This permit has no pass for repeated trips.")})
    Company.objects.select_for_update().filter(pk=company.pk).values_list("pk", flat=True).first()
    keys = company.licences.filter(licence_type=licence_type).values_list("subject_key", flat=True)
    number = max((int(key.split(":")[1]) for key in keys if key.startswith("trip:")), default=0) + 1
    licence = CompanyLicence(
        company=company,
        licence_type=licence_type,
        subject_key=f"trip:{number}",
        notes=note.strip(),
        route_span=route_span if licence_type.issuer_by_route else "",
        is_pass=is_pass,
    )
    licence.full_clean()
    licence._history_user = actor
    licence.save()
    return licence


@transaction.atomic
def licence_cancel_notice(
    *, actor: AbstractBaseUser | None, licence: CompanyLicence, on: date
) -> CompanyLicence:
    """The authority gave public notice (公告) that a lapsed licence will be cancelled (注销): it is, after
    ``BUTLER_CANCEL_NOTICE_DAYS``, unless the company applies again meanwhile."""
    licence = CompanyLicence.objects.select_for_update(of=("self",)).get(pk=licence.pk)
    if licence.status != S.EXPIRED:
        raise ValidationError(_("Only a lapsed licence is noticed for cancellation."))
    _not_future(on, "on", timezone.localdate())
    if licence.expires_on and on <= licence.expires_on:
        raise ValidationError({"on": _("The notice comes after the licence lapsed.")})
    licence.cancel_notice_on = on
    licence.cancel_on = on + timedelta(days=settings.BUTLER_CANCEL_NOTICE_DAYS)
    licence._history_user = actor
    licence.save(update_fields=["cancel_notice_on", "cancel_on", "updated_at"])
    return licence


@transaction.atomic
def licence_record_held(
    *,
    actor: AbstractBaseUser | None,
    licence: CompanyLicence,
    certificate_number: str,
    expires_on: date,
    issued_on: date | None = None,
) -> CompanyLicence:
    """A certificate the subject already holds, as its holder's records show it (a driver's qualification
    from the company's sheet): no application, no decision of this window, no trip. Its status follows
    the calendar (valid, renewal due, or lapsed). The same certificate recorded again changes nothing;
    a later expiry is the certificate exchanged meanwhile."""
    licence = (
        CompanyLicence.objects.select_for_update(of=("self",))
        .select_related("licence_type")
        .get(pk=licence.pk)
    )
    kind = licence.licence_type
    certificate_number = certificate_number.strip()
    if not certificate_number:
        raise ValidationError({"certificate_number": _("Enter the certificate number.")})
    if licence.status in PENDING:
        raise ValidationError(
            _("An application for it is under way: record its decision on the licence page instead.")
        )
    if licence.status == S.NOT_REQUIRED:
        raise ValidationError(_("This certificate is not needed in this company's business."))
    if licence.certificate_number == certificate_number and licence.expires_on == expires_on:
        return licence
    today = timezone.localdate()
    if issued_on is None and kind.validity_months:
        issued_on = expires_on - relativedelta(months=kind.validity_months) + timedelta(days=1)
        if issued_on > today:
            raise ValidationError(
                {
                    "expires_on": _("A certificate of this kind is valid for %(months)s months at most.")
                    % {"months": kind.validity_months}
                }
            )
    if issued_on is not None:
        _not_future(issued_on, "issued_on", today)
        if expires_on <= issued_on:
            raise ValidationError({"expires_on": _("The expiry date must come after the issue date.")})
    licence.certificate_number = certificate_number
    licence.issued_on = issued_on
    licence.first_issued_on = licence.first_issued_on or issued_on
    licence.expires_on = expires_on
    licence.renew_by = expires_on - timedelta(days=kind.renew_days_before)
    notice = timedelta(days=getattr(settings, "BUTLER_RENEWAL_NOTICE_DAYS", 30))
    if expires_on < today:
        licence.status = S.EXPIRED
    elif licence.renew_by <= today + notice:
        licence.status = S.RENEWAL_DUE
    else:
        licence.status = S.ISSUED
    licence.cancel_notice_on = licence.cancel_on = None
    licence.set_aside_by_plan = False
    licence.status_before_set_aside = ""
    licence.full_clean()
    licence._history_user = actor
    licence.save()
    return licence


def licence_statuses_refresh(*, today: date | None = None) -> dict[str, int]:
    """Move held licences along with the calendar: into "renewal due" ahead of the last day to apply for
    renewal (``BUTLER_RENEWAL_NOTICE_DAYS`` before it), and past expiry to expired.

    A renewal applied for before expiry stays valid until the authority decides (it counts as granted).
    Reads only licences near or past those dates (indexes on status and date).
    """
    today = today or timezone.localdate()
    notice = timedelta(days=getattr(settings, "BUTLER_RENEWAL_NOTICE_DAYS", 30))
    counts = {"expired": 0, "renewal_due": 0, "cancelled": 0}
    with transaction.atomic():
        # Held and not renewed in time; a renewal refused, or handed in incomplete and never accepted,
        # before the expiry (one accepted in time counts as granted until the authority decides).
        expired = CompanyLicence.objects.filter(
            Q(status__in=[S.ISSUED, S.RENEWAL_DUE])
            | Q(status=S.REFUSED, decided_on__lte=F("expires_on"))
            | Q(status=S.MATERIALS_MISSING, missing_noted_on__lte=F("expires_on")),
            expires_on__lt=today,
        )
        for licence in expired.select_for_update(skip_locked=True):
            _set_status(licence, S.EXPIRED)
            counts["expired"] += 1
        due = CompanyLicence.objects.filter(
            status=S.ISSUED, renew_by__lte=today + notice, expires_on__gte=today
        )
        for licence in due.select_for_update(skip_locked=True):
            _set_status(licence, S.RENEWAL_DUE)
            counts["renewal_due"] += 1
        # Lapsed, publicly noticed, and not applied for again within the notice: cancelled (注销).
        noticed = CompanyLicence.objects.filter(status=S.EXPIRED, cancel_on__lt=today)
        for licence in noticed.select_for_update(skip_locked=True):
            _set_status(licence, S.CANCELLED)
            counts["cancelled"] += 1
    return counts


def _set_status(licence: CompanyLicence, status: str) -> None:
    licence.status = status
    licence._history_user = None
    licence.save(update_fields=["status", "updated_at"])


def licence_due_dates_recompute(*, years: set[int] | None = None) -> int:
    """Count pending applications' due dates again, after the working-day calendar changed.

    ``years``: only applications whose due dates reach one of these years. Returns how many moved.
    """
    pending = CompanyLicence.objects.filter(status__in=PENDING, accepted_on__isnull=False).select_related(
        "licence_type"
    )
    if years:
        reach = Q()
        for year in years:
            reach |= (
                Q(statutory_due_on__year=year) | Q(committed_due_on__year=year) | Q(accepted_on__year=year)
            )
        pending = pending.filter(reach)
    moved = 0
    with transaction.atomic():
        for licence in pending.select_for_update(of=("self",)):
            kind = licence.licence_type
            statutory, committed = (
                _due(licence.accepted_on, kind.statutory_limit_days, licence.paused_days),
                _due(licence.accepted_on, kind.committed_limit_days, licence.paused_days),
            )
            if (statutory, committed) != (licence.statutory_due_on, licence.committed_due_on):
                licence.statutory_due_on, licence.committed_due_on = statutory, committed
                licence._history_user = None
                licence.save(update_fields=["statutory_due_on", "committed_due_on", "updated_at"])
                moved += 1
    return moved
