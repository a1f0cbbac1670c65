"""The manager's dashboard: figures first, then charts and the workload table; the list behind each figure;
the figures as a spreadsheet. Every number comes from ``butler.oversight.dashboard``."""

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from butler.feedback.models import Suggestion
from butler.oversight.dashboard import dashboard_figures, workload_first
from butler.oversight.dashboard_charts import bar_chart, column_chart
from butler.oversight.dashboard_display import Figure, export_rows, figure_groups
from butler.oversight.dashboard_drills import DRILLS, REMINDER_DRILLS, drill_rows, drill_table
from butler.oversight.dashboard_forms import DashboardFilterForm
from butler.oversight.dashboard_scope import default_range
from butler.security import roles
from butler.service.decorators import role_required
from butler.tables import FORMATS, table_response

PAGE_SIZE = 50
WORKLOAD_ROWS = 20  # the butlers shown on the page; the export has them all
FILTER_FIELDS = ("since", "until", "butler", "business_type")
HEADLINE = ("in_service", "cards", "on_time_rate", "satisfaction_rate", "return_visit_rate", "cases_at_risk")
# The groups of figures below the headline, in this order, and how wide each is on a wide screen.
# The service figures are all in the headline; suggestions are shown as a chart.
GROUP_WIDTH = {
    "reform": "col-12",
    "licences": "col-12",
    "ratings": "col-12",
    "audit": "col-12",
    "reminders": "col-12 col-xl-5",
    "messages": "col-12 col-xl-7",
}
STAR_CSS = {5: "bar-star-5", 4: "bar-star-4", 3: "bar-star-3", 2: "bar-star-2", 1: "bar-star-1"}


def _form(request) -> tuple[DashboardFilterForm, dict, str]:
    """The bound filter form (with the default range filled in), the filters and their query string."""
    params = QueryDict(mutable=True)
    for name in FILTER_FIELDS:
        if request.GET.get(name):
            params[name] = request.GET[name]
    since, until = default_range()
    params.setdefault("since", str(since))
    params.setdefault("until", str(until))
    form = DashboardFilterForm(params)
    filters = form.filters()
    return form, filters, params.urlencode()


def _figure_url(figure: Figure, filters: dict, query: str) -> str:
    if figure.drill in REMINDER_DRILLS:
        reminders = QueryDict(mutable=True)
        reminders.update(
            {
                "status": REMINDER_DRILLS[figure.drill],
                "since": str(filters["since"]),
                "until": str(filters["until"]),
            }
        )
        return f"{reverse('oversight:deliveries')}?{reminders.urlencode()}"
    if figure.link == "feedback:materials":
        return f"{reverse(figure.link)}?since={settings.BUTLER_REFORM_BASELINE:%Y-%m-%d}"
    if figure.link:
        return reverse(figure.link)
    return _drill_url(figure.drill, query) if figure.drill else ""


def _drill_url(figure: str, query: str) -> str:
    return f"{reverse('oversight:drill', args=[figure])}?{query}"


@role_required(roles.MANAGER)
def index(request):
    form, filters, query = _form(request)
    board = dashboard_figures(**filters)
    groups = figure_groups(board)
    by_key = {}
    for group in groups:
        group.width = GROUP_WIDTH.get(group.key, "")
        for figure in group.figures:
            figure.url = _figure_url(figure, filters, query)
            by_key[figure.key] = figure
    stars = bar_chart(
        [(f"★{s}", board.stars[s], STAR_CSS[s], _drill_url(f"stars_{s}", query)) for s in range(5, 0, -1)],
        label_width=56,
    )
    suggestions = bar_chart(
        [
            (
                row.label,
                row.count,
                "bar-category",
                _drill_url("suggestions", f"{query}&category={row.category}"),
            )
            for row in board.suggestions
        ]
    )
    series = column_chart(board.series, [_("Service cards issued"), _("Ratings")])
    context = {
        "form": form,
        "board": board,
        "headline": [by_key[key] for key in HEADLINE],
        "groups": {group.key: group for group in groups},
        "number_groups": sorted((g for g in groups if g.width), key=lambda g: list(GROUP_WIDTH).index(g.key)),
        "stars_chart": stars,
        "suggestions_chart": suggestions,
        "series_chart": series,
        "query": query,
        "workload": workload_first(board.workload, WORKLOAD_ROWS),
    }
    return render(request, "oversight/dashboard.html", context)


@role_required(roles.MANAGER)
def drill(request, figure: str):
    if figure not in DRILLS:
        raise Http404
    form, filters, query = _form(request)
    category = request.GET.get("category", "")
    if category not in Suggestion.Category.values:
        category = ""
    rows = drill_rows(figure, **filters, category=category)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    headers, cells = drill_table(figure, page.object_list)
    title = DRILLS[figure].title
    if category:
        title = f"{title} · {Suggestion.Category(category).label}"
    context = {
        "form": form,
        "figure": figure,
        "title": title,
        "filters": filters,
        "headers": headers,
        "rows": cells,
        "page": page,
        "category": category,
        "query": query,
        "querystring": f"{query}&category={category}" if category else query,
    }
    return render(request, "oversight/dashboard_drill.html", context)


@role_required(roles.MANAGER)
def export(request, fmt: str):
    if fmt not in FORMATS:
        raise Http404
    _form_, filters, _query = _form(request)
    board = dashboard_figures(**filters)
    return table_response(
        headers=[_("Figure"), _("Value")],
        rows=export_rows(board),
        fmt=fmt,
        filename=f"dashboard-{filters['since']:%Y%m%d}-{filters['until']:%Y%m%d}",
        title=_("Dashboard"),
    )
