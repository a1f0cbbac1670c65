import csv
import io
import zipfile
from datetime import date

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import translation

from companies.imports import subjects_import
from companies.models import BusinessType, Obligation, Person, Vehicle
from companies.services import company_update, vehicle_add
from tests.conftest import make_butler, register

VEHICLE_HEADER = ["车牌号", "车辆类型", "总质量(kg)"]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def butler(db):
    return make_butler("butler_import", "王丽娜")


@pytest.fixture
def company(butler):
    return register(butler.user, 41)


def csv_file(rows, *, encoding="utf-8", name="vehicles.csv") -> SimpleUploadedFile:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return SimpleUploadedFile(name, text.getvalue().encode(encoding), content_type="text/csv")


def xlsx_file(rows, *, name="vehicles.xlsx") -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    workbook.save(data)
    return SimpleUploadedFile(name, data.getvalue())


def run(butler, company, kind, uploaded):
    return subjects_import(actor=butler.user, company=company, kind=kind, uploaded=uploaded)


def by_line(result) -> dict[int, set[str]]:
    lines: dict[int, set[str]] = {}
    for error in result.errors:
        lines.setdefault(error.line, set()).add(error.field)
    return lines


def test_bad_rows_are_all_reported_by_line_and_nothing_is_imported(butler, company):
    uploaded = csv_file(
        [
            VEHICLE_HEADER,
            ["浙B12345", "truck", "18000"],
            ["浙BI2345", "truck", "18000"],  # line 3: the letter I is never used
            ["浙B23456", "tractor", "25000"],
            ["浙B34567", "van", "300"],  # line 5: lighter than 500 kg
            ["浙B45678", "rocket", "abc"],  # line 6: two problems
        ]
    )
    result = run(butler, company, "vehicles", uploaded)
    assert result.created == 0
    assert by_line(result) == {3: {"plate"}, 5: {"total_mass_kg"}, 6: {"vehicle_type", "total_mass_kg"}}
    line_3 = next(e for e in result.errors if e.line == 3)
    assert "letters I and O" in line_3.message and line_3.label == "车牌号"
    assert any("500" in e.message for e in result.errors if e.line == 5)
    assert not Vehicle.objects.exists()


def test_clean_xlsx_imports_every_row(butler, company):
    rows = [["plate", "type", "total mass (kg)"]]
    rows += [[f"浙B{10000 + n}", "Truck", 18000.0] for n in range(5)]
    rows.insert(3, [None, None, None])  # blank rows are skipped
    result = run(butler, company, "vehicles", xlsx_file(rows))
    assert result.errors == []
    assert result.created == 5
    assert sorted(company.vehicles.values_list("total_mass_kg", flat=True)) == [18000] * 5


def test_checking_rows_takes_a_fixed_number_of_queries(butler, company):
    """Each kind of bad row, 3 and then 30 of each: too light, a plate twice in the file, a plate of another
    company, a plate that cannot be one; and good rows among them (a plate the company has already is
    brought up to date, not refused)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    other = register(butler.user, 42)
    counts = []
    for size in (3, 30):
        rows = [VEHICLE_HEADER]
        for n in range(size):
            ours, theirs = f"浙B{20000 + n}", f"浙B{30000 + n}"
            if not Vehicle.objects.filter(plate=ours).exists():
                vehicle_add(
                    actor=butler.user, company=company, plate=ours, vehicle_type="truck", total_mass_kg=18000
                )
                vehicle_add(
                    actor=butler.user, company=other, plate=theirs, vehicle_type="truck", total_mass_kg=18000
                )
            rows += [
                [f"浙B{10000 + n}", "truck", "100"],
                [f"浙B{40000 + n}", "truck", "18000"],
                [f"浙B{40000 + n}", "tractor", "25000"],
                [ours, "truck", "18000"],
                [theirs, "truck", "18000"],
                [f"浙BI{n:04d}", "truck", "18000"],
                [f"浙B{50000 + n}", "trailer", "12000"],
            ]
        with CaptureQueriesContext(connection) as queries:
            result = run(butler, company, "vehicles", csv_file(rows))
        assert len(result.errors) == 4 * size and result.created == 0
        counts.append(len(queries))
    assert counts == [1, 1]  # the registered plates, in one query (SQLite and PostgreSQL)


def test_gb18030_csv_from_chinese_excel_is_read(butler, company):
    uploaded = csv_file(
        [["车牌号", "车辆类型", "总质量"], ["浙B12345", "重型货车", "18000"], ["浙B1234挂", "挂车", "12000"]],
        encoding="gb18030",
    )
    result = run(butler, company, "vehicles", uploaded)
    assert (result.created, result.errors) == (2, [])
    assert dict(company.vehicles.values_list("plate", "vehicle_type")) == {
        "浙B12345": "truck",
        "浙B1234挂": "trailer",
    }


def test_utf8_with_bom_and_english_headers_in_any_case(butler, company):
    uploaded = csv_file(
        [["Plate", "TYPE", "Total_Mass_KG"], ["浙b 12345", "Tanker (dangerous goods)", "30,000"]]
    )
    uploaded = SimpleUploadedFile("v.csv", b"\xef\xbb\xbf" + uploaded.read())
    result = run(butler, company, "vehicles", uploaded)
    assert (result.created, result.errors) == (1, [])
    vehicle = company.vehicles.get()
    assert (vehicle.plate, vehicle.vehicle_type, vehicle.total_mass_kg) == ("浙B12345", "tanker", 30000)


def test_missing_columns_are_named(butler, company):
    with pytest.raises(ValidationError) as refused:
        run(butler, company, "vehicles", csv_file([["车牌号", "备注"], ["浙B12345", "x"]]))
    message = " ".join(refused.value.messages)
    assert "车辆类型 / type" in message and "总质量(kg) / total mass (kg)" in message


def test_plate_twice_in_the_file_and_plate_already_registered_are_reported(butler, company):
    other = register(butler.user, 42)
    vehicle_add(actor=None, company=other, plate="浙B99999", vehicle_type="truck", total_mass_kg=18000)
    uploaded = csv_file(
        [
            VEHICLE_HEADER,
            ["浙B12345", "truck", "18000"],
            ["浙B99999", "truck", "18000"],
            ["浙B 12345", "truck", "18000"],
        ]
    )
    result = run(butler, company, "vehicles", uploaded)
    messages = {e.line: e.message for e in result.errors}
    assert set(messages) == {3, 4}
    assert "already registered for another company" in messages[3]
    assert "also on line 2" in messages[4]
    assert not company.vehicles.exists()


def test_oversize_file_is_refused(butler, company):
    uploaded = csv_file([VEHICLE_HEADER] + [["浙B12345", "truck", "18000"]] * 100)
    with override_settings(BUTLER_IMPORT_MAX_BYTES=1000), pytest.raises(ValidationError) as refused:
        run(butler, company, "vehicles", uploaded)
    assert "larger than" in refused.value.messages[0]


def test_png_renamed_csv_is_refused(butler, company):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    with pytest.raises(ValidationError) as refused:
        run(butler, company, "vehicles", SimpleUploadedFile("vehicles.csv", png))
    assert "neither an Excel workbook" in refused.value.messages[0]


def test_zip_that_is_not_a_workbook_is_refused(butler, company):
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(ValidationError):
        run(butler, company, "vehicles", SimpleUploadedFile("vehicles.xlsx", data.getvalue()))


PEOPLE_IN_CHINESE = [
    ["姓名", "岗位", "手机"],
    ["张伟", "驾驶员", "138 0574 1234"],
    ["李娜", "押运员", ""],
    ["王强", "装卸管理人员", "13805745678"],
]


def test_escorts_and_loaders_are_refused_by_row_for_a_company_without_dangerous_goods(butler, company):
    with translation.override("en"):
        result = run(butler, company, "people", csv_file(PEOPLE_IN_CHINESE))
    assert result.created == 0
    assert [(error.line, error.label, error.message) for error in result.errors] == [
        (
            line,
            "岗位",
            "Escorts and loading managers work in dangerous goods transport only; this company does "
            "not carry dangerous goods.",
        )
        for line in (3, 4)
    ]


def test_people_with_roles_in_chinese(butler, company):
    company_update(
        actor=butler.user,
        company=company,
        business_types=list(BusinessType.objects.filter(code="dangerous_goods")),
    )
    result = run(butler, company, "people", csv_file(PEOPLE_IN_CHINESE))
    assert (result.created, result.errors) == (3, [])
    assert dict(company.people.values_list("name", "role")) == {
        "张伟": "driver",
        "李娜": "escort",
        "王强": "loader",
    }
    assert company.people.get(name="张伟").mobile == "13805741234"


def test_people_from_xlsx_with_english_headers_and_bad_rows(butler, company):
    rows = [
        ["Name", "Role", "Mobile"],
        ["张伟", "Driver", 13805741234],
        ["", "driver", None],  # line 3: no name
        ["李娜", "pilot", "12345"],  # line 4: unknown role, bad mobile
    ]
    result = run(butler, company, "people", xlsx_file(rows, name="people.xlsx"))
    assert by_line(result) == {3: {"name"}, 4: {"role", "mobile"}}
    assert not Person.objects.exists()


def test_file_with_only_a_header_is_refused(butler, company):
    with pytest.raises(ValidationError):
        run(butler, company, "people", csv_file([["姓名", "岗位"]]))


FLEET_HEADER = ["车牌号", "车辆类型", "总质量(kg)", "初次登记日期", "最近检验日期", "交强险到期日"]


def _obligations(company):
    return {
        (plate, code): due
        for plate, code, due in Obligation.objects.filter(company=company, ended_on__isnull=True).values_list(
            "vehicle__plate", "obligation_type__code", "due_on"
        )
        if plate
    }


def test_the_fleet_sheet_records_dates_and_can_be_imported_again(butler, company):
    first = csv_file(
        [
            FLEET_HEADER,
            ["浙B30001", "重型货车", "18000", "2013-03-01", "2026/5/12", "2027年1月5日"],
            ["浙B30002", "牵引车", "25000", "20210601", "", "2026.12.20"],
        ]
    )
    result = run(butler, company, "vehicles", first)
    assert (result.created, result.updated, result.errors) == (2, 0, [])
    assert _obligations(company) == {
        ("浙B30001", "vehicle_inspection"): date(2026, 11, 12),  # 13 years old: every six months
        ("浙B30001", "compulsory_insurance"): date(2027, 1, 5),
        ("浙B30002", "vehicle_inspection"): None,
        ("浙B30002", "compulsory_insurance"): date(2026, 12, 20),
    }
    # The same sheet a month later, one vehicle renewed its policy and one joined: updated, not refused.
    again = csv_file(
        [
            FLEET_HEADER,
            ["浙B30001", "重型货车", "18000", "2013-03-01", "2026/5/12", "2027年1月5日"],
            ["浙B30002", "牵引车", "25000", "2021-06-01", "2026-10-30", "2027-12-20"],
            ["浙B30003", "挂车", "40000", "", "", ""],
        ]
    )
    result = run(butler, company, "vehicles", again)
    assert (result.created, result.updated, result.errors) == (1, 2, [])
    assert company.vehicles.count() == 3
    obligations = _obligations(company)
    assert obligations[("浙B30002", "compulsory_insurance")] == date(2027, 12, 20)
    assert obligations[("浙B30002", "vehicle_inspection")] == date(2027, 10, 30)  # 5 years old: yearly


def test_bad_dates_in_the_fleet_sheet_are_named_by_line_and_nothing_is_saved(butler, company):
    uploaded = csv_file(
        [
            FLEET_HEADER,
            ["浙B30001", "重型货车", "18000", "2013-02-30", "2026-05-12", "2027-01-05"],
            ["浙B30002", "牵引车", "25000", "2021-06-01", "下个月", "2027-01-05"],
            ["浙B30003", "牵引车", "25000", "2021-06-01", "2019-01-01", "2027-01-05"],
        ]
    )
    result = run(butler, company, "vehicles", uploaded)
    assert [(e.line, e.label, e.message) for e in result.errors] == [
        (2, "初次登记日期", "“2013-02-30” is not a date, e.g. 2026-01-05."),
        (3, "最近检验日期", "“下个月” is not a date, e.g. 2026-01-05."),
    ]
    assert not company.vehicles.exists()
    # Readable dates, one too long ago: named too, and still nothing is saved.
    too_old = ["浙B30003", "牵引车", "25000", "2021-06-01", "2019-01-01", "2027-01-05"]
    result = run(butler, company, "vehicles", csv_file([FLEET_HEADER, too_old]))
    assert [(e.line, e.label, e.message) for e in result.errors] == [
        (2, "最近检验日期", "Give the last time, within the last 5 years.")
    ]
    assert not company.vehicles.exists()


PEOPLE_HEADER = ["姓名", "岗位", "手机", "从业资格证号", "从业资格证有效期至", "诚信考核日期", "继续教育日期"]


def _qualifications(company):
    return {
        name: (status, number, issued, expires)
        for name, status, number, issued, expires in company.licences.filter(
            licence_type__code="driver_qualification"
        ).values_list("person__name", "status", "certificate_number", "issued_on", "expires_on")
    }


@pytest.fixture
def freight_fleet(butler, company, frozen_clock):
    vehicle_add(
        actor=butler.user, company=company, plate="浙B30001", vehicle_type="truck", total_mass_kg=18000
    )
    return company


def test_the_people_sheet_records_qualifications_and_dates_and_can_be_imported_again(butler, freight_fleet):
    company = freight_fleet  # the clock stands at 2026-11-02
    sheet = [
        PEOPLE_HEADER,
        ["张伟", "驾驶员", "13805741234", "330206198503150018", "2029-06-30", "2026-03-10", "2026/5/20"],
        ["陈刚", "驾驶员", "", "330206199001010033", "2026-11-20", "", ""],
        ["刘洋", "司机", "", "330206199201010051", "2026年10月1日", "", ""],
    ]
    result = run(butler, company, "people", csv_file(sheet))
    assert (result.created, result.updated, result.errors) == (3, 0, [])
    assert _qualifications(company) == {
        "张伟": ("issued", "330206198503150018", date(2023, 7, 1), date(2029, 6, 30)),
        # Within 30 days of its exchange (换证) date: to be exchanged now.
        "陈刚": ("renewal_due", "330206199001010033", date(2020, 11, 21), date(2026, 11, 20)),
        "刘洋": ("expired", "330206199201010051", date(2020, 10, 2), date(2026, 10, 1)),
    }
    assert dict(
        Obligation.objects.filter(person__name="张伟").values_list("obligation_type__code", "due_on")
    ) == {"driver_integrity_assessment": date(2027, 3, 10), "continuing_education": date(2027, 5, 20)}
    # No window decided these: no matter was filed and no visit counted.
    assert not company.applications.exists()

    # The same sheet again changes nothing; a month later 刘洋's certificate was exchanged elsewhere.
    licence = company.licences.get(person__name="张伟", licence_type__code="driver_qualification")
    versions = licence.history.count()
    assert (run(butler, company, "people", csv_file(sheet)).created, licence.history.count()) == (0, versions)
    sheet[3] = ["刘洋", "驾驶员", "13805745678", "330206199201010051", "2032-10-20", "", ""]
    result = run(butler, company, "people", csv_file(sheet))
    assert (result.created, result.updated, result.errors) == (0, 3, [])
    assert company.people.count() == 3
    assert company.people.get(name="刘洋").mobile == "13805745678"
    assert _qualifications(company)["刘洋"] == (
        "issued",
        "330206199201010051",
        date(2026, 10, 21),
        date(2032, 10, 20),
    )


def test_bad_qualifications_in_the_people_sheet_are_named_by_line_and_nothing_is_saved(butler, freight_fleet):
    company = freight_fleet
    sheet = [
        PEOPLE_HEADER,
        ["张伟", "驾驶员", "", "330206198503150018", "", "", ""],
        ["陈刚", "驾驶员", "", "", "2029-06-30", "", ""],
        ["刘洋", "驾驶员", "", "330206199201010051", "明年", "", ""],
    ]
    result = run(butler, company, "people", csv_file(sheet))
    assert [(e.line, e.label, e.message) for e in result.errors] == [
        (2, "从业资格证有效期至", "Give the date the certificate is valid until."),
        (3, "从业资格证号", "Enter the certificate number."),
        (4, "从业资格证有效期至", "“明年” is not a date, e.g. 2026-01-05."),
    ]
    assert not company.people.exists()
    # Readable dates that cannot be right: named too, and still nothing is saved.
    sheet = [
        PEOPLE_HEADER,
        ["赵磊", "驾驶员", "", "330206199301010078", "2034-01-01", "", ""],
        ["孙丽", "驾驶员", "", "", "", "2027-01-01", ""],
    ]
    result = run(butler, company, "people", csv_file(sheet))
    assert [(e.line, e.label, e.message) for e in result.errors] == [
        (2, "从业资格证有效期至", "A certificate of this kind is valid for 72 months at most."),
        (3, "诚信考核日期", "The date cannot be in the future."),
    ]
    assert not company.people.exists()
