"""The lists behind the dashboard's figures: which source and condition each drill-down reads (``DRILLS``;
the reminder figures link to the manager's delivery page instead, ``REMINDER_DRILLS``), its rows under the
page's filters (``drill_rows``) and the table the drill-down page shows, with links to each record
(``drill_table``). A list reads its figure's very condition from ``butler.oversight.dashboard_scope``, so it
always has as many rows as the figure says.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from butler.feedback.models import Suggestion
from butler.oversight.dashboard_scope import (
    Scope,
    _cases,
    _licences,
    _periods,
    _ratings,
    _Source,
    _suggestions,
    _threads,
)
from butler.oversight.reform import SOURCES
from butler.oversight.reform import TITLES as REFORM_TITLES


class UnknownFigure(LookupError):
    """No drill-down list has this name."""


@dataclass(frozen=True)
class Drill:
    source: Callable[[Scope], _Source]
    condition: str
    title: str | Promise
    kind: str  # periods, licences, ratings, cases, suggestions, threads, or a reform source


DRILLS: dict[str, Drill] = {
    "in_service": Drill(_periods, "in_service", _("Companies in service"), "periods"),
    "cards": Drill(_periods, "cards", _("Service cards issued"), "periods"),
    "licences_obtained": Drill(_licences, "obtained", _("Licences obtained"), "licences"),
    "licences_on_time": Drill(_licences, "on_time", _("Licences obtained on time"), "licences"),
    "licences_late": Drill(_licences, "late", _("Licences obtained late"), "licences"),
    "licences_lapsed": Drill(_licences, "lapsed", _("Licences lapsed"), "licences"),
    "licences_issued": Drill(_licences, "issued", _("Licences issued, with their trips"), "licences"),
    "licences_zero_trip": Drill(_licences, "zero_trip", _("Matters issued with no trip"), "licences"),
    "licences_by_proxy": Drill(
        _licences, "by_proxy", _("Matters filed by the butler for the company"), "licences"
    ),
    "licences_refused": Drill(_licences, "refused", _("Applications refused"), "licences"),
    "ratings": Drill(_ratings, "ratings", _("Ratings"), "ratings"),
    "ratings_good": Drill(_ratings, "ratings_good", _("Satisfied ratings (★3–5)"), "ratings"),
    "ratings_bad": Drill(_ratings, "ratings_bad", _("Bad ratings (★1–2)"), "ratings"),
    "ratings_set_aside": Drill(
        _ratings, "ratings_set_aside", _("Ratings set aside as mistaken or malicious"), "ratings"
    ),
    **{
        f"stars_{stars}": Drill(
            _ratings, f"stars_{stars}", format_lazy(_("Ratings of ★{stars}"), stars=stars), "ratings"
        )
        for stars in range(1, 6)
    },
    "cases_opened": Drill(_cases, "cases_opened", _("Audit cases opened"), "cases"),
    "cases_rectified": Drill(_cases, "cases_rectified", _("Cases rectified"), "cases"),
    "cases_return_visited": Drill(_cases, "cases_return_visited", _("Bad ratings visited again"), "cases"),
    "cases_return_visit_missing": Drill(
        _cases, "cases_return_visit_missing", _("Bad ratings not yet visited again"), "cases"
    ),
    "cases_at_risk": Drill(_cases, "cases_at_risk", _("Audit deadlines at risk"), "cases"),
    "cases_overdue": Drill(_cases, "cases_overdue", _("Audit steps overdue"), "cases"),
    "suggestions": Drill(_suggestions, "suggestions", _("Suggestions"), "suggestions"),
    "threads_answered": Drill(_threads, "threads_answered", _("Threads answered"), "threads"),
    "threads_awaiting": Drill(_threads, "threads_awaiting", _("Threads awaiting an answer"), "threads"),
    **{
        f"reform_{condition}": Drill(SOURCES[source], condition, REFORM_TITLES[condition], source)
        for source, conditions in {
            "registered": ("registered", "reached", "not_reached"),
            "applications": ("applications", "online"),
            "decisions": ("decisions", "on_the_spot"),
            "consultations": ("consultations", "without_company", "hotline", "important_due", "revisited"),
        }.items()
        for condition in conditions
    },
}
# Reminders have their own page (the manager's delivery page), where failed ones can be sent again.
REMINDER_DRILLS = {"reminders_sent": "sent", "reminders_late": "late", "reminders_failed": "failed"}

_RELATED = {
    "periods": (("company", "butler"), ("-start_date", "-pk")),
    "licences": (
        ("company", "licence_type", "vehicle", "person", "vessel"),
        ("-issued_on", "-first_issued_on", "-expires_on", "-pk"),
    ),
    "ratings": (("company", "butler", "case", "licence__licence_type"), ("-created_at", "-pk")),
    "cases": (("company", "concerns", "rating", "suggestion"), ("step_due", "-opened_at", "-pk")),
    "suggestions": (("company", "butler", "case"), ("-created_at", "-pk")),
    "threads": (("company",), ("last_message_at", "pk")),
    "registered": ((), ("-registered_on", "-pk")),
    "applications": (("company",), ("-filed_on", "-pk")),
    "decisions": (("company", "licence_type", "vehicle", "person", "vessel"), ("took", "pk")),
    "consultations": (("company", "recorded_by"), ("-occurred_at", "-pk")),
}


def drill_rows(
    figure: str,
    *,
    since: date,
    until: date,
    butler_id: int | None = None,
    business_type_id: int | None = None,
    today: date | None = None,
    category: str = "",
) -> QuerySet:
    """The records behind a figure, under the same filters; ``UnknownFigure`` for a name we do not know."""
    drill = DRILLS.get(figure)
    if drill is None:
        raise UnknownFigure(figure)
    scope = Scope(since, until, butler_id, business_type_id, today or timezone.localdate())
    source = drill.source(scope)
    rows = source.rows.filter(source.conditions[drill.condition])
    if drill.kind == "suggestions" and category in Suggestion.Category.values:
        rows = rows.filter(category=category)
    related, ordering = _RELATED[drill.kind]
    return rows.select_related(*related).order_by(*ordering)


@dataclass
class Cell:
    text: object
    url: str = ""
    wrap: bool = False  # names and texts may wrap; dates, numbers and stars stay on one line


def _url(name: str, pk: int) -> str:
    """The object's page, or "" if that page does not exist (yet)."""
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


def _case_url(case_id: int | None, company_id: int) -> str:
    return (_url("feedback:case", case_id) if case_id else "") or _url("company:detail", company_id)


def _company(row) -> Cell:
    return Cell(row.company.name, _url("company:detail", row.company_id), wrap=True)


def _day(value) -> str:
    return formats.date_format(value, "Y-m-d") if value else "—"


def _moment(value) -> str:
    return formats.date_format(timezone.localtime(value), "Y-m-d H:i") if value else "—"


def _stars(value) -> str:
    return "★" * value + "☆" * (5 - value) if value else "—"


def _trips(row) -> str:
    return str(row.trip_count or 0)


DRILL_COLUMNS: dict[str, list[tuple[Promise, Callable]]] = {
    "periods": [
        (_("Company"), _company),
        (_("Butler"), lambda r: r.butler.display_name),
        (_("Card number"), lambda r: r.card_number),
        (_("Start"), lambda r: _day(r.start_date)),
        (_("End"), lambda r: _day(r.ended_on or r.end_date)),
        (_("Status"), lambda r: r.get_status_display()),
    ],
    "licences": [
        (_("Licence"), lambda r: Cell(str(r), _url("licences:detail", r.pk), wrap=True)),
        (_("Company"), _company),
        (_("Status"), lambda r: r.get_status_display()),
        (_("Obtain by"), lambda r: _day(r.obtain_by)),
        (_("First issued"), lambda r: _day(r.first_issued_on)),
        (_("Expires"), lambda r: _day(r.expires_on)),
        (_("Trips"), _trips),
    ],
    "ratings": [
        (_("Rated at"), lambda r: _moment(r.created_at)),
        (_("Company"), _company),
        (_("What is rated"), lambda r: r.get_kind_display()),
        (_("Butler"), lambda r: r.butler.display_name if r.butler else "—"),
        (_("Overall"), lambda r: _stars(r.overall)),
        (
            _("Audit case"),
            lambda r: (
                Cell(r.case.number, _case_url(r.case.pk, r.company_id)) if getattr(r, "case", None) else "—"
            ),
        ),
        (_("Comment"), lambda r: Cell(r.comment or "—", wrap=True)),
    ],
    "cases": [
        (_("Case"), lambda r: Cell(r.number, _case_url(r.pk, r.company_id))),
        (_("Company"), _company),
        (
            _("About"),
            lambda r: _stars(r.rating.overall) if r.rating_id else r.suggestion.get_category_display(),
        ),
        (_("Opened"), lambda r: _moment(r.opened_at)),
        (_("Next step"), lambda r: r.get_step_display()),
        (_("Step due"), lambda r: _day(r.step_due)),
        (_("Finding"), lambda r: r.get_finding_display() or "—"),
        (_("Rectified"), lambda r: _moment(r.rectified_at)),
        (_("Return visit"), lambda r: _moment(r.return_visit_at)),
    ],
    "suggestions": [
        (_("Submitted at"), lambda r: _moment(r.created_at)),
        (_("Company"), _company),
        (_("Category"), lambda r: r.get_category_display()),
        (_("Source"), lambda r: r.get_source_display()),
        (_("Butler in service"), lambda r: r.butler.display_name if r.butler else "—"),
        (
            _("Suggestion"),
            lambda r: Cell(
                r.text[:120],
                _case_url(r.case.pk, r.company_id) if getattr(r, "case", None) else "",
                wrap=True,
            ),
        ),
    ],
    "threads": [
        (_("Subject"), lambda r: Cell(r.subject, _url("messaging:thread", r.pk), wrap=True)),
        (_("Company"), _company),
        (_("Started"), lambda r: _moment(r.created_at)),
        (_("Last message"), lambda r: _moment(r.last_message_at)),
        (
            _("First response (working min)"),
            lambda r: r.first_response_minutes if r.first_response_minutes is not None else "—",
        ),
    ],
}


def _minutes(duration) -> str:
    return formats.number_format(round(duration.total_seconds() / 60), 0, force_grouping=True)


DRILL_COLUMNS |= {
    "registered": [
        (_("Company"), lambda r: Cell(r.name, _url("company:detail", r.pk), wrap=True)),
        (_("Credit code"), lambda r: r.credit_code),
        (_("Registration date"), lambda r: _day(r.registered_on)),
        (_("Reached by a butler"), lambda r: _("yes") if r.reached else _("no")),
    ],
    "applications": [
        (_("Filed on"), lambda r: _day(r.filed_on)),
        (_("Company"), _company),
        (_("Channel"), lambda r: r.get_channel_display()),
        (_("Filed by the butler"), lambda r: _("yes") if r.by_proxy else _("no")),
    ],
    "decisions": [
        (_("Licence"), lambda r: Cell(str(r), _url("licences:detail", r.pk), wrap=True)),
        (_("Company"), _company),
        (_("Accepted"), lambda r: _moment(r.accepted_at)),
        (_("Decided"), lambda r: _moment(r.decided_at)),
        (_("Minutes"), lambda r: _minutes(r.took)),
        (_("Status"), lambda r: r.get_status_display()),
    ],
    "consultations": [
        (_("When"), lambda r: _moment(r.occurred_at)),
        (
            _("Who"),
            lambda r: Cell(r.who, _url("company:detail", r.company_id) if r.company_id else "", wrap=True),
        ),
        (_("How"), lambda r: r.get_channel_display()),
        (_("Work order"), lambda r: r.work_order or "—"),
        (_("What it was about"), lambda r: Cell(r.summary[:120], wrap=True)),
        (_("Return visit due"), lambda r: _day(r.return_visit_due)),
        (_("Return visit made"), lambda r: _moment(r.return_visit_done_at)),
    ],
}


def drill_table(figure: str, rows) -> tuple[list, list[list[Cell]]]:
    """Headers and cells for the rows of a drill-down page (rows already loaded)."""
    columns = DRILL_COLUMNS[DRILLS[figure].kind]
    cells = []
    for row in rows:
        line = []
        for _header, value in columns:
            cell = value(row)
            line.append(cell if isinstance(cell, Cell) else Cell(cell))
        cells.append(line)
    return [header for header, _value in columns], cells
