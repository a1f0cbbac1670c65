"""What each export holds: its headers and a generator of its rows, for the manager's CSV and XLSX downloads.

Every table is one query whatever its size (joins, annotations and subqueries, no query per row), read in
chunks with ``.iterator(chunk_size=2000)``; the companies' business types are prefetched once per chunk.

Filters (:class:`ExportFilters`) apply where the table has them:

- the date range: companies by registration date; licences issued or due in it (issue, obtain-by, renew-by,
  statutory or committed due date); contacts by when they took place; cases by when they were opened;
- the butler: companies and licences of companies the butler serves *now*; contacts the butler *recorded*
  (what the butler did, whichever company it was for); cases *about* the butler;
- the business type: rows of companies with that business type (every table);
- the licence status: licences only.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Exists, F, FilteredRelation, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from butler.contactlog.models import ContactRecord
from butler.feedback.models import AuditCase
from butler.service.models import Butler, ServicePeriod
from companies.lifecycle import CLOSED, HELD
from companies.models import BusinessType, Company, CompanyLicence, Contact, Trip
from companies.selectors import risk_filters
from companies.workdays import local_midnight

CHUNK = 2000


@dataclass(frozen=True)
class ExportFilters:
    since: date | None = None
    until: date | None = None
    butler: Butler | None = None
    business_type: BusinessType | None = None
    status: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    title: Promise
    description: Promise
    dates: Promise  # what the date range filters
    butler: Promise  # what the butler filter keeps
    headers: tuple[Promise, ...]
    rows: Callable[[ExportFilters], Iterator[list]]


# --- helpers ------------------------------------------------------------------------------------------------


def _day_range(field: str, since: date | None, until: date | None) -> Q:
    """Dates of a DateField within [since, until]; no bound, no condition."""
    q = Q()
    if since:
        q &= Q(**{f"{field}__gte": since})
    if until:
        q &= Q(**{f"{field}__lte": until})
    return q


def _moment_range(field: str, since: date | None, until: date | None) -> Q:
    """Moments of a DateTimeField on local days [since, until] (Asia/Shanghai)."""
    q = Q()
    if since:
        q &= Q(**{f"{field}__gte": local_midnight(since)})
    if until:
        q &= Q(**{f"{field}__lt": local_midnight(until + timedelta(days=1))})
    return q


def _with_business_type(field: str, business_type: BusinessType | None) -> Q:
    if business_type is None:
        return Q()
    through = Company.business_types.through.objects.filter(
        company_id=OuterRef(field), businesstype_id=business_type.pk
    )
    return Q(Exists(through))


def _served_by(field: str, butler: Butler | None) -> Q:
    """Rows of companies the butler serves now."""
    if butler is None:
        return Q()
    return Q(Exists(ServicePeriod.objects.active().filter(company_id=OuterRef(field), butler=butler)))


def _count(queryset: QuerySet, by: str):
    """A correlated count, 0 when there is nothing."""
    counted = queryset.order_by().values(by).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _person(user) -> str:
    """A staff member as colleagues know them: the butler's name, else the user's."""
    if user is None:
        return ""
    butler = getattr(user, "butler", None)
    return butler.display_name if butler else (user.get_full_name() or user.username)


def _yes(value: bool) -> str:
    return gettext("yes") if value else gettext("no")


def _local_day(moment: datetime | None) -> date | None:
    return timezone.localtime(moment).date() if moment else None


# --- companies ----------------------------------------------------------------------------------------------


def companies_queryset(filters: ExportFilters, *, today: date | None = None) -> QuerySet:
    today = today or timezone.localdate()
    primary = Contact.objects.filter(company=OuterRef("pk"), is_primary=True)
    last_contact = (
        ContactRecord.objects.filter(company=OuterRef("pk"))
        .order_by("-occurred_at")
        .values("occurred_at")[:1]
    )
    licences = CompanyLicence.objects.filter(company=OuterRef("pk"))
    overdue = risk_filters(today, prefix="")["overdue"]
    return (
        Company.objects.filter(
            _day_range("registered_on", filters.since, filters.until),
            _served_by("pk", filters.butler),
            _with_business_type("pk", filters.business_type),
        )
        .annotate(
            current=FilteredRelation(
                "service_periods", condition=Q(service_periods__status=ServicePeriod.Status.ACTIVE)
            )
        )
        .annotate(
            butler_name=F("current__butler__display_name"),
            card_number=F("current__card_number"),
            service_start=F("current__start_date"),
            service_end=F("current__end_date"),
            contact_name=Subquery(primary.values("name")[:1]),
            contact_mobile=Subquery(primary.values("mobile")[:1]),
            last_contact=Subquery(last_contact),
            licences_required=_count(licences.exclude(status__in=CLOSED), "company"),
            licences_issued=_count(licences.filter(status__in=HELD), "company"),
            licences_overdue=_count(licences.filter(overdue), "company"),
        )
        .prefetch_related("business_types")
        .order_by("-registered_on", "name", "pk")
    )


def company_rows(filters: ExportFilters) -> Iterator[list]:
    for company in companies_queryset(filters).iterator(chunk_size=CHUNK):
        yield [
            company.credit_code,
            company.name,
            company.get_district_display(),
            company.registered_on,
            ", ".join(t.name for t in company.business_types.all()),
            company.legal_representative,
            company.contact_name,
            company.contact_mobile,
            company.butler_name,
            company.card_number,
            company.service_start,
            company.service_end,
            company.get_status_display(),
            company.licences_required,
            company.licences_issued,
            company.licences_overdue,
            _local_day(company.last_contact),
        ]


# --- licences -----------------------------------------------------------------------------------------------


def licences_queryset(filters: ExportFilters) -> QuerySet:
    dates = Q()
    if filters.since or filters.until:
        for field in ("issued_on", "obtain_by", "renew_by", "statutory_due_on", "committed_due_on"):
            dates |= _day_range(field, filters.since, filters.until)
    missing = CompanyLicence.missing_materials.through.objects.filter(companylicence_id=OuterRef("pk"))
    licences = CompanyLicence.objects.filter(
        dates,
        _served_by("company_id", filters.butler),
        _with_business_type("company_id", filters.business_type),
    )
    if filters.status:
        licences = licences.filter(status=filters.status)
    return (
        licences.select_related("company", "licence_type", "vehicle", "person", "vessel")
        .annotate(
            trip_count=_count(Trip.objects.filter(licence=OuterRef("pk")), "licence"),
            missing_count=_count(missing, "companylicence"),
        )
        .order_by("company__name", "company_id", "licence_type__position", "subject_key", "pk")
    )


def licence_rows(filters: ExportFilters) -> Iterator[list]:
    for licence in licences_queryset(filters).iterator(chunk_size=CHUNK):
        subject = licence.vehicle or licence.person or licence.vessel
        yield [
            licence.company.name,
            licence.company.credit_code,
            licence.licence_type.name,
            str(subject) if subject else "",
            licence.get_status_display(),
            licence.get_channel_display() if licence.channel else "",
            licence.accepted_on,
            licence.statutory_due_on,
            licence.committed_due_on,
            licence.obtain_by,
            licence.issued_on,
            licence.expires_on,
            licence.renew_by,
            licence.trip_count,
            licence.missing_count,
        ]


# --- contacts -----------------------------------------------------------------------------------------------


def contacts_queryset(filters: ExportFilters) -> QuerySet:
    records = ContactRecord.objects.filter(
        _moment_range("occurred_at", filters.since, filters.until),
        _with_business_type("company_id", filters.business_type),
    )
    if filters.butler is not None:
        records = records.filter(recorded_by_id=filters.butler.user_id)
    return records.select_related(
        "company",
        "recorded_by__butler",
        "licence__licence_type",
        "licence__vehicle",
        "licence__person",
        "licence__vessel",
    ).order_by("occurred_at", "pk")


def contact_rows(filters: ExportFilters) -> Iterator[list]:
    for record in contacts_queryset(filters).iterator(chunk_size=CHUNK):
        yield [
            record.occurred_at,
            record.company.name,
            record.get_channel_display(),
            record.participants,
            record.summary,
            str(record.licence) if record.licence else "",
            _yes(record.important),
            record.return_visit_due,
            record.return_visit_done_at,
            record.return_visit_outcome,
            _person(record.recorded_by),
        ]


# --- audit cases --------------------------------------------------------------------------------------------


def cases_queryset(filters: ExportFilters) -> QuerySet:
    cases = AuditCase.objects.filter(
        _moment_range("opened_at", filters.since, filters.until),
        _with_business_type("company_id", filters.business_type),
    )
    if filters.butler is not None:
        cases = cases.filter(concerns=filters.butler)
    return cases.select_related(
        "company", "concerns", "handler__butler", "rating__follow_up", "suggestion"
    ).order_by("opened_at", "pk")


def _follow_up_stars(case: AuditCase):
    """The rater's re-rating (追评) after the report back, in stars; empty when none was given."""
    follow_up = getattr(case.rating, "follow_up", None) if case.rating_id else None
    return follow_up.overall if follow_up is not None else ""


def case_kind(case: AuditCase) -> str:
    if case.rating_id:
        return gettext("Rating ★%(stars)d") % {"stars": case.rating.overall}
    return gettext("Suggestion: %(category)s") % {"category": case.suggestion.get_category_display()}


def case_rows(filters: ExportFilters) -> Iterator[list]:
    for case in cases_queryset(filters).iterator(chunk_size=CHUNK):
        yield [
            case.number,
            case.opened_at,
            case.company.name,
            case_kind(case),
            case.concerns.display_name if case.concerns else "",
            case.get_step_display(),
            case.step_due,
            _person(case.handler),
            case.get_finding_display() if case.finding else "",
            case.finding_reason,
            case.rectify_due,
            case.rectified_at,
            case.return_visit_at,
            _follow_up_stars(case),
            case.closed_at,
        ]


TABLES: dict[str, Table] = {
    "companies": Table(
        name="companies",
        title=_("Companies"),
        description=_("Every registered company with its butler in service, contact and licence counts."),
        dates=_("registration date"),
        butler=_("companies the butler serves now"),
        headers=(
            _("Unified social credit code"),
            _("Company name"),
            _("District"),
            _("Registration date"),
            _("Business types"),
            _("Legal representative"),
            _("Primary contact"),
            _("Contact mobile"),
            _("Butler in service"),
            _("Card number"),
            _("Service start"),
            _("Service end"),
            _("Status"),
            _("Licences required"),
            _("Licences held"),
            _("Licences overdue"),
            _("Last contact"),
        ),
        rows=company_rows,
    ),
    "licences": Table(
        name="licences",
        title=_("Licences"),
        description=_("Each company's licences: status, channel, deadlines, trips and missing materials."),
        dates=_("issued or due (obtain, renew, statutory, committed)"),
        butler=_("licences of companies the butler serves now"),
        headers=(
            _("Company"),
            _("Unified social credit code"),
            _("Licence type"),
            _("Subject (plate, person or vessel)"),
            _("Status"),
            _("Channel"),
            _("Accepted on"),
            _("Statutory due date"),
            _("Committed due date"),
            _("Obtain by"),
            _("Issued on"),
            _("Expires on"),
            _("Apply for renewal by"),
            _("Trips"),
            _("Missing materials"),
        ),
        rows=licence_rows,
    ),
    "contacts": Table(
        name="contacts",
        title=_("Contact log"),
        description=_("Every contact with a company and the return visits it called for."),
        dates=_("when the contact took place"),
        butler=_("contacts the butler recorded"),
        headers=(
            _("When"),
            _("Company"),
            _("Channel"),
            _("Who took part"),
            _("Summary"),
            _("Licence"),
            _("Important"),
            _("Return visit due"),
            _("Return visit made"),
            _("Outcome of the return visit"),
            _("Recorded by"),
        ),
        rows=contact_rows,
    ),
    "cases": Table(
        name="cases",
        title=_("Audit cases"),
        description=_("Bad ratings and suggestions through verification, rectification and report back."),
        dates=_("when the case was opened"),
        butler=_("cases about the butler"),
        headers=(
            _("Case number"),
            _("Opened at"),
            _("Company"),
            _("Feedback"),
            _("About the butler"),
            _("Next step"),
            _("Next step due"),
            _("Handled by"),
            _("Finding"),
            _("Reason"),
            _("Rectify by"),
            _("Rectified at"),
            _("Reported back at"),
            _("Re-rating (追评), stars"),
            _("Closed at"),
        ),
        rows=case_rows,
    ),
}
