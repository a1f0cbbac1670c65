"""Vehicles or people imported from a CSV or XLSX file: all rows or none.

Every row is checked first — by the model's own validators, plus plates repeated in the file or already
registered — and each problem is reported with its spreadsheet line (the header is line 1). Only a file
without problems is saved, in one transaction, and the licence plan is re-derived once at the end.
"""

import csv
import io
import itertools
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

import openpyxl
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from companies.models import (
    Company,
    CompanyLicence,
    LicenceStatus,
    Obligation,
    Person,
    PersonRole,
    Vehicle,
    VehicleType,
)
from companies.phones import normalize_mobile
from companies.plates import normalize_plate
from companies.services import (
    licence_plan_sync,
    licence_record_held,
    obligation_record,
    person_add,
    person_update,
    vehicle_add,
    vehicle_update,
)
from companies.services.plan import DANGEROUS_GOODS_ROLES
from companies.services.subjects import ROLE_OUTSIDE_DANGEROUS_GOODS, carries_dangerous_goods

KINDS = ("vehicles", "people")
DEFAULT_MAX_BYTES = 2 * 1024 * 1024
DEFAULT_MAX_ROWS = 5000

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls
_UTF8_BOM = b"\xef\xbb\xbf"


@dataclass
class RowError:
    line: int
    field: str  # the model field, e.g. "plate"; "" when the row as a whole is refused
    message: str
    label: str = ""  # the column as headed in the uploaded file, e.g. "车牌号"


class SheetErrors(list):
    """The problems of an import, each named by its line and by its column as headed in the file; the other
    imports (12345 work orders, new registrations) collect theirs here too."""

    def __init__(self, labels: dict[str, str]):
        super().__init__()
        self.labels = labels

    def add(self, line: int, name: str, message) -> None:
        self.append(RowError(line, name, str(message), self.labels.get(name, "")))


@dataclass
class ImportResult:
    created: int
    errors: list[RowError] = field(default_factory=list)
    updated: int = 0  # rows of vehicles already in the company's fleet, brought up to date


@dataclass(frozen=True)
class Column:
    field: str
    headers: tuple[str, ...]  # the Chinese header first, then the English one, then other accepted names
    required: bool = True


COLUMNS: dict[str, tuple[Column, ...]] = {
    "vehicles": (
        Column("plate", ("车牌号", "plate", "车牌", "车牌号码", "plate number")),
        Column("vehicle_type", ("车辆类型", "type", "vehicle type", "vehicle_type")),
        Column("total_mass_kg", ("总质量(kg)", "total mass (kg)", "总质量", "total_mass_kg", "total mass")),
        Column(
            "registered_on", ("初次登记日期", "first registered", "注册日期", "registered on"), required=False
        ),
        Column(
            "inspected_on", ("最近检验日期", "last inspection", "检验日期", "inspected on"), required=False
        ),
        Column(
            "insurance_until",
            ("交强险到期日", "compulsory insurance until", "交强险到期", "交强险有效期至"),
            required=False,
        ),
        Column(
            "liability_until",
            (
                "承运人责任险到期日",
                "carrier liability insurance until",
                "承运人责任险到期",
                "承运人责任险有效期至",
            ),
            required=False,
        ),
    ),
    "people": (
        Column("name", ("姓名", "name")),
        Column("role", ("岗位", "role")),
        Column("mobile", ("手机", "mobile", "手机号", "手机号码"), required=False),
        Column(
            "qualification_number",
            ("从业资格证号", "qualification certificate number", "从业资格证编号", "资格证号"),
            required=False,
        ),
        Column(
            "qualification_until",
            ("从业资格证有效期至", "qualification valid until", "从业资格证到期日", "资格证有效期至"),
            required=False,
        ),
        Column("assessed_on", ("诚信考核日期", "last integrity assessment", "诚信考核"), required=False),
        Column("educated_on", ("继续教育日期", "last continuing education", "继续教育"), required=False),
    ),
}

# Names that companies' own sheets and vehicle licences use, besides the labels in either language.
_ALIASES: dict[str, tuple[str, ...]] = {
    VehicleType.TRUCK: ("货车", "普通货车", "载货汽车", "重型货车", "中型货车", "轻型货车", "重型普通货车"),
    VehicleType.TRACTOR: ("牵引车", "半挂牵引车", "重型半挂牵引车"),
    VehicleType.TRAILER: ("挂车", "半挂车", "重型半挂车", "重型普通半挂车"),
    VehicleType.TANKER: ("罐车", "罐式货车", "重型罐式货车", "危险品罐车", "危险货物罐车"),
    VehicleType.VAN: ("面包车", "轻型厢式货车", "微型厢式货车"),
    VehicleType.BUS: ("客车", "大客车", "大型客车", "中型客车", "大型普通客车", "中型普通客车"),
    VehicleType.TRAINING: ("教练车",),
    PersonRole.DRIVER: ("驾驶员", "司机", "驾驶人"),
    PersonRole.ESCORT: ("押运员", "押运人员"),
    PersonRole.LOADER: ("装卸管理人员", "装卸管理员"),
}

_PARENTHESISED = re.compile(r"^(.*)\((.*)\)$")


def _key(value: str) -> str:
    """Headers and choice names compare without case, spaces or full-width punctuation."""
    return re.sub(r"\s+", "", value.replace("（", "(").replace("）", ")")).lower()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


@dataclass
class Row:
    line: int
    values: dict[str, str]
    dates: dict = field(default_factory=dict)  # the obligations' dates of a vehicle row


# -- reading the file ---------------------------------------------------------------------------------


def _read_limited(uploaded, limit: int) -> bytes:
    if uploaded.size is not None and uploaded.size > limit:
        raise _too_large(limit)
    uploaded.seek(0)
    data = bytearray()
    for chunk in uploaded.chunks():
        data += chunk
        if len(data) > limit:
            raise _too_large(limit)
    return bytes(data)


def _too_large(limit: int) -> ValidationError:
    return ValidationError(
        _("The file is larger than %(size)s MB. Split it into smaller files."),
        code="too_large",
        params={"size": round(limit / (1024 * 1024), 1)},
    )


def _not_a_table() -> ValidationError:
    return ValidationError(
        _(
            "This is neither an Excel workbook (.xlsx) nor a CSV text file. In Excel, choose "
            "“Save as” and pick “Excel workbook (.xlsx)” or “CSV UTF-8”."
        ),
        code="format",
    )


def _xlsx_rows(data: bytes) -> list[list[str]]:
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a zip that is not a workbook
        raise _not_a_table() from error
    try:
        sheet = workbook.active or workbook.worksheets[0]
        sheet.reset_dimensions()  # some programs write wrong dimensions; read what is really there
        # Stop reading past the row limit: a small workbook can unpack into a huge sheet.
        limit = getattr(settings, "BUTLER_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS) + 50
        return [
            [_cell(value) for value in row]
            for row in itertools.islice(sheet.iter_rows(values_only=True), limit)
        ]
    finally:
        workbook.close()


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise _not_a_table()
    # GB18030 is what Chinese Excel writes when asked for plain "CSV".
    encodings = ("utf-8-sig",) if data.startswith(_UTF8_BOM) else ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if any(ord(char) < 32 and char not in "\t\r\n" for char in text):
            raise _not_a_table()
        return text
    raise _not_a_table()


def _csv_rows(data: bytes) -> list[list[str]]:
    text = _decode(data)
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(",;\t", key=first_line.count) if first_line else ","
    try:
        return [
            [_cell(value) for value in row]
            for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        ]
    except csv.Error as error:
        raise _not_a_table() from error


def _table(data: bytes) -> list[list[str]]:
    if not data.strip():
        raise ValidationError(_("The file is empty."), code="empty")
    if data.startswith(_ZIP_MAGIC):
        return _xlsx_rows(data)
    if data.startswith(_OLE_MAGIC):
        raise ValidationError(
            _("Old Excel files (.xls) are not accepted. Save the sheet as .xlsx or CSV UTF-8."), code="xls"
        )
    return _csv_rows(data)


def sheet_rows(uploaded, columns: tuple[Column, ...]) -> tuple[list[Row], dict[str, str]]:
    """Read an uploaded CSV or XLSX file under the size and row limits: its data rows keyed by column field
    (each with its spreadsheet line), and each field's header as written in the file. ``ValidationError``
    for a file that cannot be read as a table or lacks a required column. Other imports read through here."""
    data = _read_limited(uploaded, getattr(settings, "BUTLER_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))
    return _rows(_table(data), columns)


def _rows(table: list[list[str]], columns: tuple[Column, ...]) -> tuple[list[Row], dict[str, str]]:
    """The data rows keyed by model field, and each field's header as written in the file."""
    max_rows = getattr(settings, "BUTLER_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS)
    header_index = next((i for i, row in enumerate(table) if any(row)), None)
    if header_index is None:
        raise ValidationError(_("The file is empty."), code="empty")
    by_header = {_key(header): column for column in columns for header in column.headers}
    positions: dict[str, int] = {}
    labels: dict[str, str] = {}
    for position, header in enumerate(table[header_index]):
        column = by_header.get(_key(header))
        if column is not None and column.field not in positions:
            positions[column.field] = position
            labels[column.field] = header
    missing = [column for column in columns if column.required and column.field not in positions]
    if missing:
        raise ValidationError(
            _("The header row lacks these columns: %(columns)s."),
            code="columns",
            params={"columns": ", ".join(f"{c.headers[0]} / {c.headers[1]}" for c in missing)},
        )
    rows = []
    for index in range(header_index + 1, len(table)):
        cells = table[index]
        if not any(cells):
            continue
        values = {name: cells[pos] if pos < len(cells) else "" for name, pos in positions.items()}
        rows.append(Row(line=index + 1, values=values))
        if len(rows) > max_rows:
            raise ValidationError(
                _("The file has more than %(count)s rows. Split it into smaller files."),
                code="too_many_rows",
                params={"count": max_rows},
            )
    if not rows:
        raise ValidationError(_("The file has a header row but no rows under it."), code="no_rows")
    return rows, labels


# -- checking the rows --------------------------------------------------------------------------------


def choice_lookup(choices) -> dict[str, str]:
    lookup = {}
    for value, label in choices.choices:
        names = {value, *_ALIASES.get(value, ())}
        for language in ("en", "zh-hans"):
            with translation.override(language):
                names.add(str(label))
        names.add(str(label))
        lookup.update({_key(name): value for name in names})
    return lookup


def choice(text: str, lookup: dict[str, str]) -> str | None:
    """A choice by its value or label; "重型货车 (truck)" is understood by either part."""
    found = lookup.get(_key(text))
    if found is None and (match := _PARENTHESISED.match(_key(text))):
        found = lookup.get(match.group(2)) or lookup.get(match.group(1))
    return found


def _choice_names(choices) -> str:
    return ", ".join(str(label) for _value, label in choices.choices)


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]00:00(?::00)?)?$")


_TIME = re.compile(r"^(.*?)[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def parse_moment(text: str) -> datetime:
    """A date with an optional time of day (2026-03-05 09:12, 2026/3/5 9:12:30, a workbook's date-time
    cell), naive: the caller reads it on the window's clock. ``ValueError`` for anything else."""
    match = _TIME.match(text.strip())
    if match is None:
        return datetime.combine(parse_date(text), time())
    day, hour, minute, second = match.groups()
    return datetime.combine(parse_date(day), time(int(hour), int(minute), int(second or 0)))


def parse_date(text: str) -> date:
    """2026-01-05, 2026/1/5, 2026.01.05, 2026年1月5日, 20260105, or a workbook's date cell."""
    text = text.strip()
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    match = _DATE.match(text)
    if match is None:
        raise ValueError(text)
    return date(*(int(part) for part in match.groups()))  # ValueError for 2026-02-30


# Optional date columns of the vehicle sheet, and the obligation each one records.
DATED_OBLIGATIONS = {
    "inspected_on": "vehicle_inspection",
    "insurance_until": "compulsory_insurance",
    "liability_until": "carrier_liability_insurance",
}


# Optional date columns of the people sheet, and the obligation each one records.
PERSON_OBLIGATIONS = {
    "assessed_on": "driver_integrity_assessment",
    "educated_on": "continuing_education",
}
QUALIFICATION = "driver_qualification"


def _mass(text: str) -> int | None:
    try:
        number = Decimal(text.replace(",", "").replace(" ", ""))
    except InvalidOperation:
        raise ValueError(text) from None
    if not number.is_finite() or number.adjusted() > 9 or number != number.to_integral_value():
        raise ValueError(text)  # a mass beyond a billion kilograms is a typing error, not a vehicle
    return int(number)


class _Checker:
    def __init__(self, kind: str, company: Company, labels: dict[str, str]):
        self.kind = kind
        self.company = company
        self.labels = labels
        self.errors: list[RowError] = []
        self.lookup = choice_lookup(VehicleType if kind == "vehicles" else PersonRole)
        self.dangerous_goods = kind == "people" and carries_dangerous_goods(company)

    def error(self, line: int, name: str, message) -> None:
        self.errors.append(
            RowError(line=line, field=name, message=str(message), label=self.labels.get(name, ""))
        )

    def model_errors(self, line: int, error: ValidationError) -> None:
        for name, messages in error.message_dict.items():
            for message in messages:
                self.error(line, "" if name == "__all__" else name, message)

    def vehicle(self, row: Row) -> dict:
        values, refused = row.values, set()
        fields = {"plate": normalize_plate(values["plate"])}
        type_text = values["vehicle_type"]
        fields["vehicle_type"] = choice(type_text, self.lookup) if type_text else ""
        if fields["vehicle_type"] is None:
            refused.add("vehicle_type")
            self.error(
                row.line,
                "vehicle_type",
                _("Unknown vehicle type “%(value)s”. Use one of: %(choices)s.")
                % {"value": type_text, "choices": _choice_names(VehicleType)},
            )
        mass_text = values["total_mass_kg"]
        try:
            fields["total_mass_kg"] = _mass(mass_text) if mass_text else None
        except ValueError:
            fields["total_mass_kg"] = None
            refused.add("total_mass_kg")
            self.error(
                row.line,
                "total_mass_kg",
                _("“%(value)s” is not a whole number of kilograms, e.g. 18000.") % {"value": mass_text},
            )
        if mass_text == "":
            refused.add("total_mass_kg")
            self.error(row.line, "total_mass_kg", _("Enter the total mass in kilograms."))
        dates = self.dates(row, ("registered_on", *DATED_OBLIGATIONS))
        fields["registered_on"] = dates.pop("registered_on", None)
        self.clean(row.line, Vehicle(company=self.company, **fields), {"registered_on", *refused})
        row.dates = dates
        return fields

    def person(self, row: Row) -> dict:
        values, refused = row.values, set()
        fields = {"name": values["name"], "mobile": normalize_mobile(values.get("mobile", ""))}
        role_text = values["role"]
        fields["role"] = choice(role_text, self.lookup) if role_text else ""
        if fields["role"] is None:
            refused.add("role")
            self.error(
                row.line,
                "role",
                _("Unknown role “%(value)s”. Use one of: %(choices)s.")
                % {"value": role_text, "choices": _choice_names(PersonRole)},
            )
        elif fields["role"] in DANGEROUS_GOODS_ROLES and not self.dangerous_goods:
            refused.add("role")
            self.error(row.line, "role", ROLE_OUTSIDE_DANGEROUS_GOODS)
        self.clean(row.line, Person(company=self.company, **fields), refused)
        row.dates = self.dates(row, ("qualification_until", *PERSON_OBLIGATIONS))
        number = values.get("qualification_number", "")
        if number and "qualification_until" not in row.dates and not values.get("qualification_until"):
            self.error(row.line, "qualification_until", _("Give the date the certificate is valid until."))
        if row.dates.get("qualification_until") and not number:
            self.error(row.line, "qualification_number", _("Enter the certificate number."))
        if len(number) > 40:
            self.error(
                row.line, "qualification_number", _("The certificate number is at most 40 characters.")
            )
        return fields

    def dates(self, row: Row, names) -> dict:
        dates = {}
        for name in names:
            text = row.values.get(name, "")
            if not text:
                continue
            try:
                dates[name] = parse_date(text)
            except ValueError:
                self.error(row.line, name, _("“%(value)s” is not a date, e.g. 2026-01-05.") % {"value": text})
        return dates

    def clean(self, line: int, instance, refused: set[str]) -> None:
        try:
            # No query per row: the company is given, and plates are checked for all rows at once.
            instance.full_clean(
                exclude={"company", *refused}, validate_unique=False, validate_constraints=False
            )
        except ValidationError as error:
            self.model_errors(line, error)

    def plates(self, rows: list[Row], fields: list[dict]) -> None:
        first_line: dict[str, int] = {}
        plates = {f["plate"] for f in fields if f["plate"]}
        registered = dict(
            Vehicle.objects.in_fleet().filter(plate__in=plates).values_list("plate", "company_id")
        )
        for row, data in zip(rows, fields, strict=True):
            plate = data["plate"]
            if not plate:
                continue
            if plate in first_line:
                self.error(
                    row.line,
                    "plate",
                    _("The plate %(plate)s is also on line %(line)s.")
                    % {"plate": plate, "line": first_line[plate]},
                )
            else:
                first_line[plate] = row.line
            if plate in registered and registered[plate] != self.company.pk:
                message = _("The plate %(plate)s is already registered for another company.")
                self.error(row.line, "plate", message % {"plate": plate})

    def people(self, rows: list[Row], fields: list[dict]) -> None:
        """The same person twice in the file is refused (one already on the company's list is updated)."""
        first_line: dict[tuple[str, str], int] = {}
        for row, data in zip(rows, fields, strict=True):
            key = (data["name"], data["role"])
            if not all(key):
                continue
            if key in first_line:
                self.error(
                    row.line,
                    "name",
                    _("%(name)s is also on line %(line)s.") % {"name": key[0], "line": first_line[key]},
                )
            else:
                first_line[key] = row.line


# -- the service --------------------------------------------------------------------------------------


class _Refused(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__()
        self.errors = errors


def subjects_import(*, actor: AbstractBaseUser | None, company: Company, kind: str, uploaded) -> ImportResult:
    """Import every row of ``uploaded`` as vehicles or people of the company, or none of them.

    A vehicle already in the company's fleet is brought up to date (type, mass, first registration), so the
    same sheet can be imported again; its inspection and insurance dates, where given, are recorded as the
    fleet's obligations; a person already on the list likewise (mobile, qualification certificate, the dates
    of the integrity assessment and continuing education). Raises ``ValidationError`` for a file that
    cannot be read as a table; returns the row problems, with nothing saved, when any row is wrong.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown import kind {kind!r}")
    rows, labels = sheet_rows(uploaded, COLUMNS[kind])

    checker = _Checker(kind, company, labels)
    if kind == "vehicles":
        fields = [checker.vehicle(row) for row in rows]
        checker.plates(rows, fields)
    else:
        fields = [checker.person(row) for row in rows]
        checker.people(rows, fields)
    if checker.errors:
        return ImportResult(created=0, errors=sorted(checker.errors, key=lambda e: e.line))

    add = vehicle_add if kind == "vehicles" else person_add
    if kind == "vehicles":
        known = {vehicle.plate: vehicle for vehicle in company.vehicles.in_fleet()}
    else:
        known = {(person.name, person.role): person for person in company.people.all()}
    created = updated = 0
    try:
        with transaction.atomic():
            subjects = []
            for row, data in zip(rows, fields, strict=True):
                try:
                    if kind == "vehicles" and data["plate"] in known:
                        subjects.append(vehicle_update(actor=actor, vehicle=known[data["plate"]], **data))
                        updated += 1
                    elif kind == "people" and (data["name"], data["role"]) in known:
                        person = known[(data["name"], data["role"])]
                        subjects.append(person_update(actor=actor, person=person, mobile=data["mobile"]))
                        updated += 1
                    else:
                        subjects.append(add(actor=actor, company=company, sync_plan=False, **data))
                        created += 1
                except ValidationError as error:  # e.g. the same plate registered a moment ago
                    checker.model_errors(row.line, error)
                    raise _Refused(checker.errors) from error
            licence_plan_sync(company=company, actor=actor)
            if kind == "vehicles":
                _record_dates(actor, checker, rows, subjects)
            else:
                _record_qualifications(actor, checker, rows, subjects)
    except _Refused as refused:
        return ImportResult(created=0, errors=refused.errors)
    return ImportResult(created=created, updated=updated)


def _record_dates(actor, checker: _Checker, rows: list[Row], vehicles: list[Vehicle]) -> None:
    """Each vehicle's inspection and insurance dates recorded as its obligations (a policy from its
    expiry: valid for a year up to it)."""
    for row, vehicle in zip(rows, vehicles, strict=True):
        for name, day in row.dates.items():
            if name == "inspected_on":
                done_on, valid_until = day, None
            else:
                done_on, valid_until = (
                    min(day - relativedelta(years=1) + timedelta(days=1), timezone.localdate()),
                    day,
                )
            _record_obligation(
                actor,
                checker,
                row.line,
                name,
                Obligation.objects.filter(vehicle=vehicle),
                DATED_OBLIGATIONS[name],
                done_on,
                valid_until,
            )
    if checker.errors:
        raise _Refused(sorted(checker.errors, key=lambda e: e.line))


def _record_obligation(actor, checker, line, name, obligations, code, done_on, valid_until=None) -> None:
    obligation = obligations.filter(obligation_type__code=code, ended_on__isnull=True).first()
    if obligation is None:
        checker.error(line, name, _("There is no such obligation for it in this company's business."))
        return
    try:
        obligation_record(
            actor=actor, obligation=obligation, done_on=done_on, valid_until=valid_until, from_sheet=True
        )
    except ValidationError as error:
        _service_errors(checker, line, name, error)


def _service_errors(checker: _Checker, line: int, name: str, error: ValidationError) -> None:
    messages = error.message_dict.values() if hasattr(error, "error_dict") else [error.messages]
    for group in messages:
        for message in group:
            checker.error(line, name, message)


def _record_qualifications(actor, checker: _Checker, rows: list[Row], people: list[Person]) -> None:
    """Each person's qualification certificate (number and expiry) recorded as held, and the dates of
    their integrity assessment and continuing education as their obligations."""
    for row, person in zip(rows, people, strict=True):
        number, until = row.values.get("qualification_number", ""), row.dates.get("qualification_until")
        if number and until:
            licence = (
                CompanyLicence.objects.filter(person=person, licence_type__code=QUALIFICATION)
                .exclude(status=LicenceStatus.NOT_REQUIRED)
                .first()
            )
            if licence is None:
                checker.error(
                    row.line,
                    "qualification_number",
                    _("No qualification certificate is needed for this person in this company's business."),
                )
            else:
                try:
                    licence_record_held(
                        actor=actor, licence=licence, certificate_number=number, expires_on=until
                    )
                except ValidationError as error:
                    _service_errors(checker, row.line, "qualification_until", error)
        for name, code in PERSON_OBLIGATIONS.items():
            if name in row.dates:
                _record_obligation(
                    actor,
                    checker,
                    row.line,
                    name,
                    Obligation.objects.filter(person=person),
                    code,
                    row.dates[name],
                )
    if checker.errors:
        raise _Refused(sorted(checker.errors, key=lambda e: e.line))
