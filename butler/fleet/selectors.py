"""The fleet's calendar as each page shows it: every open obligation and every vehicle's or person's licence
date, soonest first, in a fixed number of queries whatever the size of the fleet."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from companies.lifecycle import HELD
from companies.models import Company, CompanyLicence, LicenceScope, LicenceStatus, Obligation, RenewalKind

MONTH_DAYS = 31  # "this month": what is due within a month, or overdue


@dataclass(frozen=True)
class CalendarItem:
    """One thing to do for one vehicle or person, by a date (None: the last time is not recorded yet)."""

    subject: str
    subject_kind: str  # vehicle, person, vessel
    what: str
    due_on: date | None
    days: int | None
    tone: str
    obligation: Obligation | None = None
    licence: CompanyLicence | None = None
    consequence: str = ""

    @property
    def undated(self) -> bool:
        return self.due_on is None

    @property
    def overdue(self) -> int:
        return -self.days if self.days is not None and self.days < 0 else 0


@dataclass
class SubjectMonth:
    """What one plate or one driver needs this month."""

    subject: str
    subject_kind: str
    items: list[CalendarItem] = field(default_factory=list)


def _tone(days: int | None) -> str:
    if days is None:
        return "secondary"
    if days < 0:
        return "danger"
    if days <= 7:
        return "warning"
    if days <= MONTH_DAYS:
        return "info"
    return "success"


def _licence_date(licence: CompanyLicence) -> date | None:
    if licence.status in (LicenceStatus.ISSUED, LicenceStatus.RENEWAL_DUE):
        return licence.renew_by or licence.expires_on
    if licence.status == LicenceStatus.EXPIRED:
        return licence.expires_on
    return None


def _licence_what(licence: CompanyLicence) -> str:
    kind = licence.licence_type
    if licence.status == LicenceStatus.EXPIRED:
        return str(kind.name)
    labels = {
        RenewalKind.ANNUAL_REVIEW: _("annual review"),
        RenewalKind.EXCHANGE: _("certificate exchange"),
        RenewalKind.EXTENSION: _("renewal"),
    }
    return f"{kind.name} · {labels[kind.renewal_kind]}" if kind.renewal_kind in labels else str(kind.name)


def open_obligations(company: Company) -> QuerySet:
    """The company's open periodic obligations with their type and subject, by due date: one query."""
    return (
        Obligation.objects.filter(company=company, ended_on__isnull=True)
        .select_related("obligation_type", "vehicle", "person", "vessel")
        .order_by("due_on", "subject_key", "obligation_type__position")
    )


def fleet_calendar(company: Company, *, today: date, within_days: int | None = None) -> list[CalendarItem]:
    """Every open obligation and every held vehicle, person or vessel licence of the company with its date,
    overdue first, then soonest, then those with no date yet. ``within_days``: only what is due by then (and
    what is overdue or undated). Two queries."""
    obligations = open_obligations(company)
    licences = CompanyLicence.objects.filter(
        Q(status__in=[*HELD, LicenceStatus.EXPIRED]),
        company=company,
        licence_type__scope__in=[LicenceScope.VEHICLE, LicenceScope.PERSON, LicenceScope.VESSEL],
    ).select_related("licence_type", "vehicle", "person", "vessel")
    horizon = today + timedelta(days=within_days) if within_days is not None else None
    items = []
    for obligation in obligations:
        due = obligation.due_on
        if horizon and due and due > horizon:
            continue
        days = (due - today).days if due else None
        items.append(
            CalendarItem(
                subject=str(obligation.subject),
                subject_kind=obligation.subject_key.split(":", 1)[0],
                what=str(obligation.obligation_type.name),
                due_on=due,
                days=days,
                tone=_tone(days),
                obligation=obligation,
                consequence=obligation.obligation_type.consequence,
            )
        )
    for licence in licences:
        if licence.subject is None or (licence.vehicle_id and licence.vehicle.retired_on):
            continue
        due = _licence_date(licence)
        if due is None or (horizon and due > horizon) or licence.status == LicenceStatus.RENEWAL_APPLIED:
            continue
        days = (due - today).days
        items.append(
            CalendarItem(
                subject=str(licence.subject),
                subject_kind=licence.subject_key.split(":", 1)[0],
                what=_licence_what(licence),
                due_on=due,
                days=days,
                tone=_tone(days),
                licence=licence,
            )
        )
    return sorted(items, key=lambda item: (item.due_on is None, item.due_on or date.max, item.subject))


def fleet_table(company: Company, *, today: date) -> tuple[list[str], list[list]]:
    """The whole calendar as a table for the company's own records: headers and rows, soonest first."""
    kinds = {"vehicle": _("Vehicle"), "person": _("Person"), "vessel": _("Vessel")}
    headers = [
        _("Plate or name"),
        _("Kind"),
        _("What"),
        _("Next date"),
        _("Days left"),
        _("Last done"),
        _("Certificate or policy number"),
        _("If it lapses"),
    ]
    rows = []
    for item in fleet_calendar(company, today=today):
        obligation, licence = item.obligation, item.licence
        rows.append(
            [
                item.subject,
                str(kinds.get(item.subject_kind, item.subject_kind)),
                item.what,
                item.due_on,
                item.days,
                obligation.last_done_on if obligation else (licence.issued_on if licence else None),
                obligation.reference if obligation else (licence.certificate_number if licence else ""),
                item.consequence,
            ]
        )
    return [str(header) for header in headers], rows


def fleet_month(company: Company, *, today: date) -> tuple[list[SubjectMonth], int]:
    """The company's month on a phone: for each plate or person with something due within a month (or
    overdue), what and by when, the most urgent subject first; and how many items have no date yet."""
    items = fleet_calendar(company, today=today, within_days=MONTH_DAYS)
    subjects: dict[tuple[str, str], SubjectMonth] = {}
    undated = 0
    for item in items:
        if item.undated:
            undated += 1
            continue
        key = (item.subject_kind, item.subject)
        subjects.setdefault(key, SubjectMonth(item.subject, item.subject_kind)).items.append(item)
    return list(subjects.values()), undated


def fleet_counts(items: list[CalendarItem]) -> dict[str, int]:
    return {
        "overdue": sum(1 for item in items if item.days is not None and item.days < 0),
        "month": sum(1 for item in items if item.days is not None and 0 <= item.days <= MONTH_DAYS),
        "undated": sum(1 for item in items if item.undated),
    }
