"""The contact log as the company page shows it."""

from butler.contactlog.models import ContactRecord
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
