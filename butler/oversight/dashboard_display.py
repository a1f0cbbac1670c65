"""The dashboard's figures as the page and the export show them: each figure's label, definition, kind
(count, rate, decimal, minutes), tone, target and drill-down, grouped in the page's order
(``figure_groups``), with its value formatted for the page or for a spreadsheet; and the export's rows (the
figures, then the butlers' workload). The numbers themselves come from ``butler.oversight.dashboard``.
"""

from dataclasses import dataclass

from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from butler.oversight.dashboard import Dashboard
from butler.oversight.dashboard_scope import RISK_WORKING_DAYS, WORKING_DAY_MINUTES
from butler.oversight.reform import Reform
from butler.templatetags.butler_tags import percent


@dataclass
class Figure:
    key: str
    label: str | Promise
    value: int | float | None
    definition: str | Promise
    kind: str = "count"  # count, rate (0–1), decimal, minutes, text
    drill: str = ""
    unit: str | Promise = ""
    tone: str = ""  # "danger", "warning", "success" or ""
    target: str | Promise = ""

    link: str = ""  # the page behind it when it is not a drill-down list (a URL name)
    url: str = ""  # the list behind it (set by the view)

    @property
    def display(self) -> str:
        """The value as the page shows it; "—" when a rate has nothing to divide by."""
        if self.value is None:
            return "—"
        if self.kind == "rate":
            return percent(self.value)
        if self.kind == "decimal":
            return formats.number_format(self.value, 2)
        if self.kind == "minutes":
            return formats.number_format(round(self.value), 0, force_grouping=True)
        if self.kind == "text":
            return str(self.value)
        return formats.number_format(self.value, 0, force_grouping=True)

    @property
    def export_value(self):
        """The value in a spreadsheet: a number (rates in percent, one decimal), "—" for none."""
        if self.value is None:
            return "—"
        if self.kind == "rate":
            return round(self.value * 100, 1)
        if self.kind in ("decimal", "minutes"):
            return round(self.value, 2)
        return self.value

    @property
    def export_label(self) -> str:
        return f"{self.label} (%)" if self.kind == "rate" else str(self.label)


@dataclass
class FigureGroup:
    key: str
    title: str | Promise
    icon: str
    figures: list[Figure]


def figure_groups(board: Dashboard) -> list[FigureGroup]:
    """The dashboard's figures in the order the page shows them, each with its definition."""
    d = board
    return [
        reform_group(board.reform),
        FigureGroup(
            "service",
            _("Butler service"),
            "bi-person-badge",
            [
                Figure(
                    "in_service",
                    _("Companies in service"),
                    d.in_service,
                    _("Service periods in service now (not limited to the date range)."),
                    drill="in_service",
                ),
                Figure(
                    "cards",
                    _("Service cards issued"),
                    d.cards_issued,
                    _("Service periods that started in the range; a transfer issues a new card."),
                    drill="cards",
                ),
            ],
        ),
        FigureGroup(
            "licences",
            _("Licences"),
            "bi-file-earmark-check",
            [
                Figure(
                    "licences_obtained",
                    _("Licences obtained"),
                    d.licences_obtained,
                    _("Licences first issued in the range."),
                    drill="licences_obtained",
                ),
                Figure(
                    "licences_on_time",
                    _("Obtained on time"),
                    d.licences_on_time,
                    _("First issued on or before the deadline to obtain it (or with no deadline)."),
                    drill="licences_on_time",
                    tone="success" if d.licences_on_time else "",
                ),
                Figure(
                    "licences_late",
                    _("Obtained late"),
                    d.licences_late,
                    _("First issued after the deadline to obtain it."),
                    drill="licences_late",
                    tone="warning" if d.licences_late else "",
                ),
                Figure(
                    "on_time_rate",
                    _("On-time rate"),
                    d.on_time_rate,
                    _("Obtained on time ÷ licences obtained."),
                    kind="rate",
                ),
                Figure(
                    "licences_lapsed",
                    _("Licences lapsed"),
                    d.licences_lapsed,
                    _("Licences expired without renewal whose expiry date is in the range."),
                    drill="licences_lapsed",
                    tone="danger" if d.licences_lapsed else "",
                ),
                Figure(
                    "trips_per_matter",
                    _("Trips per matter"),
                    d.trips_per_matter,
                    _(
                        "Visits to the window for the matters issued in the range ÷ those matters (what was "
                        "filed together is one matter)."
                    ),
                    kind="decimal",
                    drill="licences_issued",
                ),
                Figure(
                    "zero_trip_share",
                    _("Zero-trip share"),
                    d.zero_trip_share,
                    _("Share of the matters issued in the range for which the company made no visit."),
                    kind="rate",
                    drill="licences_zero_trip",
                ),
                Figure(
                    "by_proxy",
                    _("Filed by the butler"),
                    d.by_proxy,
                    _("Matters issued in the range that the butler filed for the company (帮办代办)."),
                    drill="licences_by_proxy",
                ),
                Figure(
                    "refused",
                    _("Applications refused"),
                    d.refused,
                    _("Applications refused (不予许可) in the range, with written reasons."),
                    drill="licences_refused",
                    tone="warning" if d.refused else "",
                ),
            ],
        ),
        FigureGroup(
            "reminders",
            _("Reminders"),
            "bi-bell",
            [
                Figure(
                    "reminders_sent",
                    _("Reminders sent"),
                    d.reminders_sent,
                    _("Reminders scheduled in the range that were sent (any channel)."),
                    drill="reminders_sent",
                ),
                Figure(
                    "reminders_late",
                    _("Sent late"),
                    d.reminders_late,
                    _("Of those sent, sent after their time (e.g. after downtime)."),
                    drill="reminders_late",
                    tone="warning" if d.reminders_late else "",
                ),
                Figure(
                    "reminders_failed",
                    _("Failed"),
                    d.reminders_failed,
                    _("Reminders scheduled in the range that could not be delivered after every retry."),
                    drill="reminders_failed",
                    tone="danger" if d.reminders_failed else "",
                ),
            ],
        ),
        FigureGroup(
            "ratings",
            _("Ratings"),
            "bi-star-half",
            [
                Figure(
                    "ratings",
                    _("Ratings"),
                    d.ratings,
                    _("Ratings given in the range, except those set aside as mistaken or malicious."),
                    drill="ratings",
                ),
                Figure(
                    "satisfaction_rate",
                    _("Satisfaction rate"),
                    d.satisfaction_rate,
                    _("Ratings of ★3–5 ÷ all ratings."),
                    kind="rate",
                    drill="ratings_good",
                ),
                Figure(
                    "bad_rate",
                    _("Bad-rating rate"),
                    d.bad_rate,
                    _("Ratings of ★1–2 ÷ all ratings."),
                    kind="rate",
                    drill="ratings_bad",
                    tone="danger" if d.ratings_bad else "",
                ),
                Figure(
                    "rating_average",
                    _("Average rating"),
                    d.rating_average,
                    _("Average of the overall stars (1–5)."),
                    kind="decimal",
                    unit="★",
                ),
                Figure(
                    "ratings_set_aside",
                    _("Set aside as mistaken or malicious"),
                    d.ratings_set_aside,
                    _("Ratings in the range that the audit found mistaken or malicious; not counted above."),
                    drill="ratings_set_aside",
                ),
            ],
        ),
        FigureGroup(
            "audit",
            _("Audit of feedback"),
            "bi-clipboard-check",
            [
                Figure(
                    "cases_opened",
                    _("Cases opened"),
                    d.cases_opened,
                    _("Audit cases opened in the range (every bad rating and every suggestion)."),
                    drill="cases_opened",
                ),
                Figure(
                    "rectification_rate",
                    _("Rectification rate"),
                    d.rectification_rate,
                    _("Valid cases rectified ÷ cases found valid (cases opened in the range)."),
                    kind="rate",
                    drill="cases_rectified",
                ),
                Figure(
                    "on_time_rectification_rate",
                    _("Rectified on time"),
                    d.on_time_rectification_rate,
                    _("Rectified on or before the day set for it ÷ cases rectified."),
                    kind="rate",
                    drill="cases_rectified",
                ),
                Figure(
                    "return_visit_rate",
                    _("Return-visit rate"),
                    d.return_visit_rate,
                    _(
                        "Bad ratings visited again ÷ bad ratings opened in the range, except those set "
                        "aside as mistaken or malicious."
                    ),
                    kind="rate",
                    drill="cases_return_visit_missing",
                    target=_("national target 100%"),
                    tone="success"
                    if d.return_visit_rate == 1
                    else ("danger" if d.return_visit_rate is not None else ""),
                ),
                Figure(
                    "cases_at_risk",
                    _("Deadlines at risk"),
                    d.cases_at_risk,
                    _("Open cases whose current step is due within %(days)s working days (from today).")
                    % {"days": RISK_WORKING_DAYS},
                    drill="cases_at_risk",
                    tone="warning" if d.cases_at_risk else "",
                ),
                Figure(
                    "cases_overdue",
                    _("Overdue steps"),
                    d.cases_overdue,
                    _("Open cases whose current step is past its deadline now."),
                    drill="cases_overdue",
                    tone="danger" if d.cases_overdue else "",
                ),
            ],
        ),
        FigureGroup(
            "suggestions",
            _("Suggestions"),
            "bi-lightbulb",
            [
                Figure(
                    "suggestions",
                    _("Suggestions"),
                    d.suggestions_total,
                    _("Suggestions made in the range, on the portal or recorded by a butler."),
                    drill="suggestions",
                ),
            ],
        ),
        FigureGroup(
            "messages",
            _("Messages"),
            "bi-chat-dots",
            [
                Figure(
                    "response_median",
                    _("Median first response"),
                    d.response_median,
                    _("The middle first-response time of threads a company started in the range."),
                    kind="minutes",
                    unit=_("working min"),
                    drill="threads_answered",
                ),
                Figure(
                    "response_average",
                    _("Average first response"),
                    d.response_average,
                    _("Working minutes count office hours on working days only."),
                    kind="minutes",
                    unit=_("working min"),
                ),
                Figure(
                    "within_day_share",
                    _("Answered within one working day"),
                    d.within_day_share,
                    _("Of the threads answered, those answered within %(minutes)s working minutes.")
                    % {"minutes": WORKING_DAY_MINUTES},
                    kind="rate",
                ),
                Figure(
                    "threads_awaiting",
                    _("Awaiting an answer now"),
                    d.threads_awaiting,
                    _("Threads whose last message is the company's, not yet answered (now)."),
                    drill="threads_awaiting",
                    tone="warning" if d.threads_awaiting else "",
                ),
            ],
        ),
    ]


def reform_group(r: Reform) -> FigureGroup:
    """The reform's own figures (最多跑一次), as the seed article reports them."""
    materials = r.materials
    return FigureGroup(
        "reform",
        _("The reform's figures"),
        "bi-graph-up-arrow",
        [
            Figure(
                "registered",
                _("New companies in the district"),
                r.registered,
                _("Transport companies of the district registered in the range (registration date)."),
                drill="reform_registered",
            ),
            Figure(
                "reached_share",
                _("Reached by a butler"),
                r.reached_share,
                _("Of the new companies, those that have had a butler (a service period)."),
                kind="rate",
                drill="reform_reached",
                tone="warning" if r.registered and r.reached < r.registered else "",
            ),
            Figure(
                "online_share",
                _("Filed online"),
                r.online_share,
                _("Matters filed online or by mobile ÷ matters filed in the range."),
                kind="rate",
                drill="reform_online",
            ),
            Figure(
                "on_the_spot_share",
                _("Decided on the spot"),
                r.on_the_spot_share,
                _("Decisions made the day the application was accepted ÷ decisions in the range."),
                kind="rate",
                drill="reform_on_the_spot",
            ),
            Figure(
                "on_the_spot_minutes",
                _("Median on-the-spot time"),
                r.on_the_spot_minutes,
                _("The middle time from acceptance to decision of the on-the-spot decisions."),
                kind="minutes",
                unit=_("min"),
                drill="reform_on_the_spot",
            ),
            Figure(
                "compression",
                _("Committed-limit compression"),
                r.compression,
                _(
                    "1 − committed ÷ statutory working days, over the catalogue's items with both "
                    "(%(a)s → %(b)s)."
                )
                % {"a": r.statutory_days, "b": r.committed_days},
                kind="rate",
                link="oversight:limits",
            ),
            Figure(
                "material_reduction",
                _("Material reduction"),
                materials.reduction,
                _(
                    "Materials in the catalogue on %(day)s → at the end of the range: %(before)s → "
                    "%(after)s, of which %(shared)s obtained by data sharing."
                )
                % {
                    "day": materials.since.isoformat(),
                    "before": materials.before,
                    "after": materials.after,
                    "shared": materials.shared,
                },
                kind="rate",
                link="feedback:materials",
            ),
            Figure(
                "consultations",
                _("Consultations"),
                r.consultations,
                _("Consultations recorded in the range, %(n)s of them without a registered company.")
                % {"n": r.without_company},
                drill="reform_consultations",
            ),
            Figure(
                "revisited_share",
                _("Important ones revisited"),
                r.revisited_share,
                _("Important consultations revisited ÷ those whose return visit is due by today."),
                kind="rate",
                drill="reform_important_due",
                tone="warning" if r.revisited < r.important_due else "",
            ),
        ],
    )


# --- export ----------------------------------------------------------------------------------------------


def export_rows(board: Dashboard) -> list[list]:
    """The figures as (figure, value) rows, then a blank row and the workload table with its header."""
    rows: list[list] = [
        [gettext("Date range"), f"{board.scope.since:%Y-%m-%d} – {board.scope.until:%Y-%m-%d}"],
    ]
    for group in figure_groups(board):
        for figure in group.figures:
            rows.append([f"{group.title} · {figure.export_label}", figure.export_value])
        if group.key == "ratings":
            for stars in range(5, 0, -1):
                rows.append([f"{group.title} · ★{stars}", board.stars[stars]])
        if group.key == "suggestions":
            for row in board.suggestions:
                rows.append([f"{group.title} · {row.label}", row.count])
    rows.append([])
    rows.append(
        [
            gettext("Butler"),
            gettext("Companies in service"),
            gettext("Open audit cases"),
            gettext("Threads awaiting an answer"),
            gettext("Ratings"),
            gettext("Average rating"),
        ]
    )
    for w in board.workload:
        average = round(w.rating_average, 2) if w.rating_average is not None else "—"
        rows.append([w.butler.display_name, w.in_service, w.open_cases, w.awaiting, w.ratings, average])
    return rows
