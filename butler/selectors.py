"""Reads for the butler service's pages, each a fixed number of queries whatever the data size."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from butler.models import Butler, PortalInvitation, ServicePeriod
from companies.models import BusinessType, Company, Contact

PORTFOLIO_SORTS = {
    "days_left": ("end_date", "company__name"),
    "-days_left": ("-end_date", "company__name"),
    "name": ("company__name",),
    "start": ("-start_date", "company__name"),
}


def _with_company(periods: QuerySet) -> QuerySet:
    return periods.select_related("company", "butler").prefetch_related(
        "company__business_types",
        Prefetch(
            "company__contacts", queryset=Contact.objects.filter(is_primary=True), to_attr="primary_contacts"
        ),
    )


def portfolio_for(butler: Butler, *, search: str = "", sort: str = "days_left") -> QuerySet:
    """The butler's companies in service, soonest end first by default."""
    periods = ServicePeriod.objects.active().filter(butler=butler)
    if search.strip():
        periods = periods.filter(company__in=Company.objects.search(search))
    return _with_company(periods.order_by(*PORTFOLIO_SORTS.get(sort, PORTFOLIO_SORTS["days_left"])))


def count_ending_within(periods, *, days: int, today: date) -> int:
    return sum(1 for period in periods if period.is_active and period.days_left(today) <= days)


def past_periods_for(butler: Butler) -> QuerySet:
    return _with_company(
        ServicePeriod.objects.filter(butler=butler).exclude(status=ServicePeriod.Status.ACTIVE)
    )


def periods_for_manager(*, status: str = "", butler_id: int | None = None, search: str = "") -> QuerySet:
    periods = ServicePeriod.objects.all()
    if status:
        periods = periods.filter(status=status)
    if butler_id:
        periods = periods.filter(butler_id=butler_id)
    if search.strip():
        periods = periods.filter(company__in=Company.objects.search(search))
    return _with_company(periods.order_by("-start_date", "-id"))


def companies_without_butler() -> QuerySet:
    return Company.objects.filter(service_periods__isnull=True).order_by("-registered_on")


@dataclass
class Workload:
    butler: Butler
    in_service: int
    ending_soon: int
    cards_issued: int
    completed: int


def butler_workload(*, today: date | None = None, ending_within_days: int = 30) -> list[Workload]:
    today = today or timezone.localdate()
    soon = today + timedelta(days=ending_within_days)
    active = Q(service_periods__status=ServicePeriod.Status.ACTIVE)
    butlers = Butler.objects.annotate(
        in_service=Count("service_periods", filter=active),
        ending_soon=Count("service_periods", filter=active & Q(service_periods__end_date__lte=soon)),
        cards_issued=Count("service_periods"),
        completed=Count("service_periods", filter=Q(service_periods__status=ServicePeriod.Status.COMPLETED)),
    ).order_by("-active", "display_name")
    return [Workload(b, b.in_service, b.ending_soon, b.cards_issued, b.completed) for b in butlers]


def company_page(company: Company) -> dict:
    """Everything the company page shows, loaded in a fixed number of queries."""
    contacts = list(company.contacts.select_related("user"))
    periods = list(company.service_periods.select_related("butler"))
    current = next((p for p in periods if p.is_active), None)
    return {
        "company": company,
        "business_types": list(company.business_types.all()),
        "contacts": contacts,
        "periods": periods,
        "current_period": current,
        "history": company_history(company),
    }


@dataclass
class HistoryEntry:
    when: datetime
    who: str
    what: str
    action: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)


def _describe(record, field_name: str, value, names: dict) -> str:
    from django.utils.translation import gettext

    model_field = record.instance_type._meta.get_field(field_name)
    if getattr(model_field, "choices", None):
        return str(dict(model_field.flatchoices).get(value, value))
    if model_field.is_relation and value is not None:
        return names.get((model_field.related_model, value), str(value))
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    return str(value)


def _entries(records: list, label, skip: set[str], names: dict, extra=None) -> list[HistoryEntry]:
    """Turn a model's history rows (oldest first) into entries with field-by-field changes."""
    from django.utils.translation import gettext

    actions = {"+": gettext("created"), "~": gettext("changed"), "-": gettext("deleted")}
    entries = []
    by_object: dict[int, object] = {}
    created_entry: dict[int, HistoryEntry] = {}
    for record in records:
        previous = by_object.get(record.id)
        by_object[record.id] = record
        changes = []
        if previous is not None:
            delta = record.diff_against(previous, excluded_fields=skip)
            for change in delta.changes:
                verbose = record.instance_type._meta.get_field(change.field).verbose_name
                changes.append(
                    (
                        str(verbose),
                        _describe(record, change.field, change.old, names),
                        _describe(record, change.field, change.new, names),
                    )
                )
            if extra is not None:
                changes.extend(extra(previous, record))
            if record.history_type == "~" and not changes:
                continue
            first = created_entry.pop(record.id, None)
            if first is not None and _same_act(previous, record):
                # Many-to-many values are set just after creation: show them as part of it.
                first.changes.extend(changes)
                continue
        user = record.history_user
        butler = getattr(user, "butler", None) if user is not None else None
        entry = HistoryEntry(
            when=record.history_date,
            who=(butler.display_name if butler else None)
            or (user and (user.get_full_name() or user.username))
            or gettext("system"),
            what=label(record),
            action=actions[record.history_type],
            changes=changes,
        )
        if record.history_type == "+":
            created_entry[record.id] = entry
        entries.append(entry)
    return entries


def _same_act(previous, record) -> bool:
    return (
        previous.history_type == "+"
        and previous.history_user_id == record.history_user_id
        and abs((record.history_date - previous.history_date).total_seconds()) < 2
    )


def _business_type_change(types: dict):
    from django.utils.translation import gettext

    def compare(previous, record) -> list[tuple[str, str, str]]:
        before = {row.businesstype_id for row in previous.historicalcompany_business_types_set.all()}
        after = {row.businesstype_id for row in record.historicalcompany_business_types_set.all()}
        if before == after:
            return []

        def show(ids):
            return "、".join(sorted(types[i].name for i in ids if i in types)) or "—"

        return [(gettext("business types"), show(before), show(after))]

    return compare


def company_history(company: Company, *, limit: int = 100) -> list[HistoryEntry]:
    """Who changed what, when: the company, its contacts and its service periods, newest first."""
    from django.utils.translation import gettext

    user_fields = ("history_user", "history_user__butler")
    company_rows = list(
        company.history.select_related(*user_fields)
        .prefetch_related("historicalcompany_business_types_set")
        .order_by("history_date", "history_id")
    )
    contact_rows = list(
        Contact.history.filter(company_id=company.pk)
        .select_related(*user_fields)
        .order_by("history_date", "history_id")
    )
    period_rows = list(
        ServicePeriod.history.filter(company_id=company.pk)
        .select_related(*user_fields)
        .order_by("history_date", "history_id")
    )
    butler_ids = {row.butler_id for row in period_rows}
    names = {(Butler, b.pk): b.display_name for b in Butler.objects.filter(pk__in=butler_ids)}
    types = {t.pk: t for t in BusinessType.objects.all()}
    entries = (
        _entries(
            company_rows,
            lambda r: gettext("Company profile"),
            {"created_at", "business_types"},
            names,
            extra=_business_type_change(types),
        )
        + _entries(contact_rows, lambda r: gettext("Contact %(name)s") % {"name": r.name}, {"user"}, names)
        + _entries(
            period_rows,
            lambda r: gettext("Service period %(card)s") % {"card": r.card_number},
            {"created_at", "previous"},
            names,
        )
    )
    order = {id(entry): n for n, entry in enumerate(entries)}
    entries.sort(key=lambda e: (e.when, order[id(e)]), reverse=True)
    return entries[:limit]


def contact_has_open_invitation(contact: Contact) -> bool:
    now = timezone.now()
    return PortalInvitation.objects.filter(
        contact=contact, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).exists()
