from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers

from butler.portfolio.rows import portfolio_rows
from butler.portfolio.selectors import (
    PORTFOLIO_SORTS,
    count_ending_within,
    past_periods_for,
    portfolio_for,
    today_for,
)
from butler.security import roles
from butler.service.decorators import role_required
from butler.service.selectors import butler_for_user


@role_required(roles.BUTLER)
def portfolio(request):
    """The butler's companies in service, soonest end first, searchable and sortable; past ones on request."""
    butler = butler_for_user(request.user)
    if butler is None:
        raise PermissionDenied
    search = request.GET.get("q", "")[:120].replace("\x00", "")  # no text column holds a NUL character
    sort = request.GET.get("sort", "risk")
    if sort not in PORTFOLIO_SORTS:
        sort = "risk"
    today = timezone.localdate()
    periods = list(portfolio_for(butler, search=search, sort=sort))
    past = None
    if request.GET.get("show") == "past":
        past = Paginator(past_periods_for(butler), 50).get_page(request.GET.get("page"))
    context = {
        "butler": butler,
        "periods": periods,
        "rows": portfolio_rows(periods, today=today),
        "past_periods": past,
        "search": search,
        "sort": sort,
        "today": today,
        "ending_soon": count_ending_within(periods, days=14, today=today),
    }
    template = "portfolio/partials/_portfolio_rows.html" if request.htmx else "portfolio/portfolio.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@role_required(roles.BUTLER)
def today(request):
    """The butler's day: what is overdue or due today across the portfolio, each one click from its action."""
    butler = butler_for_user(request.user)
    if butler is None:
        raise PermissionDenied
    day = timezone.localdate()
    return render(request, "portfolio/today.html", {"day": today_for(butler, today=day), "today": day})
