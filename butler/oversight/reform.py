"""The reform's own figures (最多跑一次), as the seed article reports them, under the dashboard's filters:

- new companies registered in the district (``BUTLER_DISTRICT``) in the range, and the share a butler
  reached (they have a service period);
- the online share of the matters filed (applications filed online or by mobile);
- the on-the-spot share of the decisions (decided the day the application was accepted) and their median
  minutes from acceptance to decision;
- the committed-limit compression of the catalogue, per item and overall (1 − Σ committed ÷ Σ statutory);
- the material reduction of the whole catalogue since ``BUTLER_REFORM_BASELINE`` (materials obtained by
  data sharing counted apart, ``butler.feedback.improvements``);
- the consultations recorded (with or without a registered company, 12345 work orders among them) and the
  share of the important ones revisited, over those whose return visit is due.

Each source gives its rows and one named condition per figure, like the dashboard's own
(``butler.oversight.dashboard_scope``), so a figure and the list behind it always agree.
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import DurationField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from butler.contactlog.models import ContactRecord
from butler.feedback.improvements import Reduction, material_reduction
from butler.oversight.dashboard_scope import Scope, _counts, _Source
from butler.service.models import Butler, ServicePeriod
from companies.models import Application, Company, CompanyLicence, LicenceChannel, LicenceType


def ratio(part: int | float | None, whole: int | float | None) -> float | None:
    """``part / whole``, or None when there is nothing to divide by (shown as "—")."""
    if not whole or part is None:
        return None
    return part / whole


def _registered(scope: Scope) -> _Source:
    # Only the district's companies registered in the range are read (the registration-date index).
    reached = Exists(ServicePeriod.objects.filter(company_id=OuterRef("pk")))
    rows = (
        Company.objects.filter(district=settings.BUTLER_DISTRICT)
        .filter(scope.days("registered_on"), scope.of_business_type("pk"), scope.served_in_range())
        .annotate(reached=reached)
    )
    return _Source(rows, {"registered": Q(), "reached": Q(reached=True), "not_reached": Q(reached=False)})


def _applications(scope: Scope) -> _Source:
    rows = Application.objects.filter(
        scope.days("filed_on"), scope.of_business_type(), scope.served_some_time()
    )
    online = Q(channel__in=[LicenceChannel.ONLINE, LicenceChannel.MOBILE])
    return _Source(rows, {"applications": Q(), "online": online})


def _decisions(scope: Scope) -> _Source:
    rows = CompanyLicence.objects.filter(
        scope.of_business_type(),
        scope.served_some_time(),
        scope.days("decided_on"),
        accepted_at__isnull=False,
        decided_at__isnull=False,
    ).annotate(took=ExpressionWrapper(F("decided_at") - F("accepted_at"), output_field=DurationField()))
    return _Source(rows, {"decisions": Q(), "on_the_spot": Q(decided_on=F("accepted_on"))})


def _consultations(scope: Scope) -> _Source:
    rows = ContactRecord.objects.filter(scope.moments("occurred_at"))
    if scope.business_type_id:
        rows = rows.filter(scope.of_business_type())
    if scope.butler_id:
        rows = rows.filter(recorded_by__in=Butler.objects.filter(pk=scope.butler_id).values("user_id"))
    due = Q(important=True, return_visit_due__lte=scope.today)
    return _Source(
        rows,
        {
            "consultations": Q(),
            "without_company": Q(company__isnull=True),
            "hotline": Q(source=ContactRecord.Source.HOTLINE),
            "important_due": due,
            "revisited": due & Q(return_visit_done_at__isnull=False),
        },
    )


SOURCES = {
    "registered": _registered,
    "applications": _applications,
    "decisions": _decisions,
    "consultations": _consultations,
}


def reform_parts(scope: Scope) -> dict[str, tuple[QuerySet, dict]]:
    """The reform's counts, as parts of the dashboard's one aggregate query."""
    parts = {}
    for key, source_for in SOURCES.items():
        source = source_for(scope)
        parts[f"reform_{key}"] = (source.rows, _counts(source))
    return parts


@dataclass
class LimitRow:
    licence_type: LicenceType
    statutory: int
    committed: int

    @property
    def compression(self) -> float:
        return 1 - self.committed / self.statutory


@dataclass
class Reform:
    registered: int
    reached: int
    applications: int
    online: int
    decisions: int
    on_the_spot: int
    on_the_spot_minutes: float | None
    limits: list[LimitRow]
    materials: Reduction
    consultations: int
    without_company: int
    hotline: int
    important_due: int
    revisited: int

    @property
    def reached_share(self) -> float | None:
        return ratio(self.reached, self.registered)

    @property
    def online_share(self) -> float | None:
        return ratio(self.online, self.applications)

    @property
    def on_the_spot_share(self) -> float | None:
        return ratio(self.on_the_spot, self.decisions)

    @property
    def statutory_days(self) -> int:
        return sum(row.statutory for row in self.limits)

    @property
    def committed_days(self) -> int:
        return sum(row.committed for row in self.limits)

    @property
    def compression(self) -> float | None:
        """1 − Σ committed ÷ Σ statutory working days over the items that have both limits."""
        return None if not self.statutory_days else 1 - self.committed_days / self.statutory_days

    @property
    def revisited_share(self) -> float | None:
        return ratio(self.revisited, self.important_due)


def limit_rows() -> list[LimitRow]:
    """The catalogue's items with a statutory and a committed limit, most compressed first."""
    types = LicenceType.objects.filter(statutory_limit_days__gt=0, committed_limit_days__isnull=False)
    rows = [LimitRow(t, t.statutory_limit_days, t.committed_limit_days) for t in types]
    return sorted(rows, key=lambda row: (-row.compression, row.licence_type.position, row.licence_type.pk))


def reform_figures(scope: Scope, counted: dict[str, dict], *, until: date | None = None) -> Reform:
    """The reform's figures from the dashboard's aggregate row (``counted``), with the median, the
    catalogue's limits and its materials read in a fixed number of queries more. ``until``: the day the
    catalogue is read at (the range's end, for a past year's report)."""
    registered, applications = counted["reform_registered"], counted["reform_applications"]
    decisions, consultations = counted["reform_decisions"], counted["reform_consultations"]
    return Reform(
        registered=registered["registered"],
        reached=registered["reached"],
        applications=applications["applications"],
        online=applications["online"],
        decisions=decisions["decisions"],
        on_the_spot=decisions["on_the_spot"],
        on_the_spot_minutes=_median_minutes(scope, decisions["on_the_spot"]),
        limits=limit_rows(),
        materials=material_reduction(since=settings.BUTLER_REFORM_BASELINE, until=until),
        consultations=consultations["consultations"],
        without_company=consultations["without_company"],
        hotline=consultations["hotline"],
        important_due=consultations["important_due"],
        revisited=consultations["revisited"],
    )


def _median_minutes(scope: Scope, count: int) -> float | None:
    """The middle time from acceptance to decision of the on-the-spot decisions (OFFSET, one query)."""
    if not count:
        return None
    source = _decisions(scope)
    middle, take = (count - 1) // 2, 2 if count % 2 == 0 else 1
    took = list(
        source.rows.filter(source.conditions["on_the_spot"])
        .order_by("took", "pk")
        .values_list("took", flat=True)[middle : middle + take]
    )
    return sum(value.total_seconds() for value in took) / len(took) / 60


TITLES = {
    "registered": _("Companies newly registered in the district"),
    "reached": _("New companies reached by a butler"),
    "not_reached": _("New companies not reached by a butler"),
    "applications": _("Matters filed"),
    "online": _("Matters filed online or by mobile"),
    "decisions": _("Decisions"),
    "on_the_spot": _("Decisions made on the spot"),
    "consultations": _("Consultations recorded"),
    "without_company": _("Consultations without a registered company"),
    "hotline": _("12345 hotline work orders"),
    "important_due": _("Important consultations due for a return visit"),
    "revisited": _("Important consultations revisited"),
}
