"""State changes of the registry. Every function validates, saves and records who acted."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from companies.credit_code import normalize_credit_code
from companies.lifecycle import CLOSED
from companies.models import BusinessType, Company, CompanyLicence, Contact, LicenceStatus, Obligation
from companies.phones import normalize_mobile
from companies.services.changes import PARTICULARS, company_changes_open
from companies.services.plan import licence_plan_sync


@dataclass(frozen=True)
class Registration:
    """What the window records about a new company and the person who came with its first matter."""

    name: str
    credit_code: str
    registered_on: date
    district: str
    address: str
    legal_representative: str
    contact_name: str
    contact_mobile: str
    contact_email: str = ""
    contact_position: str = ""
    business_types: Sequence[BusinessType] = field(default_factory=tuple)
    status: str = Company.Status.OPERATING


@dataclass(frozen=True)
class Registered:
    company: Company
    created: bool


def _save(instance, *, actor: AbstractBaseUser | None) -> None:
    instance.full_clean()
    instance._history_user = actor
    instance.save()


@transaction.atomic
def company_register(*, actor: AbstractBaseUser | None, registration: Registration) -> Registered:
    """Register a company with its primary contact, or hand back the one that has the code already.

    Validation errors about the contact come back keyed ``contact_<field>``.
    """
    code = normalize_credit_code(registration.credit_code)
    existing = Company.objects.filter(credit_code=code).first()
    if existing is not None:
        return Registered(company=existing, created=False)
    company = Company(
        name=registration.name.strip(),
        credit_code=code,
        registered_on=registration.registered_on,
        district=registration.district,
        address=registration.address.strip(),
        legal_representative=registration.legal_representative.strip(),
        status=registration.status,
    )
    company.full_clean()
    company._history_user = actor
    try:
        with transaction.atomic():
            company.save()
    except IntegrityError:
        # Another clerk registered the same code a moment ago: theirs stands.
        return Registered(company=Company.objects.get(credit_code=code), created=False)
    company.business_types.set(registration.business_types)
    licence_plan_sync(company=company, actor=actor)
    try:
        contact_add(
            actor=actor,
            company=company,
            name=registration.contact_name,
            mobile=registration.contact_mobile,
            email=registration.contact_email,
            position=registration.contact_position,
            is_primary=True,
        )
    except ValidationError as error:
        raise ValidationError(
            {f"contact_{key}": value for key, value in error.message_dict.items()}
        ) from error
    return Registered(company=company, created=True)


@transaction.atomic
def company_update(
    *,
    actor: AbstractBaseUser,
    company: Company,
    name: str | None = None,
    registered_on: date | None = None,
    district: str | None = None,
    address: str | None = None,
    legal_representative: str | None = None,
    status: str | None = None,
    business_types: Sequence[BusinessType] | None = None,
    changed_on: date | None = None,
) -> Company:
    """Change the profile; fields left as None stay as they are. A new name, address or legal representative
    (in effect from ``changed_on``, today unless told) asks for the change (变更) of every company licence
    held."""
    changes = {
        "name": name,
        "registered_on": registered_on,
        "district": district,
        "address": address,
        "legal_representative": legal_representative,
        "status": status,
    }
    particulars = {}
    for field_name, value in changes.items():
        if value is not None:
            value = value.strip() if isinstance(value, str) else value
            if field_name in PARTICULARS and company.pk and value != getattr(company, field_name):
                particulars[field_name] = (getattr(company, field_name), value)
            setattr(company, field_name, value)
    _save(company, actor=actor)
    if particulars:
        company_changes_open(
            actor=actor, company=company, changed=particulars, on=changed_on or timezone.localdate()
        )
    if business_types is not None:
        company._history_user = actor
        company.business_types.set(business_types)
        licence_plan_sync(company=company, actor=actor)
    return company


def _lock_company(company: Company) -> None:
    """Serialise changes to the company's contacts (one primary contact at a time)."""
    Company.objects.select_for_update().filter(pk=company.pk).values_list("pk", flat=True).first()


@transaction.atomic
def contact_add(
    *,
    actor: AbstractBaseUser | None,
    company: Company,
    name: str,
    mobile: str,
    email: str = "",
    position: str = "",
    is_primary: bool = False,
) -> Contact:
    _lock_company(company)
    is_primary = is_primary or not company.contacts.exists()
    contact = Contact(
        company=company,
        name=name.strip(),
        mobile=normalize_mobile(mobile),
        email=email.strip(),
        position=position.strip(),
        is_primary=False,
    )
    contact.full_clean()
    if is_primary:
        _demote_primary(company=company, actor=actor)
        contact.is_primary = True
    contact._history_user = actor
    contact.save()
    return contact


@transaction.atomic
def contact_update(
    *,
    actor: AbstractBaseUser,
    contact: Contact,
    name: str | None = None,
    mobile: str | None = None,
    email: str | None = None,
    position: str | None = None,
    is_primary: bool | None = None,
) -> Contact:
    """Change a contact. A company always keeps one primary contact: promote another to change it.

    The contact's portal account keeps its own e-mail address: the window cannot redirect a company's
    password resets.
    """
    _lock_company(contact.company)
    contact = Contact.objects.get(pk=contact.pk)
    for field_name, value in {"name": name, "email": email, "position": position}.items():
        if value is not None:
            setattr(contact, field_name, value.strip())
    if mobile is not None:
        contact.mobile = normalize_mobile(mobile)
    contact.full_clean()
    if is_primary and not contact.is_primary:
        _demote_primary(company=contact.company, actor=actor)
        contact.is_primary = True
    contact._history_user = actor
    contact.save()
    return contact


def _demote_primary(*, company: Company, actor: AbstractBaseUser | None) -> None:
    for current in company.contacts.filter(is_primary=True):
        current.is_primary = False
        current._history_user = actor
        current.save(update_fields=["is_primary"])


# A company that stops (停业) keeps its licences; one that closes down (歇业) or is deregistered (注销)
# ends them.
ENDING = {Company.Status.CLOSED, Company.Status.DEREGISTERED}
STATUS_STEPS = {
    Company.Status.PREPARING: {Company.Status.OPERATING, *ENDING},
    Company.Status.OPERATING: {Company.Status.SUSPENDED, *ENDING},
    Company.Status.SUSPENDED: {Company.Status.OPERATING, *ENDING},
    Company.Status.CLOSED: {Company.Status.DEREGISTERED},
    Company.Status.DEREGISTERED: set(),
}


@transaction.atomic
def company_status_change(
    *, actor: AbstractBaseUser | None, company: Company, status: str, on: date, reason: str
) -> Company:
    """The company stops for a while (停业), resumes, closes down (歇业) or is deregistered (注销).

    Closing down or deregistration ends what the company held: its licences are cancelled (注销) and those
    still to obtain are no longer required, its vehicles' and people's obligations end — each with the
    reason in its notes and history. Stopping keeps them: the licences stay valid and reminded."""
    company = Company.objects.select_for_update().get(pk=company.pk)
    if status not in STATUS_STEPS.get(company.status, set()):
        raise ValidationError(
            {
                "status": _("A company that is “%(current)s” cannot become “%(target)s”.")
                % {"current": company.get_status_display(), "target": Company.Status(status).label}
                if status in Company.Status.values
                else _("Choose the company's new status.")
            }
        )
    if on > timezone.localdate():
        raise ValidationError({"on": _("The date cannot be in the future.")})
    if company.status_since and on < company.status_since:
        raise ValidationError({"on": _("The date cannot come before the company's last change of status.")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason; it is kept in the record.")})
    company.status, company.status_since, company.status_reason = status, on, reason[:300]
    company._history_user = actor
    company.save(update_fields=["status", "status_since", "status_reason"])
    if status in ENDING:
        _end_holdings(actor, company, on, reason)
    return company


def _end_holdings(actor, company: Company, on: date, reason: str) -> None:
    stamp = f"{on:%Y-%m-%d} {company.get_status_display()}: {reason}"
    for licence in CompanyLicence.objects.select_for_update().filter(company=company):
        if licence.status in CLOSED:
            continue
        held = licence.issued_on is not None or licence.status == LicenceStatus.EXPIRED
        licence.status = LicenceStatus.CANCELLED if held else LicenceStatus.NOT_REQUIRED
        licence.set_aside_by_plan = False
        licence.notes = f"{licence.notes}\n{stamp}".strip()
        licence._history_user = actor
        licence.save(update_fields=["status", "set_aside_by_plan", "notes", "updated_at"])
    for obligation in Obligation.objects.select_for_update().filter(company=company, ended_on__isnull=True):
        obligation.ended_on = on
        obligation._history_user = actor
        obligation.save(update_fields=["ended_on", "updated_at"])
