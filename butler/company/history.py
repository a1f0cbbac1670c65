"""A company's change history: its own records, its people's and its business types', told as one list."""

from django.utils.translation import gettext

from butler.service.history import HistoryEntry, history_entries
from butler.service.models import Butler, ServicePeriod
from companies.models import Company, Contact
from companies.selectors import business_types_from_text, business_types_text


def _business_type_change(previous, record) -> list[tuple[str, str, str]]:
    """The business types before and after a change of the company profile, if they changed."""
    before = business_types_from_text(previous.business_types_text)
    after = business_types_from_text(record.business_types_text)
    if {t.pk for t in before} == {t.pk for t in after}:
        return []

    def show(types):
        return ", ".join(sorted(t.name for t in types)) or "—"

    return [(gettext("business types"), show(before), show(after))]


def company_history(
    company: Company,
    *,
    limit: int = 100,
    butler_names: dict[int, str] | None = None,
) -> list[HistoryEntry]:
    """Who changed what, when: the company, its contacts and its service periods, newest first.
    ``butler_names``: what the caller already loaded, to spare a query. Three queries."""
    user_fields = ("history_user", "history_user__butler")
    window = 2 * limit  # the newest rows of each kind, with room for the rows their changes compare to

    def newest(rows) -> list:
        return list(
            reversed(rows.select_related(*user_fields).order_by("-history_date", "-history_id")[:window])
        )

    # The rows django-simple-history keeps of each record's business types.
    type_links = company.history.model.business_types.model._default_manager.all()
    company_rows = newest(
        company.history.annotate(business_types_text=business_types_text(type_links, owner="history"))
    )
    contact_rows = newest(Contact.history.filter(company_id=company.pk))
    period_rows = newest(ServicePeriod.history.filter(company_id=company.pk))
    butler_names = dict(butler_names or {})
    missing = {row.butler_id for row in period_rows} - set(butler_names)
    if missing:
        butler_names |= dict(Butler.objects.filter(pk__in=missing).values_list("pk", "display_name"))
    names = {(Butler, pk): name for pk, name in butler_names.items()}
    entries = (
        history_entries(
            company_rows,
            lambda r: gettext("Company profile"),
            {"created_at", "business_types"},
            names,
            extra=_business_type_change,
        )
        + history_entries(
            contact_rows, lambda r: gettext("Contact %(name)s") % {"name": r.name}, {"user"}, names
        )
        + history_entries(
            period_rows,
            lambda r: gettext("Service period %(card)s") % {"card": r.card_number},
            {"created_at", "previous"},
            names,
        )
    )
    order = {id(entry): n for n, entry in enumerate(entries)}
    entries.sort(key=lambda e: (e.when, order[id(e)]), reverse=True)
    return entries[:limit]
