"""Changes of a held licence (变更): opened when the company's registered particulars change or its scope is
to change, applied for as a matter of their own, decided by the authority. The licence keeps its validity;
a change still to be applied for is reminded by its date (``CompanyLicence.change_by``)."""

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from companies.lifecycle import HELD
from companies.models import (
    BusinessScope,
    ChangeItem,
    ChangeStatus,
    Company,
    CompanyLicence,
    LicenceChange,
    LicenceChannel,
    LicenceScope,
    Trip,
    TripEvent,
)
from companies.services.licences import application_open

# The company's registered particulars, and the change each one asks of its licences.
PARTICULARS = {
    "name": ChangeItem.NAME,
    "address": ChangeItem.ADDRESS,
    "legal_representative": ChangeItem.LEGAL_REPRESENTATIVE,
}


def _change_by_refresh(licence: CompanyLicence, actor) -> None:
    """The licence's reminder date: the earliest change still to be applied for."""
    first = (
        licence.changes.filter(status=ChangeStatus.TO_FILE)
        .order_by("file_by")
        .values_list("file_by", flat=True)
    ).first()
    if first != licence.change_by:
        licence.change_by = first
        licence._history_user = actor
        licence.save(update_fields=["change_by", "updated_at"])


@transaction.atomic
def licence_change_open(
    *,
    actor: AbstractBaseUser | None,
    licence: CompanyLicence,
    item: str,
    on: date,
    after: str = "",
    before: str = "",
    scopes: Iterable[BusinessScope] | None = None,
) -> LicenceChange:
    """A held licence to change: what, from when (``on``), to what; applied for within
    ``BUTLER_CHANGE_FILE_DAYS``. The same item noted again while still to be applied for is updated."""
    licence = (
        CompanyLicence.objects.select_for_update(of=("self",))
        .select_related("licence_type")
        .get(pk=licence.pk)
    )
    if item not in ChangeItem.values:
        raise ValidationError({"item": _("Choose what changes.")})
    if licence.status not in HELD:
        raise ValidationError(_("Only a licence held can be changed; apply for it instead."))
    if on > timezone.localdate():
        raise ValidationError({"on": _("The date cannot be in the future.")})
    scopes = list(scopes or ())
    after = after.strip()
    if item == ChangeItem.SCOPE:
        if not licence.licence_type.has_business_scope:
            raise ValidationError({"item": _("This licence has no business scope to change.")})
        if not scopes:
            raise ValidationError({"scopes": _("Tick the business scope as it is to be.")})
        # Kept in the window's language, as registered; the page shows the scopes in the reader's.
        after = "、".join(scope.name_zh for scope in scopes)
        before = "、".join(scope.name_zh for scope in licence.business_scopes.all())
    elif not after:
        raise ValidationError({"after": _("Enter it as it is now.")})
    change = licence.changes.filter(item=item, status=ChangeStatus.TO_FILE).first() or LicenceChange(
        licence=licence, item=item, before=before.strip()
    )
    change.after = after
    change.noticed_on = on
    change.file_by = on + timedelta(days=settings.BUTLER_CHANGE_FILE_DAYS)
    change.full_clean(exclude=["licence", "application"])
    change._history_user = actor
    change.save()
    if item == ChangeItem.SCOPE:
        change._history_user = actor
        change.scopes.set(scopes)
    _change_by_refresh(licence, actor)
    return change


def company_changes_open(
    *, actor: AbstractBaseUser | None, company: Company, changed: dict[str, tuple[str, str]], on: date
) -> list[LicenceChange]:
    """The company's name, address or legal representative changed (``changed``: field → before, after):
    every company licence it holds is to be changed accordingly."""
    items = {PARTICULARS[name]: values for name, values in changed.items() if name in PARTICULARS}
    if not items:
        return []
    held = company.licences.filter(status__in=HELD, licence_type__scope=LicenceScope.COMPANY)
    return [
        licence_change_open(actor=actor, licence=licence, item=item, on=on, before=before, after=after)
        for licence in held
        for item, (before, after) in items.items()
    ]


@transaction.atomic
def licence_changes_file(
    *,
    actor: AbstractBaseUser | None,
    changes: Sequence[LicenceChange],
    on: date,
    channel: str,
    by_proxy: bool = False,
    authorisation: str = "",
) -> list[LicenceChange]:
    """The changes applied for together, as one matter; handed in at the window, one visit."""
    if not changes:
        raise ValidationError({"changes": _("Tick the changes applied for.")})
    changes = list(
        LicenceChange.objects.select_for_update(of=("self",))
        .select_related("licence__company")
        .filter(pk__in=[change.pk for change in changes])
        .order_by("pk")
    )
    companies = {change.licence.company_id for change in changes}
    if len(companies) != 1:
        raise ValidationError({"changes": _("One matter is one company's.")})
    if any(change.status != ChangeStatus.TO_FILE for change in changes):
        raise ValidationError({"changes": _("Only changes still to be applied for can be applied for.")})
    today = timezone.localdate()
    if on > today:
        raise ValidationError({"on": _("The date cannot be in the future.")})
    if any(on < change.noticed_on for change in changes):
        raise ValidationError({"on": _("A change cannot be applied for before it took effect.")})
    company = changes[0].licence.company
    application = application_open(
        actor=actor, company=company, on=on, channel=channel, by_proxy=by_proxy, authorisation=authorisation
    )
    for change in changes:
        change.status, change.filed_on, change.application = ChangeStatus.FILED, on, application
        change._history_user = actor
        change.save()
    if channel == LicenceChannel.WINDOW and not by_proxy:
        trip = Trip(
            application=application,
            licence=changes[0].licence,
            event=TripEvent.ACCEPTED,
            date=on,
            purpose=str(TripEvent.ACCEPTED.label),
            recorded_by=actor,
        )
        trip._history_user = actor
        trip.save()
    for licence in {change.licence_id: change.licence for change in changes}.values():
        _change_by_refresh(licence, actor)
    return changes


@transaction.atomic
def licence_change_decide(
    *,
    actor: AbstractBaseUser | None,
    change: LicenceChange,
    on: date,
    approved: bool,
    certificate_number: str = "",
    refusal_reasons: str = "",
) -> LicenceChange:
    """The authority's decision on a change applied for: approved, the certificate is reissued with the
    new particulars (a new number where it has one; the validity stays) and a scope change takes effect;
    refused, with written reasons."""
    change = LicenceChange.objects.select_for_update(of=("self",)).select_related("licence").get(pk=change.pk)
    if change.status != ChangeStatus.FILED:
        raise ValidationError(_("Only a change applied for can be decided."))
    if on > timezone.localdate():
        raise ValidationError({"on": _("The date cannot be in the future.")})
    if on < change.filed_on:
        raise ValidationError({"on": _("The decision cannot come before the application.")})
    licence = change.licence
    if approved:
        change.status = ChangeStatus.DONE
        number = certificate_number.strip()
        if number and number != licence.certificate_number:
            licence.certificate_number = number
            licence._history_user = actor
            licence.save(update_fields=["certificate_number", "updated_at"])
        if change.item == ChangeItem.SCOPE:
            licence._history_user = actor
            licence.business_scopes.set(change.scopes.all())
    else:
        refusal_reasons = refusal_reasons.strip()
        if not refusal_reasons:
            raise ValidationError({"refusal_reasons": _("Write down the reasons for the refusal.")})
        change.status, change.refusal_reasons = ChangeStatus.REFUSED, refusal_reasons
    change.decided_on = on
    change._history_user = actor
    change.save()
    return change


@transaction.atomic
def licence_change_withdraw(*, actor: AbstractBaseUser | None, change: LicenceChange) -> LicenceChange:
    """Not needed after all (a typing error corrected, say), or the application withdrawn."""
    change = LicenceChange.objects.select_for_update(of=("self",)).select_related("licence").get(pk=change.pk)
    if not change.is_open:
        raise ValidationError(_("This change is already decided."))
    change.status = ChangeStatus.WITHDRAWN
    change._history_user = actor
    change.save()
    _change_by_refresh(change.licence, actor)
    return change
