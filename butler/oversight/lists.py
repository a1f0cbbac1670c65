from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from butler.fields import ids_from
from butler.oversight.filters import LicenceFilter
from butler.oversight.forms import DeliveryFilterForm
from butler.oversight.selectors import (
    butler_workload,
    companies_for_manager,
    company_filter,
    licence_filter,
    licences_for_manager,
    period_filter,
    periods_for_manager,
)
from butler.security import roles
from butler.service.decorators import role_required
from companies.lifecycle import HELD, TO_OBTAIN
from companies.models import LicenceStatus
from companies.selectors import Urgency
from companies.workdays import local_midnight
from reminders import selectors as reminder_selectors
from reminders.services import reminders_retry

PAGE_SIZE = 50


@dataclass
class KeysetPage:
    """One page of a list read by keyset: its rows, and where the next page starts ("" on the last one).
    Nothing counts the list: a 51st row read means there is more."""

    object_list: list
    next: str
    first: bool

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)


def _keyset_page(rows, key, *, first: bool) -> KeysetPage:
    """``rows``: up to PAGE_SIZE + 1 rows in list order; ``key(row)``: the (value, id) the next page starts
    after."""
    rows = list(rows)
    shown = rows[:PAGE_SIZE]
    more = len(rows) > PAGE_SIZE
    if not more:
        return KeysetPage(shown, "", first)
    value, pk = key(shown[-1])
    return KeysetPage(shown, f"{value.isoformat()}.{pk}", first)


def _after(request, parse):
    """The (value, id) in ``?after=``, or None for the first page (or a cursor that does not parse)."""
    value, _dot, pk = request.GET.get("after", "").rpartition(".")
    try:
        return parse(value), int(pk)
    except ValueError:
        return None


def _aware(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("a cursor carries its time zone")
    return moment


@role_required(roles.MANAGER)
def periods(request):
    """Every company's service periods, filtered by butler, status and name or code."""
    chosen = period_filter(request.GET)
    page = Paginator(periods_for_manager(chosen=chosen), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": chosen.form,
        "page": page,
        "workload": butler_workload(),
        # The newest ten companies that never had a butler, read through the registration-date index.
        "unassigned": list(
            companies_for_manager(chosen=company_filter({"without_butler": True})).prefetch_related(None)[:10]
        ),
        "today": timezone.localdate(),
        "querystring": _without_page(request),
    }
    return render(request, "oversight/periods.html", context)


@role_required(roles.MANAGER)
def companies(request):
    """Every registered company, with its butler in service if it has one."""
    after = _after(request, date.fromisoformat)
    chosen = company_filter(request.GET)
    rows = companies_for_manager(chosen=chosen, after=after)[: PAGE_SIZE + 1]
    context = {
        "form": chosen.form,
        "page": _keyset_page(rows, lambda c: (c.registered_on, c.pk), first=after is None),
        "today": timezone.localdate(),
        "querystring": _without_page(request),
    }
    return render(request, "oversight/companies.html", context)


# Whether the chosen date still matters for a licence in that status: otherwise its days are not counted.
_DATE_MATTERS = {
    "obtain_by": TO_OBTAIN,
    "renew_by": {LicenceStatus.ISSUED, LicenceStatus.RENEWAL_DUE},
    "expires_on": HELD | {LicenceStatus.EXPIRED},
}


def _urgency(day: date, today: date, *, matters: bool) -> Urgency:
    days = (day - today).days
    if not matters:
        return Urgency("secondary", None, "", day)
    tone = "danger" if days < 0 else "warning" if days <= 14 else "info" if days <= 30 else "success"
    return Urgency(tone, days, "", day)


@role_required(roles.MANAGER)
def licences(request):
    """Every company's licences due in a month by one of their dates, filtered by status, business type
    and butler; read page by page from an index, never counted."""
    today = timezone.localdate()
    chosen = licence_filter(request.GET, today=today)
    date_field, month = chosen.date_field, chosen.month_chosen
    after = _after(request, date.fromisoformat)
    rows = licences_for_manager(chosen=chosen, after=after)[: PAGE_SIZE + 1]
    page = _keyset_page(rows, lambda licence: (getattr(licence, date_field), licence.pk), first=after is None)
    for licence in page:
        licence.due = _urgency(
            getattr(licence, date_field), today, matters=licence.status in _DATE_MATTERS[date_field]
        )
    context = {
        "form": chosen.form,
        "page": page,
        "date_label": dict(LicenceFilter.DATES)[date_field],
        "month": month,
        "querystring": _without_page(request),
    }
    return render(request, "oversight/licences.html", context)


@role_required(roles.MANAGER)
def workload(request):
    workload = butler_workload()
    top = max((w.in_service for w in workload), default=0) or 1
    return render(request, "oversight/workload.html", {"workload": workload, "max_in_service": top})


def _without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("after", None)
    return query.urlencode()


@role_required(roles.MANAGER)
def deliveries(request):
    """How reminders fared: sent, late, failed (with retry), waiting, skipped and cancelled."""
    today = timezone.localdate()
    params = request.GET.copy()
    for name, value in (("since", today - timedelta(days=30)), ("until", today), ("status", "failed")):
        if not params.get(name):
            params[name] = str(value)
    # The outcome comes from the tabs, never typed: an unknown one shows the failed, keeping the dates chosen.
    if params.get("status") not in dict(DeliveryFilterForm.STATUSES):
        params["status"] = "failed"
    form = DeliveryFilterForm(params)
    valid = form.is_valid()
    data = form.cleaned_data
    since = local_midnight(data["since"] if valid else today - timedelta(days=30))
    until = local_midnight((data["until"] if valid else today) + timedelta(days=1))
    counts = reminder_selectors.delivery_counts(since=since, until=until)
    status = data.get("status") if data.get("status") in reminder_selectors.FILTERS else "failed"
    if not request.GET.get("status"):
        status = reminder_selectors.first_tab(counts)
    after = _after(request, _aware)
    rows = reminder_selectors.deliveries(
        status=status, since=since, until=until, after=after, limit=PAGE_SIZE + 1
    )
    query = request.GET.copy()
    query.pop("status", None)
    query.pop("page", None)
    query.pop("after", None)
    context = {
        "form": form,
        "status": status,
        "statuses": DeliveryFilterForm.STATUSES,
        "counts": counts,
        "total": getattr(counts, status),
        "page": _keyset_page(rows, lambda r: (r.scheduled_at, r.pk), first=after is None),
        "filters": query.urlencode(),
        "querystring": _without_page(request),
    }
    return render(request, "oversight/deliveries.html", context)


@role_required(roles.MANAGER)
@require_POST
def deliveries_retry(request):
    ids = ids_from(request.POST.getlist("ids"))
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
    return redirect(f"{reverse('oversight:deliveries')}?{back}" if back else "oversight:deliveries")
