"""Newly registered transport companies imported from the market regulator's list: all rows or none.

The companies a butler should reach: each row is registered (``company_register``), its liaison as the
primary contact, with no butler until its first visit; a company already registered (the same credit code)
is left as it is, so the same list can be imported again. Consultations that named a new company join its
contact log. The reform's figure "new companies reached by a butler" counts over these.
"""

import re
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from butler.contactlog.services import enquiries_link
from companies.credit_code import normalize_credit_code, validate_credit_code
from companies.imports import (
    Column,
    Row,
    RowError,
    SheetErrors,
    choice,
    choice_lookup,
    parse_date,
    sheet_rows,
)
from companies.models import BusinessType, Company, District
from companies.phones import normalize_mobile, validate_mobile
from companies.services import Registration, company_register

COLUMNS = (
    Column("credit_code", ("统一社会信用代码", "credit code", "信用代码", "注册号")),
    Column("name", ("企业名称", "company name", "名称", "name")),
    Column("registered_on", ("成立日期", "registration date", "登记日期", "注册日期")),
    Column("address", ("住所", "address", "注册地址", "地址")),
    Column("legal_representative", ("法定代表人", "legal representative", "负责人")),
    Column("mobile", ("联系电话", "mobile", "手机", "联系人手机")),
    Column("district", ("所属区县", "district", "区县", "登记机关区划"), required=False),
    Column("business_types", ("业务类型", "business types", "经营类别"), required=False),
)
_SEPARATORS = re.compile(r"[、,，;；/\n]+")


@dataclass
class RegistrationsImport:
    created: int
    already: int = 0  # companies registered before, left as they are
    linked: int = 0  # consultations that joined a new company's contact log
    errors: list[RowError] = field(default_factory=list)


class _Refused(Exception):
    pass


def _lookup(pairs) -> dict[str, object]:
    return {str(name).strip().lower(): value for name, value in pairs}


def registrations_import(*, actor: AbstractBaseUser, uploaded) -> RegistrationsImport:
    """Register the companies of ``uploaded``, or none when any row is wrong (each problem named by line and
    column). ``ValidationError`` for a file that cannot be read as a table."""
    rows, labels = sheet_rows(uploaded, COLUMNS)
    return registrations_register(actor=actor, rows=rows, labels=labels)


def registrations_from_data(*, actor: AbstractBaseUser, companies: list[dict]) -> RegistrationsImport:
    """The same as :func:`registrations_import` for companies sent as data (the API): each a dict of the
    columns' fields (``business_types`` a list); a problem's line is the company's place in the list,
    from 1."""
    rows = [
        Row(
            index,
            {
                column.field: (
                    "、".join(company.get(column.field) or [])
                    if column.field == "business_types"
                    else str(company.get(column.field) or "").strip()
                )
                for column in COLUMNS
            },
        )
        for index, company in enumerate(companies, start=1)
    ]
    return registrations_register(actor=actor, rows=rows, labels={})


def registrations_register(*, actor: AbstractBaseUser, rows: list[Row], labels: dict) -> RegistrationsImport:
    """Register the companies of ``rows``, or none when any is wrong; one already registered (its credit
    code) is left as it is."""
    errors = SheetErrors(labels)
    error = errors.add

    districts = choice_lookup(District)
    types = _lookup(
        pair for t in BusinessType.objects.all() for pair in ((t.code, t), (t.name_zh, t), (t.name_en, t))
    )
    codes = [normalize_credit_code(row.values["credit_code"]) for row in rows]
    known = set(Company.objects.filter(credit_code__in=codes).values_list("credit_code", flat=True))
    seen: dict[str, int] = {}
    todo: list[tuple[int, Registration]] = []
    today = timezone.localdate()
    for row, code in zip(rows, codes, strict=True):
        values, line, wrong = row.values, row.line, len(errors)
        try:
            validate_credit_code(code)
        except ValidationError as refused:
            error(line, "credit_code", " ".join(refused.messages))
        if code in seen:
            error(line, "credit_code", _("The same company is on line %(line)s.") % {"line": seen[code]})
        seen.setdefault(code, line)
        if code in known:
            continue
        for name in ("name", "address", "legal_representative"):
            if not values[name]:
                error(line, name, _("This column cannot be empty."))
        try:
            registered_on = parse_date(values["registered_on"])
        except ValueError:
            registered_on = None
            error(line, "registered_on", _("Write the date as 2026-03-05."))
        if registered_on and registered_on > today:
            error(line, "registered_on", _("This date has not come yet."))
        mobile = normalize_mobile(values["mobile"])
        try:
            validate_mobile(mobile)
        except ValidationError as refused:
            error(line, "mobile", " ".join(refused.messages))
        district = choice(values.get("district") or settings.BUTLER_DISTRICT, districts)
        if district is None:
            error(line, "district", _("Unknown district: %(name)s.") % {"name": values["district"]})
        chosen = []
        for name in filter(
            None, (part.strip() for part in _SEPARATORS.split(values.get("business_types") or ""))
        ):
            if name.lower() not in types:
                error(line, "business_types", _("Unknown business type: %(name)s.") % {"name": name})
            else:
                chosen.append(types[name.lower()])
        if len(errors) == wrong:
            todo.append((line, _registration(values, code, registered_on, district, mobile, chosen)))
    if errors:
        return RegistrationsImport(created=0, errors=errors)
    linked = 0
    try:
        with transaction.atomic():
            for line, registration in todo:
                try:
                    company = company_register(actor=actor, registration=registration).company
                except ValidationError as refused:
                    for name, messages in refused.message_dict.items():
                        for message in messages:
                            error(line, "mobile" if name.startswith("contact_") else name, message)
                    continue
                linked += enquiries_link(actor=actor, company=company)
            if errors:
                raise _Refused
    except _Refused:
        return RegistrationsImport(created=0, errors=errors)
    return RegistrationsImport(created=len(todo), already=len(rows) - len(todo), linked=linked)


def _registration(
    values: dict, code: str, registered_on: date, district: str, mobile: str, types
) -> Registration:
    return Registration(
        name=values["name"],
        credit_code=code,
        registered_on=registered_on,
        district=district,
        address=values["address"],
        legal_representative=values["legal_representative"],
        contact_name=values["legal_representative"],
        contact_mobile=mobile,
        business_types=types,
    )
