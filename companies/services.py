"""State changes of the registry. Every function validates, saves and records who acted."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from companies.credit_code import normalize_credit_code
from companies.models import BusinessType, Company, Contact
from companies.phones import normalize_mobile


@dataclass(frozen=True)
class Registration:
    company: Company
    created: bool


def _save(instance, *, actor: AbstractBaseUser | None) -> None:
    instance.full_clean()
    instance._history_user = actor
    instance.save()


@transaction.atomic
def company_register(
    *,
    actor: AbstractBaseUser | None,
    name: str,
    credit_code: str,
    registered_on: date,
    district: str,
    address: str,
    legal_representative: str,
    business_types: Iterable[BusinessType],
    contact_name: str,
    contact_mobile: str,
    contact_email: str = "",
    contact_position: str = "",
    status: str = Company.Status.OPERATING,
) -> Registration:
    """Register a company with its primary contact, or hand back the one that has the code already."""
    code = normalize_credit_code(credit_code)
    existing = Company.objects.filter(credit_code=code).first()
    if existing is not None:
        return Registration(company=existing, created=False)
    company = Company(
        name=name.strip(),
        credit_code=code,
        registered_on=registered_on,
        district=district,
        address=address.strip(),
        legal_representative=legal_representative.strip(),
        status=status,
    )
    company.full_clean()
    company._history_user = actor
    try:
        with transaction.atomic():
            company.save()
    except IntegrityError:
        # Another clerk registered the same code a moment ago: theirs stands.
        return Registration(company=Company.objects.get(credit_code=code), created=False)
    company.business_types.set(business_types)
    contact_add(
        actor=actor,
        company=company,
        name=contact_name,
        mobile=contact_mobile,
        email=contact_email,
        position=contact_position,
        is_primary=True,
    )
    return Registration(company=company, created=True)


@transaction.atomic
def company_update(
    *,
    actor: AbstractBaseUser,
    company: Company,
    business_types: Iterable[BusinessType] | None = None,
    **fields,
) -> Company:
    allowed = {"name", "registered_on", "district", "address", "legal_representative", "status"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"company_update() cannot change {', '.join(sorted(unknown))}")
    for field, value in fields.items():
        setattr(company, field, value.strip() if isinstance(value, str) else value)
    _save(company, actor=actor)
    if business_types is not None:
        company._history_user = actor
        company.business_types.set(business_types)
    return company


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
    if is_primary:
        _demote_primary(company=company, actor=actor)
    contact = Contact(
        company=company,
        name=name.strip(),
        mobile=normalize_mobile(mobile),
        email=email.strip(),
        position=position.strip(),
        is_primary=is_primary or not company.contacts.exists(),
    )
    _save(contact, actor=actor)
    return contact


@transaction.atomic
def contact_update(*, actor: AbstractBaseUser, contact: Contact, **fields) -> Contact:
    allowed = {"name", "mobile", "email", "position", "is_primary"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"contact_update() cannot change {', '.join(sorted(unknown))}")
    if "mobile" in fields:
        fields["mobile"] = normalize_mobile(fields["mobile"])
    if fields.get("is_primary") and not contact.is_primary:
        _demote_primary(company=contact.company, actor=actor)
    if fields.get("is_primary") is False and contact.is_primary:
        fields.pop("is_primary")  # a company always keeps one primary contact; promote another instead
    for field, value in fields.items():
        setattr(contact, field, value.strip() if isinstance(value, str) else value)
    _save(contact, actor=actor)
    if contact.user_id and ("email" in fields):
        contact.user.email = contact.email
        contact.user.save(update_fields=["email"])
    return contact


def _demote_primary(*, company: Company, actor: AbstractBaseUser | None) -> None:
    for current in company.contacts.select_for_update().filter(is_primary=True):
        current.is_primary = False
        current._history_user = actor
        current.save(update_fields=["is_primary"])
