"""A year's report, in the shape of the seed article's table: new companies and those reached, service
cards, materials before → after, matters and trips, the online and on-the-spot shares, the committed-limit
compression, consultations and ratings — for any calendar year, from the dashboard's own figures."""

from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from butler.oversight.dashboard import Dashboard, dashboard_figures
from butler.oversight.dashboard_display import Figure
from butler.templatetags.butler_tags import percent


def _line(label, value, kind: str = "count", note="") -> Figure:
    """One line of the report: a dashboard figure, its note where the definition goes."""
    return Figure(key="", label=label, value=value, definition=note, kind=kind)


@dataclass
class YearReport:
    year: int
    board: Dashboard
    lines: list[Figure]

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
        _line(_("New transport companies registered in the district"), r.registered),
        _line(
            _("New companies reached by a butler"),
            r.reached,
            note=percent(r.reached_share) if r.registered else "",
        ),
        _line(_("Butler service cards issued"), board.cards_issued),
        _line(
            _("Materials in the catalogue, before → after"),
            f"{m.before} → {m.after}",
            kind="text",
            note=_("since %(day)s") % {"day": m.since.isoformat()},
        ),
        _line(_("Material reduction"), m.reduction, kind="rate"),
        _line(_("Materials obtained by data sharing (counted apart)"), m.shared),
        _line(
            _("Committed-limit compression"),
            r.compression,
            kind="rate",
            note=_("%(a)s → %(b)s working days") % {"a": r.statutory_days, "b": r.committed_days},
        ),
        _line(_("Matters filed"), r.applications),
        _line(_("Online share"), r.online_share, kind="rate"),
        _line(_("Matters issued"), board.matters),
        _line(_("Trips per matter"), board.trips_per_matter, kind="decimal"),
        _line(_("Zero-trip share"), board.zero_trip_share, kind="rate"),
        _line(_("On-the-spot share"), r.on_the_spot_share, kind="rate"),
        _line(_("Median on-the-spot time (minutes)"), r.on_the_spot_minutes, kind="minutes"),
        _line(_("Consultations recorded"), r.consultations),
        _line(_("of which without a registered company"), r.without_company),
        _line(_("of which 12345 hotline work orders"), r.hotline),
        _line(_("Important consultations revisited"), r.revisited_share, kind="rate"),
        _line(_("Ratings"), board.ratings),
        _line(_("Satisfied ratings (★3–5)"), board.satisfaction_rate, kind="rate"),
    ]
    return YearReport(year=year, board=board, lines=lines)
