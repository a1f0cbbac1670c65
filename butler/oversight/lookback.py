"""The look-back report (回头看): over a window of days, what the service promised, what it did, and what is
still open. A fixed number of queries whatever the window holds.

What was promised, by its due date in the window:
- return visits due (the contact log);
- licence deadlines: to obtain by (first issue) and to apply for renewal by;
- audit-case deadlines: each step's deadline (from the case's history, so a step taken since still counts as
  promised) and the rectification deadline of a case that is valid or not yet classified;
- improvement actions due (not those dropped).

A promise is kept when it was done, whenever that was (late is shown as late); it is open otherwise, and
overdue once its day has passed. A licence no longer needed (not required, withdrawn, cancelled) drops out.

What was done, by its date in the window: return visits made, licences obtained (first issued) and renewed
(issued again), renewals applied for, cases rectified and closed, improvement actions done.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from butler.contactlog.models import ContactRecord
from butler.feedback.models import AuditCase, ImprovementAction
from butler.service.models import ServicePeriod
from companies.lifecycle import TO_OBTAIN
from companies.models import Company, CompanyLicence, LicenceStatus
from companies.workdays import local_midnight

S = LicenceStatus
Step = AuditCase.Step

# What can be promised, and what can be done, in the order the report lists them.
PROMISES = {
    "return_visit": _("Return visits due"),
    "obtain": _("Licences to obtain"),
    "renew": _("Renewals to apply for"),
    "case_step": _("Audit case steps"),
    "rectify": _("Rectifications"),
    "improvement": _("Improvement actions"),
}
DEEDS = {
    "return_visit_made": _("Return visits made"),
    "obtained": _("Licences obtained"),
    "renewed": _("Licences renewed"),
    "renewal_applied": _("Renewals applied for"),
    "rectified": _("Cases rectified"),
    "closed": _("Cases closed"),
    "improvement_done": _("Improvement actions done"),
}
# When each audit step was taken.
STEP_DONE_AT = {
    Step.VERIFY: "verified_at",
    Step.CLASSIFY: "classified_at",
    Step.RECTIFY: "rectified_at",
    Step.RETURN_VISIT: "return_visit_at",
    Step.CLOSE: "closed_at",
}


@dataclass
class Item:
    """One line of the report: a promise (with its due date) or a deed (with the day it was done)."""

    kind: str
    what: str
    company: Company | None = None
    who: str = ""
    due: date | None = None
    done_on: date | None = None
    today: date = field(default_factory=timezone.localdate)

    @property
    def label(self) -> str:
        return str(PROMISES.get(self.kind) or DEEDS.get(self.kind, self.kind))

    @property
    def is_done(self) -> bool:
        return self.done_on is not None

    @property
    def late(self) -> bool:
        return bool(self.done_on and self.due and self.done_on > self.due)

    @property
    def days_overdue(self) -> int:
        if self.is_done or self.due is None:
            return 0
        return max((self.today - self.due).days, 0)


@dataclass
class Section:
    items: list[Item]
    labels: dict

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def counts(self) -> list[tuple[str, int]]:
        """(label, number) for each kind, in the report's order, zeros included."""
        return [(label, sum(1 for i in self.items if i.kind == kind)) for kind, label in self.labels.items()]

    @property
    def overdue(self) -> int:
        return sum(1 for item in self.items if item.days_overdue)


@dataclass
class LookBack:
    since: date
    until: date
    today: date
    promised: Section
    done: Section
    open: Section

    @property
    def kept(self) -> int:
        return sum(1 for item in self.promised.items if item.is_done)

    @property
    def kept_late(self) -> int:
        return sum(1 for item in self.promised.items if item.late)


def _local_day(moment: datetime | None) -> date | None:
    return timezone.localtime(moment).date() if moment else None


def _person(user) -> str:
    if user is None:
        return ""
    butler = getattr(user, "butler", None)
    return butler.display_name if butler else (user.get_full_name() or user.username)


def lookback(*, since: date, until: date, today: date | None = None) -> LookBack:
    """The report for the days ``since`` … ``until`` (both included), as things stand ``today``."""
    today = today or timezone.localdate()
    start, end = local_midnight(since), local_midnight(until + timedelta(days=1))
    promised: list[Item] = []
    done: list[Item] = []

    def inside(day: date | None) -> bool:
        return day is not None and since <= day <= until

    # Return visits: promised when due, done when made.
    records = ContactRecord.objects.filter(
        Q(return_visit_due__range=(since, until))
        | Q(return_visit_done_at__gte=start, return_visit_done_at__lt=end)
    ).select_related("company", "recorded_by__butler")
    for record in records.order_by("return_visit_due", "pk"):
        made = _local_day(record.return_visit_done_at)
        line = {
            "what": record.summary,
            "company": record.company,
            "who": _person(record.recorded_by),
            "due": record.return_visit_due,
            "done_on": made,
            "today": today,
        }
        if inside(record.return_visit_due):
            promised.append(Item("return_visit", **line))
        if inside(made):
            done.append(Item("return_visit_made", **line))

    _licences(since=since, until=until, today=today, promised=promised, done=done)
    _cases(since=since, until=until, start=start, end=end, today=today, promised=promised, done=done)

    # Improvement actions: promised when due (unless dropped), done when done.
    actions = ImprovementAction.objects.filter(
        Q(due_on__range=(since, until)) | Q(done_on__range=(since, until))
    ).select_related("owner__butler")
    for action in actions.order_by("due_on", "pk"):
        line = {
            "what": action.title,
            "who": _person(action.owner),
            "due": action.due_on,
            "done_on": action.done_on,
            "today": today,
        }
        if inside(action.due_on) and action.status != ImprovementAction.Status.DROPPED:
            promised.append(Item("improvement", **line))
        if inside(action.done_on):
            done.append(Item("improvement_done", **line))

    promised.sort(key=lambda i: (i.due, list(PROMISES).index(i.kind)))
    done.sort(key=lambda i: (i.done_on, list(DEEDS).index(i.kind)))
    still_open = sorted(
        (item for item in promised if not item.is_done),
        key=lambda i: (-i.days_overdue, i.due, list(PROMISES).index(i.kind)),
    )
    return LookBack(
        since=since,
        until=until,
        today=today,
        promised=Section(promised, PROMISES),
        done=Section(done, DEEDS),
        open=Section(still_open, PROMISES),
    )


def _licences(*, since: date, until: date, today: date, promised: list, done: list) -> None:
    """Deadlines to obtain and to renew, and what was obtained, renewed or applied for. A renewal deadline
    moves on once the licence is renewed: the licence's history keeps the ones that were due in the window."""
    History = CompanyLicence.history.model
    past_renewals = History.objects.filter(renew_by__range=(since, until))
    renewals: dict[int, set[date]] = {}
    for pk, day in past_renewals.values_list("id", "renew_by").order_by().distinct():
        renewals.setdefault(pk, set()).add(day)
    butler = ServicePeriod.objects.active().filter(company=OuterRef("company")).values("butler__display_name")
    licences = (
        CompanyLicence.objects.filter(
            Q(obtain_by__range=(since, until))
            | Q(renew_by__range=(since, until))
            | Q(first_issued_on__range=(since, until))
            | Q(issued_on__range=(since, until))
            | Q(status=S.RENEWAL_APPLIED, accepted_on__range=(since, until))
            | Q(pk__in=past_renewals.values("id"))
        )
        .select_related("company", "licence_type", "vehicle", "person", "vessel")
        .annotate(butler_name=Subquery(butler[:1]))
        .order_by("pk")
    )

    def inside(day: date | None) -> bool:
        return day is not None and since <= day <= until

    for licence in licences:
        line = {
            "what": str(licence),
            "company": licence.company,
            "who": licence.butler_name or "",
            "today": today,
        }
        if inside(licence.obtain_by) and (licence.first_issued_on or licence.status in TO_OBTAIN):
            promised.append(Item("obtain", due=licence.obtain_by, done_on=licence.first_issued_on, **line))
        for day in sorted(
            renewals.get(licence.pk, set()) | ({licence.renew_by} if inside(licence.renew_by) else set())
        ):
            kept = _renewal_kept(licence, day)
            if kept is not False:
                promised.append(Item("renew", due=day, done_on=kept, **line))
        if inside(licence.first_issued_on):
            done.append(Item("obtained", due=licence.obtain_by, done_on=licence.first_issued_on, **line))
        if inside(licence.issued_on) and licence.issued_on != licence.first_issued_on:
            done.append(Item("renewed", done_on=licence.issued_on, **line))
        if licence.status == S.RENEWAL_APPLIED and inside(licence.accepted_on):
            done.append(Item("renewal_applied", due=licence.renew_by, done_on=licence.accepted_on, **line))


def _renewal_kept(licence: CompanyLicence, renew_by: date) -> date | None | bool:
    """The day the renewal due ``renew_by`` was applied for; None while it is open; False when the licence
    no longer needs it (cancelled, withdrawn, not required)."""
    renewing = licence.status == S.RENEWAL_APPLIED or (
        licence.status == S.MATERIALS_MISSING and licence.issued_on is not None
    )
    if renewing:
        return licence.accepted_on or renew_by
    if licence.issued_on and licence.renew_by and licence.renew_by > renew_by:
        return licence.accepted_on or licence.issued_on  # renewed since: the application's day
    if licence.status in (S.ISSUED, S.RENEWAL_DUE, S.EXPIRED):
        return None
    return False


def _cases(
    *, since: date, until: date, start: datetime, end: datetime, today: date, promised: list, done: list
) -> None:
    """Each step's deadline in the window (the latest set for that step, from the case's history), the
    rectification deadline, and the cases rectified or closed in the window."""
    History = AuditCase.history.model
    due_in_window = History.objects.filter(step_due__range=(since, until)).values("id")
    deadlines: dict[tuple[int, str], date] = {}
    for pk, step, due in (
        History.objects.filter(id__in=due_in_window, step_due__isnull=False)
        .order_by("history_date", "history_id")
        .values_list("id", "step", "step_due")
    ):
        deadlines[(pk, step)] = due  # the latest deadline set for the step wins
    cases = AuditCase.objects.filter(
        Q(pk__in=due_in_window)
        | Q(step_due__range=(since, until))
        | Q(rectify_due__range=(since, until))
        | Q(rectified_at__gte=start, rectified_at__lt=end)
        | Q(closed_at__gte=start, closed_at__lt=end)
    ).select_related("company", "handler__butler", "concerns")

    def inside(day: date | None) -> bool:
        return day is not None and since <= day <= until

    for case in cases.order_by("pk"):
        if case.step_due is not None:
            deadlines[(case.pk, case.step)] = case.step_due
        line = {"company": case.company, "who": _person(case.handler), "today": today}
        for step in STEP_DONE_AT:
            due = case.rectify_due if step == Step.RECTIFY else deadlines.get((case.pk, step))
            if step == Step.RECTIFY and case.finding not in ("", AuditCase.Finding.VALID):
                continue  # nothing to rectify
            if inside(due):
                kind = "rectify" if step == Step.RECTIFY else "case_step"
                promised.append(
                    Item(
                        kind,
                        what=f"{case.number} · {Step(step).label}",
                        due=due,
                        done_on=_local_day(getattr(case, STEP_DONE_AT[step])),
                        **line,
                    )
                )
        rectified, closed = _local_day(case.rectified_at), _local_day(case.closed_at)
        if inside(rectified):
            done.append(Item("rectified", what=case.number, due=case.rectify_due, done_on=rectified, **line))
        if inside(closed):
            done.append(Item("closed", what=case.number, done_on=closed, **line))
