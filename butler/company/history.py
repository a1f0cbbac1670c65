"""A company's change history, read from django-simple-history records and told in the user's words."""

from dataclasses import dataclass, field
from datetime import datetime

from butler.models import Butler, ServicePeriod
from companies.models import Company, Contact


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
    if value is None or value == "":
        return "—"
    if getattr(model_field, "choices", None):
        return str(dict(model_field.flatchoices).get(value, value))
    if model_field.is_relation:
        return names.get((model_field.related_model, value), str(value))
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    return str(value)


def history_entries(records: list, label, skip: set[str], names: dict, extra=None) -> list[HistoryEntry]:
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


def _business_type_change(previous, record) -> list[tuple[str, str, str]]:
    """The business types before and after a change of the company profile, if they changed."""
    from django.utils.translation import gettext

    from companies.selectors import business_types_from_text

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
    from django.utils.translation import gettext

    from companies.selectors import business_types_text

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
