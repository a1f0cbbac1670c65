"""Object-level access, in one place: every view asks here once, with the action it needs.

``restrict(user, action, queryset)`` keeps the rows the user may see (``VIEW``) or change (``CHANGE``) —
companies and whatever belongs to a company (service periods, licences, contacts, contact records).
``obtain(user, action, queryset, pk)`` is one object: 404 when the user may not see it (never "exists but
forbidden"), 403 when they see it but may not change it.

A manager sees and changes everything; a butler sees the companies whose current or past service period they
hold, and changes only those they serve now (as an active butler); a company contact sees only their own
company and changes nothing here (the portal's own pages are theirs).
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from butler.security.roles import is_butler, is_company, is_manager
from butler.service.models import ServicePeriod
from companies.models import Company

VIEW = "view"
CHANGE = "change"
ACTIONS = (VIEW, CHANGE)


def _condition(user, action: str, model) -> Q | Exists | None:
    """What a row of ``model`` must meet for ``user`` to ``action`` it; None: no row."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    own = model is Company
    if is_manager(user):
        return Q()
    if is_butler(user):
        held = ServicePeriod.objects.filter(
            company=OuterRef("pk" if own else "company_id"), butler__user=user
        )
        if action == CHANGE:
            held = held.active().filter(butler__active=True)
        return Exists(held)
    if is_company(user) and action == VIEW:
        return Q(**{"contacts__user" if own else "company__contacts__user": user})
    return None


def restrict(user, action: str, queryset: QuerySet) -> QuerySet:
    """The rows of ``queryset`` (companies, or rows with a ``company``) that ``user`` may ``action``."""
    condition = _condition(user, action, queryset.model)
    return queryset.none() if condition is None else queryset.filter(condition)


def obtain(user, action: str, queryset: QuerySet, pk):
    """The row of ``queryset`` with this id for ``action``: 404 if the user may not see it, 403 if they see it
    but may not change it."""
    found = restrict(user, VIEW, queryset).filter(pk=pk).first()
    if found is None:
        raise Http404
    if action == CHANGE:
        condition = _condition(user, CHANGE, queryset.model)
        if condition is None:
            raise PermissionDenied
        if condition != Q() and not queryset.model.objects.filter(condition, pk=pk).exists():
            raise PermissionDenied
    return found


def companies_visible_to(user) -> QuerySet:
    return restrict(user, VIEW, Company.objects.all())


def can_serve(user, company: Company, *, periods: list[ServicePeriod] | None = None) -> bool:
    """May this user change the company's records (what pages show as actions)? Its manager or its butler in
    service. ``periods``: all the company's service periods with their butlers, when the caller has them."""
    if is_manager(user):
        return True
    if not is_butler(user):
        return False
    if periods is not None:
        return any(p.is_active and p.butler.user_id == user.pk and p.butler.active for p in periods)
    return restrict(user, CHANGE, Company.objects.filter(pk=company.pk)).exists()


def own_contacts_only(user, company: Company, *, serves: bool | None = None) -> bool:
    """A butler who served the company before reads only the contacts they recorded (no messages).
    ``serves``: :func:`can_serve` when the caller already knows it."""
    return not (can_serve(user, company) if serves is None else serves)


def may_write_handover(user, period: ServicePeriod) -> bool:
    """The handover note is written by whoever may change the company, or by the period's own butler (who
    hands over after a transfer or at the end)."""
    return period.butler.user_id == user.pk or can_serve(user, period.company)
