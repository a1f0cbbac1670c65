from datetime import datetime, time, timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from butler import roles, selectors
from butler.forms import CompanyFilterForm, DeliveryFilterForm, PeriodFilterForm
from butler.views.decorators import role_required
from reminders import selectors as reminder_selectors
from reminders.services import reminders_retry

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


def _local_midnight(day):
    return timezone.make_aware(datetime.combine(day, time(0)), timezone.get_default_timezone())


@role_required(roles.MANAGER)
def deliveries(request):
    """How reminders fared: sent, late, failed (with retry), waiting, skipped and cancelled."""
    today = timezone.localdate()
    params = request.GET.copy()
    for name, value in (("since", today - timedelta(days=30)), ("until", today), ("status", "failed")):
        if not params.get(name):
            params[name] = str(value)
    form = DeliveryFilterForm(params)
    valid = form.is_valid()
    data = form.cleaned_data
    since = _local_midnight(data["since"] if valid else today - timedelta(days=30))
    until = _local_midnight((data["until"] if valid else today) + timedelta(days=1))
    status = data.get("status") if data.get("status") in reminder_selectors.FILTERS else "failed"
    page = Paginator(reminder_selectors.deliveries(status=status, since=since, until=until), PAGE_SIZE)
    query = request.GET.copy()
    query.pop("status", None)
    query.pop("page", None)
    context = {
        "form": form,
        "status": status,
        "statuses": DeliveryFilterForm.STATUSES,
        "counts": reminder_selectors.delivery_counts(since=since, until=until),
        "page": page.get_page(request.GET.get("page")),
        "filters": query.urlencode(),
        "querystring": _without_page(request),
    }
    return render(request, "butler/manager_deliveries.html", context)


@role_required(roles.MANAGER)
@require_POST
def deliveries_retry(request):
    ids = [int(value) for value in request.POST.getlist("ids") if value.isdigit()]
    retried = reminders_retry(ids=ids)
    if retried:
        messages.success(
            request,
            ngettext(
                "%(n)d reminder will be sent again within a minute.",
                "%(n)d reminders will be sent again within a minute.",
                retried,
            )
            % {"n": retried},
        )
    else:
        messages.info(request, _("Nothing to send again: those reminders have not failed."))
    back = QueryDict(request.POST.get("next", "")).urlencode()
    return redirect(f"{reverse('manager:deliveries')}?{back}" if back else "manager:deliveries")
