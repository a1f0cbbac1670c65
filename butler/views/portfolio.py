from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone

from butler import roles, selectors, services
from butler.selectors import PORTFOLIO_SORTS
from butler.views.decorators import role_required


@role_required(roles.BUTLER)
def portfolio(request):
    """The butler's companies in service: days left first, searchable and sortable."""
    butler = services.butler_for_user(request.user)
    if butler is None:
        raise PermissionDenied
    search = request.GET.get("q", "")[:120]
    sort = request.GET.get("sort", "days_left")
    if sort not in PORTFOLIO_SORTS:
        sort = "days_left"
    periods = list(selectors.portfolio_for(butler, search=search, sort=sort))
    today = timezone.localdate()
    context = {
        "butler": butler,
        "periods": periods,
        "past_periods": list(selectors.past_periods_for(butler)[:50])
        if request.GET.get("show") == "past"
        else None,
        "search": search,
        "sort": sort,
        "today": today,
        "ending_soon": selectors.count_ending_within(periods, days=14, today=today),
    }
    template = (
        "butler/partials/_portfolio_rows.html"
        if request.headers.get("HX-Request")
        else "butler/portfolio.html"
    )
    return render(request, template, context)
