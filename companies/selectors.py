"""Reads of the licence domain: checklists, lapse risk and the reform's measures, in fixed query counts."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import (
    Aggregate,
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone

from companies import workdays
from companies.lifecycle import CLOCK_RUNNING, COMPANYS_MOVE, HELD, TO_OBTAIN
from companies.models import (
    BusinessType,
    Company,
    CompanyLicence,
    LicenceMaterial,
    LicenceScope,
    LicenceStatus,
    Obligation,
    Trip,
)

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
    if licence.status == S.EXPIRED and licence.cancel_on:
        return Urgency("danger", (licence.cancel_on - today).days, "cancel", licence.cancel_on)
    if licence.status == S.EXPIRED:
        days = (licence.expires_on - today).days if licence.expires_on else None
        return Urgency("danger", days, "expiry", licence.expires_on)
    if licence.status in COMPANYS_MOVE and licence.supply_by:
        # The company's move: the window's clocks are not running (or were never started).
        days = (licence.supply_by - today).days
        return Urgency(_tone(days, 3), days, "supply", licence.supply_by)
    if licence.status in CLOCK_RUNNING and (licence.committed_due_on or licence.statutory_due_on):
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
        # An accepted application past the committed or the statutory limit while the clocks run (never
        # while the company supplies materials).
        "late": q(status__in=list(CLOCK_RUNNING))
        & (q(committed_due_on__lt=today) | q(statutory_due_on__lt=today)),
        "soon": q(status__in=list(TO_OBTAIN), obtain_by__lte=today + timedelta(days=SOON_DAYS)) & first_time,
    }


# Which counts of at-risk licences make which level, highest first: read by the SQL and the Python below.
# "fleet": a vehicle's or a person's periodic obligation overdue (an inspection, a policy).
RISK_RULES = (
    (Risk.HIGH, ("overdue", "fleet")),
    (Risk.MEDIUM, ("renewal", "late")),
    (Risk.LOW, ("soon",)),
)
RISK_NAMES = ("overdue", "renewal", "late", "soon", "fleet")


def fleet_overdue(today: date, prefix: str = "licences__") -> Coalesce:
    """How many periodic obligations of the row's company are overdue (a subquery, indexed by company and
    due date), for rows that reach the company's licences by ``prefix``."""
    company = prefix.removesuffix("licences__") + "pk"
    overdue = (
        Obligation.objects.filter(company=OuterRef(company), ended_on__isnull=True, due_on__lt=today)
        .order_by()
        .values("company")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(overdue, output_field=IntegerField()), 0)


def risk_level_of(counts: dict[str, int]) -> int:
    """The :class:`Risk` level of counts of licences meeting each of :func:`risk_filters`' conditions."""
    return next((level for level, names in RISK_RULES if any(counts[name] for name in names)), Risk.NONE)


def with_lapse_risk(queryset: QuerySet, *, today: date | None = None, prefix: str = "licences__") -> QuerySet:
    """Annotate ``risk_overdue``, ``risk_renewal``, ``risk_late`` and ``risk_level`` (see :class:`Risk`)."""
    today = today or timezone.localdate()
    conditions = risk_filters(today, prefix)
    relation = prefix.removesuffix("__")
    counted = queryset.annotate(
        **{
            f"risk_{name}": Count(relation, filter=condition, distinct=True)
            for name, condition in conditions.items()
        },
        risk_fleet=fleet_overdue(today, prefix),
    )
    whens = []
    for level, names in RISK_RULES:
        condition = Q()
        for name in names:
            condition |= Q(**{f"risk_{name}__gt": 0})
        whens.append(When(condition, then=Value(level)))
    return counted.annotate(risk_level=Case(*whens, default=Value(Risk.NONE), output_field=IntegerField()))


def lapse_risk(company, *, today: date | None = None) -> int:
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
    # None when asked for without the working days (:func:`licence_figures`).
    issued_after_acceptance: int | None
    average_working_days_to_issue: float | None
    within_committed_share: float | None
    # Counted apart: applications refused (不予许可), matters the butler filed for the company (帮办代办).
    refused: int = 0
    by_proxy: int = 0


def _measure_counts(today: date, prefix: str = "") -> dict[str, Count]:
    """The reform's counts over a set of licences (reached by ``prefix``), as aggregates of one query: the
    licences joined to their trips."""

    def q(**lookups) -> Q:
        return Q(**{prefix + key: value for key, value in lookups.items()})

    licence = prefix.removesuffix("__") or "pk"
    accepted = q(accepted_on__isnull=False, application__isnull=False)
    # A matter (一件事) is an application, whatever the number of certificates filed in it.
    matter = f"{prefix}application"
    # Every licence with a deadline that has been met or has passed: issued in time, issued late, or not yet.
    with_deadline = q(obtain_by__isnull=False) & (q(first_issued_on__isnull=False) | q(obtain_by__lt=today))
    return {
        "matters": Count(matter, filter=accepted, distinct=True),
        "trips_made": Count(f"{matter}__trips", filter=accepted, distinct=True),
        "zero_trip": Count(matter, filter=accepted & q(application__trips__isnull=True), distinct=True),
        "refused": Count(licence, filter=q(status=LicenceStatus.REFUSED), distinct=True),
        "by_proxy": Count(matter, filter=accepted & q(application__by_proxy=True), distinct=True),
        "with_deadline": Count(licence, filter=with_deadline, distinct=True),
        "before_deadline": Count(
            licence, filter=with_deadline & q(first_issued_on__lte=F(f"{prefix}obtain_by")), distinct=True
        ),
    }


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _measures(counts: dict, issued: list[dict] | None) -> Measures:
    matters = counts["matters"]
    durations, committed = [], []
    if issued:
        calendar = workdays.Calendar.for_dates(
            min(r["accepted_on"] for r in issued), max(r["issued_on"] for r in issued)
        )
        durations = [
            calendar.count(row["accepted_on"], row["decided_on"] or row["issued_on"]) - row["paused_days"]
            for row in issued
        ]
        committed = [
            (days, row["licence_type__committed_limit_days"])
            for days, row in zip(durations, issued, strict=True)
            if row["licence_type__committed_limit_days"]
        ]
    return Measures(
        matters=matters,
        trips=counts["trips_made"],
        trips_per_matter=_share(counts["trips_made"], matters),
        zero_trip_share=_share(counts["zero_trip"], matters),
        obtained_with_deadline=counts["with_deadline"],
        obtained_before_deadline_share=_share(counts["before_deadline"], counts["with_deadline"]),
        issued_after_acceptance=None if issued is None else len(issued),
        average_working_days_to_issue=sum(durations) / len(durations) if durations else None,
        within_committed_share=_share(sum(1 for days, limit in committed if days <= limit), len(committed)),
        refused=counts["refused"],
        by_proxy=counts["by_proxy"],
    )


def licence_measures(licences: QuerySet) -> Measures:
    """The reform's measures over a set of licences (a company's, a butler's, the window's): two queries."""
    counts = licences.aggregate(**_measure_counts(timezone.localdate()))
    issued = list(
        licences.filter(accepted_on__isnull=False, issued_on__gte=F("accepted_on")).values(
            "accepted_on", "issued_on", "decided_on", "paused_days", "licence_type__committed_limit_days"
        )
    )
    return _measures(counts, issued)


def with_licence_figures(
    queryset: QuerySet, *, today: date | None = None, prefix: str = "licences__"
) -> QuerySet:
    """Annotate what :func:`licence_figures` reads: the reform's counts and the lapse risk's counts over the
    licences each row reaches by ``prefix`` — the company page's figures in the query of its company."""
    today = today or timezone.localdate()
    licence = prefix.removesuffix("__")
    risk = {
        f"risk_{name}": Count(licence, filter=condition, distinct=True)
        for name, condition in risk_filters(today, prefix).items()
    }
    risk["risk_fleet"] = fleet_overdue(today, prefix)
    return queryset.annotate(
        **{f"figure_{name}": count for name, count in _measure_counts(today, prefix).items()}, **risk
    )


def licence_figures(row) -> tuple[Measures, int]:
    """The reform's counts (not the working days from acceptance to issue) and the lapse risk (a
    :class:`Risk` level) of a row annotated by :func:`with_licence_figures`."""
    counts = {name: getattr(row, f"figure_{name}") for name in _measure_counts(date.min)}
    level = risk_level_of({name: getattr(row, f"risk_{name}") for name in RISK_NAMES})
    return _measures(counts, None), level


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


# --- business types read with the row that holds them ------------------------------------------------------
# A company's types (or a history record's) come as one text column of the company's (the record's) own
# query rather than in a query of their own: each type as its fields joined by a unit separator, the types
# joined by a record separator — characters no name contains.
_UNIT, _RECORD = "\x1f", "\x1e"
_TYPE_FIELDS = ("id", "code", "position", "name_zh", "name_en")


class _JoinedText(Aggregate):
    """The texts of a group joined by ``_RECORD``, in no particular order (GROUP_CONCAT on SQLite,
    STRING_AGG on PostgreSQL)."""

    function = "GROUP_CONCAT"
    output_field = TextField()

    def __init__(self, expression, **extra):
        super().__init__(expression, Value(_RECORD), **extra)

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="STRING_AGG", **extra_context)


def business_types_text(links: QuerySet, *, owner: str) -> Subquery:
    """An annotation: the business types of each row, read from ``links`` (rows of a company–type relation,
    the company's own or a history record's) whose ``owner`` field points at that row. Read it back with
    :func:`business_types_from_text`."""
    parts = []
    for name in _TYPE_FIELDS:
        value = F(f"businesstype__{name}")
        parts += [Cast(value, CharField()) if name in ("id", "position") else value, Value(_UNIT)]
    element = Concat(*parts[:-1], output_field=TextField())
    grouped = links.filter(**{owner: OuterRef("pk")}).order_by().values(owner)
    return Subquery(grouped.annotate(text=_JoinedText(element)).values("text"), output_field=TextField())


def business_types_from_text(text: str | None) -> list[BusinessType]:
    """The business types of :func:`business_types_text`, in the catalogue's order."""
    types = []
    for item in (text or "").split(_RECORD):
        if item:
            pk, code, position, name_zh, name_en = item.split(_UNIT)
            types.append(
                BusinessType(pk=int(pk), code=code, position=int(position), name_zh=name_zh, name_en=name_en)
            )
    return sorted(types, key=lambda t: (t.position, t.code))


def trips_of(licence: CompanyLicence) -> QuerySet:
    """The visits of this licence's matter (the whole application's), newest first."""
    trips = Trip.objects.select_related("recorded_by")
    if licence.application_id:
        return trips.filter(Q(application_id=licence.application_id) | Q(licence=licence))
    return trips.filter(licence=licence)


def commitment_to_verify(licence: CompanyLicence) -> bool:
    """A commitment-based approval (告知承诺制) whose later check is still to be made."""
    return bool(licence.commitment) and licence.verified_on is None and licence.status in HELD


@dataclass(frozen=True)
class MissingMaterial:
    material: LicenceMaterial
    reason: str

    @property
    def name(self) -> str:
        return self.material.name


def missing_of(licence: CompanyLicence) -> list[MissingMaterial]:
    """What the company is asked for, in the catalogue's order, each with why."""
    reasons = licence.missing_reasons or {}
    return [
        MissingMaterial(material, reasons.get(str(material.pk), ""))
        for material in licence.missing_materials.order_by("position")
    ]


@dataclass(frozen=True)
class NoticeLimit:
    """The one complete notice's limit: due within N working days of the day the materials were handed in."""

    due_on: date | None
    given_on: date | None
    working_days: int

    @property
    def late(self) -> bool:
        return bool(self.due_on and self.given_on and self.given_on > self.due_on)


def notice_limit(licence: CompanyLicence) -> NoticeLimit | None:
    if licence.status != S.MATERIALS_MISSING or not licence.submitted_on:
        return None
    days = settings.BUTLER_NOTICE_WORKING_DAYS
    due = workdays.add_working_days(licence.submitted_on, days)
    return NoticeLimit(due_on=due, given_on=licence.missing_noted_on, working_days=days)


def notice_context(licence: CompanyLicence, missing: list[MissingMaterial]) -> dict:
    """Everything the printed notice says: who asks whom for what, why, by when, and who gave it."""
    accepted = licence.status in (S.SUPPLEMENTING, S.DEFERRED)
    return {
        "licence": licence,
        "missing": missing,
        "accepted": accepted,
        "deferred": licence.status == S.DEFERRED,
        "limit": notice_limit(licence),
        "given_by": _name_of(licence.notice_given_by),
    }


def _name_of(user) -> str:
    """A member of staff as the company knows them: the butler's name, else the account's."""
    if user is None:
        return ""
    butler = getattr(user, "butler", None)
    return getattr(butler, "display_name", "") or user.get_full_name() or user.get_username()
