"""The fleet's calendar for the window: what every vehicle and person needs by when, an obligation met, a
vehicle leaving the fleet."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from butler.fields import add_service_error
from butler.fleet.forms import ObligationForm, RetireForm
from butler.fleet.selectors import MONTH_DAYS, fleet_calendar, fleet_counts, fleet_table
from butler.fleet.services import obligation_met, vehicle_leaves
from butler.security import roles
from butler.service import access
from butler.service.decorators import role_required
from butler.tables import FORMATS, table_response
from companies.models import Company, Obligation, Vehicle

STAFF = (roles.BUTLER, roles.MANAGER)
SHOWS = ("month", "all")


@role_required(*STAFF)
def calendar(request, pk: int):
    """What the fleet needs this month (overdue, due within a month, not dated yet), or everything."""
    company = access.obtain(request.user, access.VIEW, Company.objects.all(), pk)
    today = timezone.localdate()
    show = request.GET.get("show") if request.GET.get("show") in SHOWS else "month"
    items = fleet_calendar(company, today=today, within_days=MONTH_DAYS if show == "month" else None)
    context = {
        "company": company,
        "items": items,
        "counts": fleet_counts(items),
        "show": show,
        "can_serve": access.can_serve(request.user, company),
        "vehicles": company.vehicles.in_fleet().order_by("plate"),
        "today": today,
    }
    return render(request, "fleet/calendar.html", context)


@role_required(*STAFF)
def export(request, pk: int):
    """The fleet's whole calendar as a spreadsheet (xlsx, or csv)."""
    company = access.obtain(request.user, access.VIEW, Company.objects.all(), pk)
    return fleet_download(request, company)


def fleet_download(request, company: Company):
    """The company's fleet calendar to keep: for its butler, the manager or the company itself."""
    fmt = request.GET.get("format") if request.GET.get("format") in FORMATS else "xlsx"
    today = timezone.localdate()
    headers, rows = fleet_table(company, today=today)
    return table_response(
        headers=headers,
        rows=rows,
        fmt=fmt,
        filename=f"fleet-{company.credit_code}-{today:%Y%m%d}",
        title=_("Fleet calendar"),
    )


@role_required(*STAFF)
@require_http_methods(["GET", "POST"])
def obligation(request, pk: int):
    """Record that an obligation was met: the next date follows."""
    queryset = Obligation.objects.select_related("company", "obligation_type", "vehicle", "person", "vessel")
    item = access.obtain(request.user, access.CHANGE, queryset, pk)
    form = ObligationForm(request.POST or None, obligation=item)
    if request.method == "POST" and form.is_valid():
        try:
            obligation_met(actor=request.user, obligation=item, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Recorded; the next date is planned and reminded."))
            return redirect("fleet:calendar", pk=item.company_id)
    history = item.history.order_by("-history_date")[:10]
    return render(
        request,
        "fleet/obligation.html",
        {"form": form, "obligation": item, "company": item.company, "history": history},
    )


@role_required(*STAFF)
@require_http_methods(["GET", "POST"])
def retire(request, pk: int):
    """A vehicle sold on or scrapped leaves the fleet, with its certificate and obligations."""
    vehicle = access.obtain(
        request.user, access.CHANGE, Vehicle.objects.in_fleet().select_related("company"), pk
    )
    form = RetireForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            vehicle_leaves(actor=request.user, vehicle=vehicle, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("%(plate)s has left the fleet.") % {"plate": vehicle.plate})
            return redirect("fleet:calendar", pk=vehicle.company_id)
    return render(
        request, "fleet/retire.html", {"form": form, "vehicle": vehicle, "company": vehicle.company}
    )
