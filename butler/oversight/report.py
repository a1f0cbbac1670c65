"""A year's report, in the shape of the seed article's table: new companies and those reached, service
cards, materials before → after, matters and trips, the online and on-the-spot shares, the committed-limit
compression, consultations and ratings — for any calendar year, from the dashboard's own figures."""

from dataclasses import dataclass
from datetime import date

from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from butler.oversight.dashboard import Dashboard, dashboard_figures
from butler.templatetags.butler_tags import percent


@dataclass
class ReportLine:
    label: str | Promise
    value: int | float | None
    kind: str = "count"  # count, rate (0–1), decimal, minutes, text
    note: str | Promise = ""

    @property
    def display(self) -> str:
        if self.value is None:
            return "—"
        if self.kind == "rate":
            return percent(self.value)
        if self.kind in ("decimal", "minutes"):
            return formats.number_format(self.value, 1 if self.kind == "minutes" else 2)
        if self.kind == "text":
            return str(self.value)
        return formats.number_format(self.value, 0, force_grouping=True)

    @property
    def export_value(self):
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
class YearReport:
    year: int
    board: Dashboard
    lines: list[ReportLine]

    @property
    def since(self) -> date:
        return date(self.year, 1, 1)

    @property
    def until(self) -> date:
        return date(self.year, 12, 31)


def year_report(year: int, *, today: date | None = None) -> YearReport:
    """The year's figures, as the article's table lists them."""
    board = dashboard_figures(
        since=date(year, 1, 1), until=date(year, 12, 31), today=today or timezone.localdate()
    )
    r, m = board.reform, board.reform.materials
    lines = [
        ReportLine(_("New transport companies registered in the district"), r.registered),
        ReportLine(
            _("New companies reached by a butler"),
            r.reached,
            note=percent(r.reached_share) if r.registered else "",
        ),
        ReportLine(_("Butler service cards issued"), board.cards_issued),
        ReportLine(
            _("Materials in the catalogue, before → after"),
            f"{m.before} → {m.after}",
            kind="text",
            note=_("since %(day)s") % {"day": m.since.isoformat()},
        ),
        ReportLine(_("Material reduction"), m.reduction, kind="rate"),
        ReportLine(_("Materials obtained by data sharing (counted apart)"), m.shared),
        ReportLine(
            _("Committed-limit compression"),
            r.compression,
            kind="rate",
            note=_("%(a)s → %(b)s working days") % {"a": r.statutory_days, "b": r.committed_days},
        ),
        ReportLine(_("Matters filed"), r.applications),
        ReportLine(_("Online share"), r.online_share, kind="rate"),
        ReportLine(_("Matters issued"), board.matters),
        ReportLine(_("Trips per matter"), board.trips_per_matter, kind="decimal"),
        ReportLine(_("Zero-trip share"), board.zero_trip_share, kind="rate"),
        ReportLine(_("On-the-spot share"), r.on_the_spot_share, kind="rate"),
        ReportLine(_("Median on-the-spot time (minutes)"), r.on_the_spot_minutes, kind="minutes"),
        ReportLine(_("Consultations recorded"), r.consultations),
        ReportLine(_("of which without a registered company"), r.without_company),
        ReportLine(_("of which 12345 hotline work orders"), r.hotline),
        ReportLine(_("Important consultations revisited"), r.revisited_share, kind="rate"),
        ReportLine(_("Ratings"), board.ratings),
        ReportLine(_("Satisfied ratings (★3–5)"), board.satisfaction_rate, kind="rate"),
    ]
    return YearReport(year=year, board=board, lines=lines)
