"""A record's change history, read from django-simple-history and told in the user's words."""

from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext


def _same_act(previous, record) -> bool:
    return (
        previous.history_type == "+"
        and previous.history_user_id == record.history_user_id
        and abs((record.history_date - previous.history_date).total_seconds()) < 2
    )


@dataclass
class HistoryEntry:
    when: datetime
    who: str
    what: str
    action: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)


def _describe(record, field_name: str, value, names: dict) -> str:
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
