"""Reads for the audit pages (``butler/feedback/audit_views.py``): what the views show, computed here so
they stay
request handling only.

- the case list: the cases a user may see narrowed by the filter form, the counts per "show" tab, and how
  urgent each step's deadline is (``case_filter``, ``show_conditions``, ``case_counts``, ``cases_shown``,
  ``case_rows``, ``due_horizon``, ``deadline``);
- one case: its history, the timeline of the steps taken (who, when, against which deadline), the field by
  field history, who takes the step the user may not, and what was rated (``case_records``, ``case_timeline``,
  ``case_history``, ``who_takes_step``, ``what_was_rated``, ``rating_dimensions``, ``case_improvements``);
- ratings: the filtered list and its five-level distribution (``rating_filter``, ``rating_distribution``,
  ``ratings_by_stars``, ``satisfaction_rates``);
- improvement actions: the list, the cases offered to link and those linked, the history
  (``improvements_shown``, ``is_overdue``, ``offered_cases``, ``chosen_cases``, ``linked_case_ids``,
  ``linked_cases``, ``improvement_history``);
- material reduction: the default look-back and the actions per licence type (``a_year_before``,
  ``actions_by_licence_type``).

Scoping by user stays in ``butler.feedback.selectors``; everything here starts from those querysets.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from butler.feedback.filters import CaseFilter, RatingFilter
from butler.feedback.models import BAD_STARS, AuditCase, ImprovementAction, Rating, Stars
from butler.feedback.selectors import cases_visible_to, improvements_visible_to, ratings_visible_to
from butler.service.access import can_serve
from butler.service.history import history_entries
from butler.service.models import Butler
from companies.models import LicenceType
from companies.workdays import Calendar, local_midnight

OFFERED_OPEN_CASES = 30  # open cases offered to link to an improvement, besides those chosen
OPEN_ACTIONS = (ImprovementAction.Status.PLANNED, ImprovementAction.Status.IN_PROGRESS)
Step = AuditCase.Step


def _in_range(queryset, field: str, since: date | None, until: date | None):
    if since:
        queryset = queryset.filter(**{f"{field}__gte": local_midnight(since)})
    if until:
        queryset = queryset.filter(**{f"{field}__lt": local_midnight(until + timedelta(days=1))})
    return queryset


def _name(user) -> str:
    if user is None:
        return ""
    butler = getattr(user, "butler", None)
    return (butler.display_name if butler else "") or user.get_full_name() or user.username


# --- urgency of a deadline ------------------------------------------------------------------------------


@dataclass
class Due:
    on: date | None
    tone: str  # danger (overdue), warning (today / next working day), "" otherwise
    overdue_days: int = 0
    today: bool = False
    tomorrow: bool = False


def due_horizon(today: date) -> tuple[date, date]:
    """The next working day (due then: amber) and the second (due by then: at risk)."""
    calendar = Calendar(today.year)
    return calendar.add(today, 1), calendar.add(today, 2)


def deadline(on: date | None, today: date, horizon: tuple[date, date]) -> Due:
    """A step's deadline as the lists colour it: overdue (red), due by the second working day (amber: at
    risk), later. ``horizon``: :func:`due_horizon` of today."""
    next_day, at_risk = horizon
    if on is None:
        return Due(on, "")
    if on < today:
        return Due(on, "danger", overdue_days=(today - on).days)
    if on <= at_risk:
        return Due(on, "warning", today=on == today, tomorrow=on == next_day)
    return Due(on, "")


# --- the list of cases ----------------------------------------------------------------------------------


def case_filter(user, data=None) -> CaseFilter:
    """The cases the user may see, narrowed as asked (``request.GET``): kind, butler concerned, the days
    they were opened; its form shows the fields with what was typed and any error."""
    return CaseFilter(data or None, queryset=cases_visible_to(user))


def show_conditions(today: date, at_risk: date) -> dict:
    """open / at risk (the step is due today or within two working days; as on the dashboard) / overdue /
    closed / all."""
    is_open = ~Q(step=Step.CLOSED)
    return {
        CaseFilter.OPEN: is_open,
        CaseFilter.AT_RISK: is_open & Q(step_due__gte=today, step_due__lte=at_risk),
        CaseFilter.OVERDUE: is_open & Q(step_due__lt=today),
        CaseFilter.CLOSED: Q(step=Step.CLOSED),
        CaseFilter.ALL: Q(),
    }


def case_counts(cases: QuerySet, conditions: dict) -> dict:
    """How many of the cases each "show" tab holds, in one query."""
    return cases.aggregate(
        **{
            key: Count("pk", filter=condition) if condition else Count("pk")
            for key, condition in conditions.items()
        }
    )


def cases_shown(cases: QuerySet, condition: Q) -> QuerySet:
    return cases.filter(condition).select_related(
        "company", "concerns", "rating", "suggestion", "handler__butler"
    )


def case_rows(cases, today: date, horizon: tuple[date, date]) -> list[tuple[AuditCase, Due]]:
    """Each case with the urgency of its current step (none once closed)."""
    return [(case, deadline(None if case.is_closed else case.step_due, today, horizon)) for case in cases]


# --- one case -------------------------------------------------------------------------------------------


@dataclass
class TimelineStep:
    step: str
    title: str
    who: str
    when: datetime | None
    due: date | None
    details: list  # (label, text)

    @property
    def met(self) -> bool | None:
        if self.due is None or self.when is None:
            return None
        return timezone.localtime(self.when).date() <= self.due


def case_records(case: AuditCase) -> list:
    """The case's history rows, oldest first, with who made each."""
    return list(case.history.select_related("history_user__butler").order_by("history_date", "history_id"))


def _steps_taken(records: list) -> tuple[dict, dict]:
    """From the case's history: each step's deadline (set when the case reached it) and who took it."""
    due, taken_by = {}, {}
    previous = None
    for record in records:
        if previous is None or record.step != previous.step:
            due[record.step] = record.step_due
            if previous is not None:
                taken_by[previous.step] = record.history_user
        previous = record
    return due, taken_by


def case_timeline(case: AuditCase, records: list) -> list[TimelineStep]:
    due, taken_by = _steps_taken(records)
    Finding = AuditCase.Finding

    def who(step, fallback=None) -> str:
        return _name(taken_by.get(step) or fallback)

    steps = []
    if case.verified_at:
        steps.append(
            TimelineStep(
                Step.VERIFY,
                _("Called the company back"),
                who(Step.VERIFY, case.handler),
                case.verified_at,
                due.get(Step.VERIFY),
                [(_("What the company said"), case.verification_note)],
            )
        )
    if case.classified_at:
        details = [(_("Finding"), Finding(case.finding).label)]
        if case.finding_reason:
            details.append((_("Reason"), case.finding_reason))
        steps.append(
            TimelineStep(
                Step.CLASSIFY,
                _("Classified"),
                who(Step.CLASSIFY, case.classified_by),
                case.classified_at,
                due.get(Step.CLASSIFY),
                details,
            )
        )
    dispute = getattr(case, "dispute", None)
    if dispute is not None and dispute.decided_at:
        verdict = _("Upheld: out of the figures") if dispute.upheld else _("Not upheld: to be rectified")
        steps.append(
            TimelineStep(
                Step.REVIEW,
                _("Dispute decided by the reviewer"),
                _name(dispute.decided_by),
                dispute.decided_at,
                due.get(Step.REVIEW),
                [(_("Decision"), verdict), (_("Reasons"), dispute.decision_reasons)],
            )
        )
    if case.rectified_at:
        steps.append(
            TimelineStep(
                Step.RECTIFY,
                _("Rectified"),
                who(Step.RECTIFY, case.rectified_by),
                case.rectified_at,
                due.get(Step.RECTIFY, case.rectify_due),
                [(_("What was put right"), case.rectification)],
            )
        )
    if case.return_visit_at:
        details = [(_("What the rater was told"), case.return_visit_note)]
        steps.append(
            TimelineStep(
                Step.RETURN_VISIT,
                _("Reported back to the rater"),
                who(Step.RETURN_VISIT),
                case.return_visit_at,
                due.get(Step.RETURN_VISIT),
                details,
            )
        )
    if case.closed_at:
        steps.append(
            TimelineStep(
                Step.CLOSE,
                _("Closed"),
                who(Step.CLOSE, case.closed_by),
                case.closed_at,
                due.get(Step.CLOSE),
                [(_("Closing note"), case.closing_note)] if case.closing_note else [],
            )
        )
    return steps


def case_history(case: AuditCase, records: list) -> list:
    """Who changed what, when — newest first. The moments of the steps are in the timeline above."""
    names = {}
    for user in (case.handler, case.classified_by, case.rectified_by, case.closed_by):
        if user is not None:
            names[(get_user_model(), user.pk)] = _name(user)
    for record in records:
        if record.history_user is not None:
            names[(get_user_model(), record.history_user_id)] = _name(record.history_user)
    if case.concerns is not None:
        names[(Butler, case.concerns_id)] = case.concerns.display_name
    skip = {
        "rating",
        "suggestion",
        "company",
        "opened_at",
        "verified_at",
        "classified_at",
        "rectified_at",
        "return_visit_at",
        "closed_at",
        "verification_call",
        "return_visit_call",
    }
    entries = history_entries(
        records, lambda record: _("Case %(number)s") % {"number": case.number}, skip, names
    )
    return list(reversed(entries))


def who_takes_step(user, case: AuditCase) -> str:
    """Why this user sees no form: who takes the step the case is at."""
    if case.is_closed:
        return _("The case is closed.")
    if case.step == Step.CLASSIFY:
        return _("A manager classifies the case.")
    if case.step == Step.CLOSE:
        return _("A manager closes the case.")
    if case.step == Step.REVIEW:
        return _("Disputed: the reviewer outside the window decides; the figures wait for the decision.")
    if case.concerns is not None and case.concerns.user_id == user.pk:
        return _(
            "A butler does not handle a case about themselves: the manager or a colleague takes this step."
        )
    if not can_serve(user, case.company):
        return _("The company's butler in service or a manager takes this step.")
    return _("You may not take this step.")


def what_was_rated(rating: Rating) -> str:
    if rating.kind == Rating.Kind.MATTER and rating.licence_id:
        return str(rating.licence.licence_type)
    if rating.kind == Rating.Kind.VISIT and rating.licence_id:
        return _("A visit for %(licence)s, on the spot") % {"licence": rating.licence.licence_type}
    if rating.kind == Rating.Kind.PERIOD and rating.period_id:
        return _("Service period %(card)s") % {"card": rating.period.card_number}
    if rating.butler_id:
        return rating.butler.display_name
    return rating.get_kind_display()


def rating_dimensions(rating: Rating) -> list:
    return [
        (Rating._meta.get_field(name).verbose_name, getattr(rating, name))
        for name in ("overall", "efficiency", "service_level", "attitude")
        if getattr(rating, name) is not None
    ]


def case_improvements(case: AuditCase) -> list[ImprovementAction]:
    return list(case.improvements.select_related("owner__butler"))


# --- ratings --------------------------------------------------------------------------------------------


@dataclass
class Bar:
    stars: int
    label: str
    count: int
    share: float  # of all ratings shown
    width: int  # of the longest bar, in %


def rating_filter(user, data=None) -> RatingFilter:
    """The ratings the user may see, narrowed as asked: kind, butler rated, the days they were given."""
    return RatingFilter(data or None, queryset=ratings_visible_to(user))


def rating_distribution(queryset) -> tuple[list[Bar], int]:
    """Ratings by stars, as the rates count them (as on the dashboard): each matter once with its final
    word (the re-rating where there is one), those the reviewer set aside left out."""
    counted = queryset.filter(follows__isnull=True).exclude(case__dispute__upheld=True)
    final = Coalesce("follow_up__overall", "overall")
    counts = dict(counted.order_by().annotate(final=final).values_list("final").annotate(n=Count("pk")))
    total = sum(counts.values())
    top = max(counts.values(), default=0) or 1
    bars = [
        Bar(
            value,
            label,
            counts.get(value, 0),
            counts.get(value, 0) / total if total else 0.0,
            round(100 * counts.get(value, 0) / top),
        )
        for value, label in Stars.choices
    ]
    return bars, total


def satisfaction_rates(bars: list[Bar], total: int) -> tuple[float | None, float | None]:
    """The share of ratings of three stars or more, and of two or fewer (None without ratings)."""
    satisfied = sum(bar.count for bar in bars if bar.stars >= 3)
    bad = sum(bar.count for bar in bars if bar.stars <= 2)
    return (satisfied / total if total else None), (bad / total if total else None)


def ratings_by_stars(queryset, stars: str | None) -> QuerySet:
    """The ratings of the stars chosen (all, the bad ones, or one level), ready to list."""
    if stars == RatingFilter.BAD:
        queryset = queryset.filter(overall__in=BAD_STARS)
    elif stars:
        queryset = queryset.filter(overall=int(stars))
    return queryset.select_related("company", "contact", "butler", "licence__licence_type", "period", "case")


# --- improvement actions --------------------------------------------------------------------------------


def improvements_shown(user, show: str) -> tuple[QuerySet, str]:
    """The actions the user may see under the tab asked for ("open", a status, or else "all")."""
    queryset = (
        improvements_visible_to(user)
        .select_related("owner__butler", "licence_type")
        .annotate(case_count=Count("cases"))
        .order_by(*ImprovementAction._meta.ordering)
    )
    if show == "open":
        queryset = queryset.filter(status__in=OPEN_ACTIONS)
    elif show in ImprovementAction.Status.values:
        queryset = queryset.filter(status=show)
    else:
        show = "all"
    return queryset, show


def is_overdue(action: ImprovementAction, today: date) -> bool:
    return action.status in OPEN_ACTIONS and action.due_on < today


def offered_cases(user, chosen: list[int]) -> QuerySet:
    """Cases a manager may link: those chosen (if visible) and the newest open ones."""
    visible = cases_visible_to(user)
    newest_open = list(visible.open().values_list("pk", flat=True)[:OFFERED_OPEN_CASES])
    first = Case(When(pk__in=chosen, then=Value(0)), default=Value(1))
    return visible.filter(Q(pk__in=chosen) | Q(pk__in=newest_open)).order_by(first, "-opened_at", "-id")


def chosen_cases(user, chosen: list[int]) -> list[int]:
    """The ids of the chosen cases the user may see."""
    return list(cases_visible_to(user).filter(pk__in=chosen).values_list("pk", flat=True))


def linked_case_ids(action: ImprovementAction) -> list[int]:
    return list(action.cases.values_list("pk", flat=True))


def linked_cases(user, linked: list[int]) -> list[AuditCase]:
    """The linked cases the user may see (a butler may not see all of them)."""
    return list(
        cases_visible_to(user)
        .filter(pk__in=linked)
        .select_related("company", "concerns", "rating", "suggestion")
    )


def improvement_history(action: ImprovementAction) -> list:
    records = list(
        action.history.select_related("history_user__butler")
        .prefetch_related("historicalimprovementaction_cases_set")
        .order_by("history_date", "history_id")
    )
    user_ids = {record.owner_id for record in records}
    type_ids = {record.licence_type_id for record in records if record.licence_type_id}
    names = {
        (get_user_model(), user.pk): _name(user)
        for user in get_user_model().objects.filter(pk__in=user_ids).select_related("butler")
    }
    names |= {(LicenceType, t.pk): str(t) for t in LicenceType.objects.filter(pk__in=type_ids)}
    case_ids = {row.auditcase_id for r in records for row in r.historicalimprovementaction_cases_set.all()}
    numbers = {case.pk: case.number for case in AuditCase.objects.filter(pk__in=case_ids).only("opened_at")}

    def case_changes(previous, record) -> list:
        before = {row.auditcase_id for row in previous.historicalimprovementaction_cases_set.all()}
        after = {row.auditcase_id for row in record.historicalimprovementaction_cases_set.all()}
        if before == after:
            return []

        def show(ids):
            return ", ".join(sorted(numbers.get(pk, str(pk)) for pk in ids)) or "—"

        return [(_("cases"), show(before), show(after))]

    entries = history_entries(
        records,
        lambda record: _("Improvement action"),
        {"created_at", "created_by", "cases"},
        names,
        extra=case_changes,
    )
    return list(reversed(entries))


# --- material reduction ---------------------------------------------------------------------------------


def a_year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def actions_by_licence_type(licence_types: list) -> dict[int, list[ImprovementAction]]:
    """The improvement actions of each licence type, in the order they changed the catalogue."""
    actions = defaultdict(list)
    queryset = ImprovementAction.objects.filter(licence_type__in=licence_types).order_by("changed_on", "pk")
    for action in queryset:
        actions[action.licence_type_id].append(action)
    return actions
