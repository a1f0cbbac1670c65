"""Everything a company is reminded of, planned again from the data: after a first visit, a transfer or
the end of a period, and by the hourly reconcile, so that a change made anywhere (the admin, an import, the
shell, a changed rule) is never missed. Each room registers what it plans for a company
(:class:`CompanyPlanner`, in ``ButlerConfig.ready``); this module knows none of them."""

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Prefetch

from butler.service.models import ServicePeriod
from butler.service.rules import Audience, Rules, managers, portal_contacts
from companies.models import Company, CompanyLicence, Contact
from reminders.services import Planned


@dataclass(frozen=True)
class CompanyPlanner:
    """What one room plans for a company: the rows it needs, prefetched with every company of a reconcile
    chunk, and the function that plans them. A company comes with ``contacts``, ``periods`` (its service
    periods, the butler's user loaded) and ``all_licences`` already read."""

    name: str
    plan: Callable[..., Planned]  # plan(company=, rules=, audience=, staff=) -> Planned
    prefetch: tuple[Prefetch, ...] = ()


_planners: dict[str, CompanyPlanner] = {}


def planner_register(planner: CompanyPlanner) -> None:
    """Add a room's planner (from ``ButlerConfig.ready``); registering a name again replaces it."""
    _planners[planner.name] = planner


def _companies_with_audience():
    return Company.objects.prefetch_related(
        Prefetch("contacts", queryset=Contact.objects.select_related("user")),
        Prefetch(
            "service_periods",
            queryset=ServicePeriod.objects.select_related("butler__user", "company"),
            to_attr="periods",
        ),
        Prefetch(
            "licences",
            queryset=CompanyLicence.objects.select_related(
                "licence_type", "company", "vehicle", "person", "vessel"
            ),
            to_attr="all_licences",
        ),
        *(prefetch for planner in _planners.values() for prefetch in planner.prefetch),
    )


def _plan_company(company: Company, rules: Rules, staff: list) -> Planned:
    active = next((period for period in company.periods if period.is_active), None)
    audience = Audience(
        contacts=portal_contacts(company), butler=active.butler.user if active else None, managers=staff
    )
    created = cancelled = 0
    for planner in _planners.values():
        result = planner.plan(company=company, rules=rules, audience=audience, staff=staff)
        created, cancelled = created + result.created, cancelled + result.cancelled
    return Planned(created, cancelled)


def company_reminders_plan(*, company: Company) -> Planned:
    """Plan everything of one company: after a first visit, a transfer, the end of a period."""
    company = _companies_with_audience().get(pk=company.pk)
    return _plan_company(company, Rules(), managers())


def reminders_reconcile(*, chunk_size: int = 200) -> Planned:
    """Re-derive every reminder from the data, so that a change made anywhere — the admin, an import, the
    shell, a changed rule — is never missed."""
    return _reconcile(_companies_with_audience(), chunk_size=chunk_size).planned


@dataclass(frozen=True)
class Reconciled:
    planned: Planned
    companies: int
    last_id: int | None  # the last company re-planned, in id order
    finished: bool  # no company was left after it


def _reconcile(companies, *, chunk_size: int = 200, deadline: float | None = None) -> Reconciled:
    rules, staff = Rules(), managers()
    created = cancelled = count = 0
    last_id = None
    finished = True
    for company in companies.order_by("pk").iterator(chunk_size=chunk_size):
        if deadline is not None and time.monotonic() >= deadline:
            finished = False
            break
        result = _plan_company(company, rules, staff)
        created, cancelled = created + result.created, cancelled + result.cancelled
        count, last_id = count + 1, company.pk
    return Reconciled(Planned(created, cancelled), count, last_id, finished)


def reminders_reconcile_changed(*, since) -> Reconciled:
    """Re-plan the companies whose licences changed since ``since`` (an edit in the admin or the shell
    moves ``updated_at``): what the services did not plan is caught within the hour."""
    changed = CompanyLicence.objects.filter(updated_at__gte=since).values("company_id")
    return _reconcile(_companies_with_audience().filter(pk__in=changed))


def reminders_reconcile_slice(*, after_id: int, seconds: float, chunk_size: int = 200) -> Reconciled:
    """Re-plan companies in id order after ``after_id`` for about ``seconds``: the hourly task walks the
    whole register slice by slice, so a province-sized register is covered within a day or so while each
    run stays inside its time limit."""
    return _reconcile(
        _companies_with_audience().filter(pk__gt=after_id),
        chunk_size=chunk_size,
        deadline=time.monotonic() + seconds,
    )
