"""The contact log as the company page shows it."""

from django.db.models import Q, QuerySet
from django.http import Http404

from butler.contactlog.models import ContactRecord
from butler.security.roles import is_butler, is_manager
from butler.service import access
from companies.models import Company


def contact_log(company: Company, *, limit: int = 10) -> list:
    """The latest contacts with the company, open return visits first."""
    return list(
        ContactRecord.objects.filter(company=company)
        .select_related(
            "recorded_by", "licence__licence_type", "licence__vehicle", "licence__person", "licence__vessel"
        )
        .order_by("-occurred_at", "-id")[:limit]
    )


def enquiries_visible_to(user) -> QuerySet:
    """Consultations without a registered company and 12345 work orders: a manager sees all of them; a
    butler those without a company that they recorded, and the work orders of the companies they serve
    (whose answer is theirs); nobody else any."""
    if is_manager(user):
        return ContactRecord.objects.filter(Q(company__isnull=True) | Q(source=ContactRecord.Source.HOTLINE))
    if is_butler(user):
        served = access.restrict(user, access.CHANGE, Company.objects.all()).values("pk")
        return ContactRecord.objects.filter(
            Q(company__isnull=True, recorded_by=user)
            | Q(source=ContactRecord.Source.HOTLINE, company__in=served)
        )
    return ContactRecord.objects.none()


def enquiry_desk(user, *, limit: int = 50) -> tuple[list, list]:
    """The answers still owed (oldest deadline first), and the latest consultations recorded."""
    rows = enquiries_visible_to(user).select_related("company", "recorded_by")
    waiting = list(
        rows.filter(return_visit_due__isnull=False, return_visit_done_at__isnull=True).order_by(
            "return_visit_due", "pk"
        )[:limit]
    )
    latest = list(rows.exclude(pk__in=[r.pk for r in waiting]).order_by("-occurred_at", "-pk")[:limit])
    return waiting, latest


def contact_record_for(user, pk: int, action: str) -> ContactRecord:
    """One contact record for ``action``: a company's under its access rules; one without a company for a
    manager or whoever recorded it (404 for anyone else)."""
    record = ContactRecord.objects.select_related("company").filter(pk=pk).first()
    if record is None:
        raise Http404
    if record.company_id is None:
        if is_manager(user) or (is_butler(user) and record.recorded_by_id == user.pk):
            return record
        raise Http404
    return access.obtain(user, action, ContactRecord.objects.select_related("company"), pk)
