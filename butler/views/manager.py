from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from butler import roles, selectors
from butler.forms import CompanyFilterForm, PeriodFilterForm
from butler.views.decorators import role_required

PAGE_SIZE = 50


@role_required(roles.MANAGER)
def periods(request):
    """Every company's service periods, filtered by butler, status and name or code."""
    form = PeriodFilterForm(request.GET or None)
    filters = {"status": "", "butler_id": None, "search": ""}
    if form.is_valid():
        filters = {
            "status": form.cleaned_data["status"],
            "butler_id": form.cleaned_data["butler"].pk if form.cleaned_data["butler"] else None,
            "search": form.cleaned_data["q"],
        }
    page = Paginator(selectors.periods_for_manager(**filters), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "workload": selectors.butler_workload(),
        "unassigned": list(selectors.companies_without_butler()[:10]),
        "today": timezone.localdate(),
        "querystring": _without_page(request),
    }
    return render(request, "butler/manager_periods.html", context)


@role_required(roles.MANAGER)
def companies(request):
    """Every registered company, with its butler in service if it has one."""
    form = CompanyFilterForm(request.GET or None)
    filters = {"search": "", "butler_id": None, "without_butler": False}
    if form.is_valid():
        filters = {
            "search": form.cleaned_data["q"],
            "butler_id": form.cleaned_data["butler"].pk if form.cleaned_data["butler"] else None,
            "without_butler": form.cleaned_data["without_butler"],
        }
    page = Paginator(selectors.companies_for_manager(**filters), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "today": timezone.localdate(),
        "querystring": _without_page(request),
    }
    return render(request, "butler/manager_companies.html", context)


@role_required(roles.MANAGER)
def workload(request):
    workload = selectors.butler_workload()
    top = max((w.in_service for w in workload), default=0) or 1
    return render(request, "butler/manager_workload.html", {"workload": workload, "max_in_service": top})


def _without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
