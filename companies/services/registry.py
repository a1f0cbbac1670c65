"""State changes of the registry. Every function validates, saves and records who acted."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from companies.credit_code import normalize_credit_code
from companies.models import BusinessType, Company, Contact
from companies.phones import normalize_mobile
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
) -> Company:
    """Change the profile; fields left as None stay as they are."""
    changes = {
        "name": name,
        "registered_on": registered_on,
        "district": district,
        "address": address,
        "legal_representative": legal_representative,
        "status": status,
    }
    for field_name, value in changes.items():
        if value is not None:
            setattr(company, field_name, value.strip() if isinstance(value, str) else value)
    _save(company, actor=actor)
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
