"""Reads of the licence domain: checklists, lapse risk and the reform's measures, in fixed query counts."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from companies import workdays
from companies.lifecycle import HELD, PENDING, TO_OBTAIN
from companies.models import CompanyLicence, LicenceMaterial, LicenceScope, LicenceStatus

S = LicenceStatus
SOON_DAYS = 30


class Risk:
    """Lapse risk of a company, highest first: what the butler must look at today."""

    HIGH, MEDIUM, LOW, NONE = 3, 2, 1, 0


def licences_for(company) -> QuerySet:
    return (
        CompanyLicence.objects.filter(company=company)
        .select_related("licence_type", "vehicle", "person", "vessel")
        .prefetch_related(
            Prefetch("missing_materials", queryset=LicenceMaterial.objects.order_by("position"))
        )
        .annotate(trip_count=Count("trips"))
        .order_by("licence_type__position", "subject_key")
    )


@dataclass
class ChecklistGroup:
    scope: str
    label: str
    licences: list


def checklist(company, *, today: date | None = None) -> list[ChecklistGroup]:
    """The company's licences grouped by scope, each with its urgency for colouring."""
    today = today or timezone.localdate()
    groups: dict[str, ChecklistGroup] = {}
    for licence in licences_for(company):
        licence.urgency = urgency(licence, today)
        scope = licence.licence_type.scope
        if scope not in groups:
            groups[scope] = ChecklistGroup(scope, LicenceScope(scope).label, [])
        groups[scope].licences.append(licence)
    order = list(LicenceScope.values)
    return sorted(groups.values(), key=lambda group: order.index(group.scope))


@dataclass
class Urgency:
    tone: str  # danger, warning, info, success, secondary
    days: int | None  # days until the date that matters (negative: past it)
    what: str  # "obtain", "renew", "expiry", "committed", "statutory", ""
    on: date | None = None  # that date

    @property
    def overdue(self) -> int:
        return -self.days if self.days is not None and self.days < 0 else 0


def urgency(licence: CompanyLicence, today: date) -> Urgency:
    """The date that matters now for this licence and how close it is."""
    if licence.status == S.EXPIRED:
        days = (licence.expires_on - today).days if licence.expires_on else None
        return Urgency("danger", days, "expiry", licence.expires_on)
    if licence.status in PENDING and (licence.committed_due_on or licence.statutory_due_on):
        if licence.committed_due_on:
            days = (licence.committed_due_on - today).days
            return Urgency("danger" if days < 0 else "info", days, "committed", licence.committed_due_on)
        days = (licence.statutory_due_on - today).days
        return Urgency("danger" if days < 0 else "info", days, "statutory", licence.statutory_due_on)
    if licence.status in TO_OBTAIN and licence.obtain_by and not licence.issued_on:
        days = (licence.obtain_by - today).days
        return Urgency(_tone(days, 7), days, "obtain", licence.obtain_by)
    if licence.status in HELD and licence.renew_by and licence.status != S.RENEWAL_APPLIED:
        days = (licence.renew_by - today).days
        return Urgency(_tone(days, 14), days, "renew", licence.renew_by)
    if licence.status in HELD and licence.expires_on:
        return Urgency("info", (licence.expires_on - today).days, "expiry", licence.expires_on)
    if licence.status == S.ISSUED:
        return Urgency("success", None, "")
    return Urgency("secondary", None, "")


def _tone(days: int, warn_within: int) -> str:
    if days < 0:
        return "danger"
    if days <= warn_within:
        return "warning"
    if days <= SOON_DAYS:
        return "info"
    return "success"


def risk_filters(today: date, prefix: str = "licences__") -> dict[str, Q]:
    """Conditions on a company's licences, for annotating any queryset that reaches them by ``prefix``."""

    def q(**lookups) -> Q:
        return Q(**{prefix + key: value for key, value in lookups.items()})

    first_time = q(issued_on__isnull=True)
    return {
        # Not obtained by its deadline, lapsed, or past the last day to apply for renewal.
        "overdue": (
            q(status__in=list(TO_OBTAIN), obtain_by__lt=today) & first_time
            | q(status=S.EXPIRED)
            | q(status__in=[S.ISSUED, S.RENEWAL_DUE], renew_by__lt=today)
        ),
        "renewal": q(status=S.RENEWAL_DUE),
        # An application past the committed or the statutory limit.
        "late": q(status__in=list(PENDING)) & (q(committed_due_on__lt=today) | q(statutory_due_on__lt=today)),
        "soon": q(status__in=list(TO_OBTAIN), obtain_by__lte=today + timedelta(days=SOON_DAYS)) & first_time,
    }


def with_lapse_risk(queryset: QuerySet, *, today: date | None = None, prefix: str = "licences__") -> QuerySet:
    """Annotate ``risk_overdue``, ``risk_renewal``, ``risk_late`` and ``risk_level`` (see :class:`Risk`)."""
    today = today or timezone.localdate()
    conditions = risk_filters(today, prefix)
    relation = prefix.removesuffix("__")
    counted = queryset.annotate(
        **{
            f"risk_{name}": Count(relation, filter=condition, distinct=True)
            for name, condition in conditions.items()
        }
    )
    return counted.annotate(
        risk_level=Case(
            When(risk_overdue__gt=0, then=Value(Risk.HIGH)),
            When(Q(risk_renewal__gt=0) | Q(risk_late__gt=0), then=Value(Risk.MEDIUM)),
            When(risk_soon__gt=0, then=Value(Risk.LOW)),
            default=Value(Risk.NONE),
            output_field=IntegerField(),
        )
    )


def lapse_risk(company, *, today: date | None = None) -> int:
    from companies.models import Company

    return with_lapse_risk(Company.objects.filter(pk=company.pk), today=today).values_list(
        "risk_level", flat=True
    )[0]


@dataclass
class Measures:
    matters: int  # applications accepted
    trips: int
    trips_per_matter: float | None
    zero_trip_share: float | None
    obtained_with_deadline: int
    obtained_before_deadline_share: float | None
    issued_after_acceptance: int
    average_working_days_to_issue: float | None
    within_committed_share: float | None


def licence_measures(licences: QuerySet) -> Measures:
    """The reform's measures over a set of licences (a company's, a butler's, the window's)."""
    today = timezone.localdate()
    rows = list(
        licences.filter(accepted_on__isnull=False)
        .annotate(trip_count=Count("trips"))
        .values("trip_count", "accepted_on", "issued_on", "obtain_by", "licence_type__committed_limit_days")
    )
    matters = len(rows)
    trips = sum(row["trip_count"] for row in rows)
    # Every licence with a deadline that has been met or has passed: issued in time, issued late, or not yet.
    with_deadline = list(
        licences.filter(obtain_by__isnull=False)
        .filter(Q(first_issued_on__isnull=False) | Q(obtain_by__lt=today))
        .values("first_issued_on", "obtain_by")
    )
    issued = [row for row in rows if row["issued_on"] and row["issued_on"] >= row["accepted_on"]]
    calendar = (
        workdays.Calendar.for_dates(
            min(r["accepted_on"] for r in issued), max(r["issued_on"] for r in issued)
        )
        if issued
        else None
    )
    durations = [calendar.count(row["accepted_on"], row["issued_on"]) for row in issued] if calendar else []
    committed = [
        (days, row["licence_type__committed_limit_days"])
        for days, row in zip(durations, issued, strict=True)
        if row["licence_type__committed_limit_days"]
    ]
    return Measures(
        matters=matters,
        trips=trips,
        trips_per_matter=trips / matters if matters else None,
        zero_trip_share=sum(1 for row in rows if row["trip_count"] == 0) / matters if matters else None,
        obtained_with_deadline=len(with_deadline),
        obtained_before_deadline_share=(
            sum(
                1
                for row in with_deadline
                if row["first_issued_on"] and row["first_issued_on"] <= row["obtain_by"]
            )
            / len(with_deadline)
            if with_deadline
            else None
        ),
        issued_after_acceptance=len(issued),
        average_working_days_to_issue=sum(durations) / len(durations) if durations else None,
        within_committed_share=(
            sum(1 for days, limit in committed if days <= limit) / len(committed) if committed else None
        ),
    )


def unconfirmed_years_of(items) -> list[int]:
    """Years without a confirmed holiday schedule that the pending due dates among these licences reach.

    ``items`` is a list of licences or of checklist groups.
    """
    licences = [licence for item in items for licence in getattr(item, "licences", [item])]
    spans = [
        (licence.accepted_on, licence.statutory_due_on or licence.committed_due_on)
        for licence in licences
        if licence.is_pending
        and licence.accepted_on
        and (licence.statutory_due_on or licence.committed_due_on)
    ]
    if not spans:
        return []
    return workdays.unconfirmed_years(min(start for start, _end in spans), max(end for _start, end in spans))
