"""The market regulator's list of newly registered companies, imported by the manager: each new company is
registered without a butler (for a butler to reach), a company already registered is left as it is, a wrong
row refuses the whole file naming its line and column, and earlier consultations that named a new company
join its contact log.

The world's clock: Monday 2 November 2026.
"""

import csv
import io
from datetime import date

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from butler.contactlog.services import enquiry_record
from butler.firstvisit.registrations import registrations_import
from butler.firstvisit.services import first_visit_accept
from butler.models import ServicePeriod
from companies.models import Company
from reminders.models import Reminder
from tests.factories import credit_code

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HEADER = ["统一社会信用代码", "企业名称", "成立日期", "住所", "法定代表人", "联系电话", "业务类型"]
CODE_21, CODE_22 = credit_code(21), credit_code(22)


def wrong_check_character(code: str) -> str:
    return code[:-1] + ("1" if code[-1] != "1" else "2")


def the_list(world) -> list[list[str]]:
    return [
        HEADER,
        [
            CODE_21,
            "宁波北仑远航物流有限公司",
            "2026-10-12",
            "宁波市北仑区新碶街道长江路1号",
            "周杰",
            "13912340021",
            "道路普通货物运输",
        ],
        [
            CODE_22,
            "宁波北仑安达危货运输有限公司",
            "2026年10月20日",
            "宁波市北仑区小港街道红联路8号",
            "吴敏",
            "+86 139 1234 0022",
            "道路普通货物运输、道路危险货物运输",
        ],
        [
            world.company_a.credit_code,
            "改过名字的公司",
            "2026-10-01",
            "宁波市北仑区",
            "李四",
            "13912340099",
            "",
        ],
    ]


def csv_file(rows, name="registrations.csv") -> SimpleUploadedFile:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return SimpleUploadedFile(name, text.getvalue().encode("utf-8"), content_type="text/csv")


def test_new_companies_are_registered_without_a_butler_and_known_ones_left_as_they_are(world):
    result = registrations_import(actor=world.manager, uploaded=csv_file(the_list(world)))
    assert (result.created, result.already, result.linked, result.errors) == (2, 1, 0, [])

    first, second = Company.objects.get(credit_code=CODE_21), Company.objects.get(credit_code=CODE_22)
    assert (first.name, first.registered_on, first.district) == (
        "宁波北仑远航物流有限公司",
        date(2026, 10, 12),
        "330206",
    )
    assert (second.registered_on, second.address) == (date(2026, 10, 20), "宁波市北仑区小港街道红联路8号")
    assert {t.code for t in first.business_types.all()} == {"road_freight"}
    assert {t.code for t in second.business_types.all()} == {"road_freight", "dangerous_goods"}
    # The legal representative is the contact the butler calls.
    contact = second.contacts.get()
    assert (contact.name, contact.mobile, contact.is_primary) == ("吴敏", "13912340022", True)
    assert not ServicePeriod.objects.filter(company__in=[first, second]).exists()
    # Its licences are planned, waiting for the butler who reaches it.
    assert first.licences.filter(licence_type__code="road_freight_licence").exists()

    world.company_a.refresh_from_db()
    assert world.company_a.name == "宁波北仑顺达1物流有限公司"  # left as it was


def test_the_district_column_when_given(world):
    rows = [
        [*HEADER, "所属区县"],
        [
            CODE_21,
            "宁波鄞州远航物流有限公司",
            "2026-10-12",
            "宁波市鄞州区",
            "周杰",
            "13912340021",
            "",
            "330212",
        ],
        [
            CODE_22,
            "宁波北仑安达物流有限公司",
            "2026-10-20",
            "宁波市北仑区",
            "吴敏",
            "13912340022",
            "",
            "北仑区",
        ],
    ]
    assert registrations_import(actor=world.manager, uploaded=csv_file(rows)).created == 2
    assert Company.objects.get(credit_code=CODE_21).district == "330212"
    assert Company.objects.get(credit_code=CODE_22).district == "330206"


def test_wrong_rows_refuse_the_whole_list_naming_line_and_column(world):
    before = Company.objects.count()
    rows = [
        HEADER,
        [CODE_21, "宁波北仑远航物流有限公司", "2026-10-12", "宁波市北仑区", "周杰", "13912340021", ""],
        [
            wrong_check_character(CODE_22),
            "宁波北仑安达物流有限公司",
            "2026-10-20",
            "宁波市北仑区",
            "吴敏",
            "13912340022",
            "",
        ],
        [credit_code(23), "宁波北仑顺风物流有限公司", "2026-10-21", "宁波市北仑区", "郑强", "1391234", ""],
        [credit_code(24), "", "2026-11-30", "宁波市北仑区", "王五", "13912340024", "太空运输"],
        [CODE_21, "宁波北仑远航物流有限公司", "2026-10-12", "宁波市北仑区", "周杰", "13912340021", ""],
    ]
    with translation.override("en"):
        result = registrations_import(actor=world.manager, uploaded=csv_file(rows))
    assert result.created == 0
    assert [(e.line, e.field, e.label) for e in result.errors] == [
        (3, "credit_code", "统一社会信用代码"),
        (4, "mobile", "联系电话"),
        (5, "name", "企业名称"),
        (5, "registered_on", "成立日期"),
        (5, "business_types", "业务类型"),
        (6, "credit_code", "统一社会信用代码"),
    ]
    messages = [e.message for e in result.errors]
    assert messages[0].startswith("The check character does not match")
    assert messages[1].startswith("Enter a mainland China mobile number of 11 digits")
    assert messages[3:] == [
        "This date has not come yet.",
        "Unknown business type: 太空运输.",
        "The same company is on line 2.",
    ]
    assert Company.objects.count() == before


def test_earlier_consultations_join_the_new_company_and_its_butler_takes_the_answer_at_the_first_visit(world):
    asked = enquiry_record(
        actor=world.butler_b.user,
        enquirer_name="周杰",
        enquirer_phone="13912340021",
        enquirer_credit_code=CODE_21,
        channel="phone",
        summary="咨询新办道路运输经营许可",
        return_visit_in=3,
    )
    by_name = enquiry_record(
        actor=world.butler_b.user,
        enquirer_name="吴敏",
        enquirer_phone="",
        enquirer_company="宁波北仑安达危货运输有限公司",
        channel="visit",
        summary="咨询危货资质",
    )
    result = registrations_import(actor=world.manager, uploaded=csv_file(the_list(world)))
    assert (result.created, result.linked) == (2, 2)

    asked.refresh_from_db()
    by_name.refresh_from_db()
    assert asked.company.credit_code == CODE_21 and by_name.company.credit_code == CODE_22
    assert asked.period is None  # asked before any service period
    # No butler yet: the answer stays with whoever recorded the consultation.
    task = Reminder.objects.filter(subject=f"contact:{asked.pk}", kind="return_visit", status="pending")
    assert set(task.values_list("recipient__username", flat=True)) == {"butler_b"}

    first_visit_accept(actor=world.butler_a.user, company_id=asked.company_id)
    assert set(task.values_list("recipient__username", flat=True)) == {"butler_a"}


def test_a_workbook_works_too(world):
    workbook = openpyxl.Workbook()
    workbook.active.append(
        ["credit code", "company name", "registration date", "address", "legal representative", "mobile"]
    )
    workbook.active.append(
        [CODE_21, "宁波北仑远航物流有限公司", date(2026, 10, 12), "宁波市北仑区", "周杰", 13912340021]
    )
    data = io.BytesIO()
    workbook.save(data)
    result = registrations_import(
        actor=world.manager, uploaded=SimpleUploadedFile("list.xlsx", data.getvalue())
    )
    assert (result.created, result.errors) == (1, [])
    company = Company.objects.get(credit_code=CODE_21)
    assert company.registered_on == date(2026, 10, 12) and company.contacts.get().mobile == "13912340021"


# --- the page -----------------------------------------------------------------------------------------


def test_the_manager_imports_the_list_and_sees_the_companies_without_a_butler(client, world):
    client.force_login(world.manager)
    page = client.get(reverse("firstvisit:registrations"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "统一社会信用代码" in html and 'enctype="multipart/form-data"' in html

    response = client.post(reverse("firstvisit:registrations"), {"file": csv_file(the_list(world))}, **EN)
    assert response.status_code == 302
    assert response["Location"] == reverse("oversight:companies") + "?without_butler=on"
    listed = client.get(response["Location"], **EN).content.decode()
    assert (
        "2 companies registered; 1 were registered before and are left as they are; "
        "0 earlier consultations joined their contact logs."
    ) in listed
    assert "宁波北仑远航物流有限公司" in listed and "宁波北仑安达危货运输有限公司" in listed


def test_a_refused_list_shows_each_problem_and_saves_nothing(client, world):
    client.force_login(world.manager)
    rows = [
        HEADER,
        [CODE_21, "宁波北仑远航物流有限公司", "2026-10-12", "宁波市北仑区", "周杰", "1391234", ""],
    ]
    response = client.post(reverse("firstvisit:registrations"), {"file": csv_file(rows)}, **EN)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing was imported. Correct these rows and import the file again:" in html
    assert "Line 2 · 联系电话: Enter a mainland China mobile number of 11 digits" in html
    assert not Company.objects.filter(credit_code=CODE_21).exists()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("list.pdf", b"%PDF-1.4\n\x00\x01binary", content_type="application/pdf"),
            "该文件既不是 Excel 工作簿（.xlsx），也不是 CSV 文本文件。",
        ),
        (SimpleUploadedFile("list.xls", b"\xd0\xcf\x11\xe0" + bytes(60)), "不支持旧版 Excel 文件（.xls）"),
        (SimpleUploadedFile("list.csv", "名称,地址\n甲,乙\n".encode()), "表头缺少以下列"),
    ],
    ids=["pdf", "old excel", "other columns"],
)
def test_a_file_that_is_not_the_list_is_refused_with_a_clear_error(client, world, upload, message):
    before = Company.objects.count()
    client.force_login(world.manager)
    response = client.post(reverse("firstvisit:registrations"), {"file": upload})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["form"].errors and Company.objects.count() == before


@pytest.mark.parametrize(
    ("who", "status"),
    [("butler_a", 403), ("contact_a", 403), ("outsider", 403), ("anonymous", "login")],
)
def test_only_the_manager_imports_registrations(client, world, who, status):
    user = {"butler_a": world.butler_a.user}.get(who) or getattr(world, who, None)
    if user is not None:
        client.force_login(user)
    for response in (
        client.get(reverse("firstvisit:registrations")),
        client.post(reverse("firstvisit:registrations"), {"file": csv_file(the_list(world))}),
    ):
        if status == "login":
            assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
        else:
            assert response.status_code == status
    assert not Company.objects.filter(credit_code=CODE_21).exists()


def test_district_and_business_type_may_be_written_in_english(world):
    """A list kept in English: the district's and the business type's English names, spaces and all."""
    rows = [
        [*HEADER, "所属区县"],
        [
            CODE_21,
            "Ningbo Yuanhang Logistics Co., Ltd.",
            "2026-10-12",
            "1 Changjiang Road, Beilun",
            "周杰",
            "13912340021",
            "Road freight (ordinary goods)",
            "Yinzhou District",
        ],
    ]
    result = registrations_import(actor=world.manager, uploaded=csv_file(rows))
    assert (result.created, result.errors) == (1, [])
    company = Company.objects.get(credit_code=CODE_21)
    assert company.district == "330212"
    assert {t.code for t in company.business_types.all()} == {"road_freight"}


def test_a_linked_consultations_pending_answer_moves_to_the_company(world):
    """The answer still owed on a consultation is filed under the company once it registers, so the company's
    timeline and the filtered figures find it."""
    record = enquiry_record(
        actor=world.butler_b.user,
        enquirer_name="周杰",
        enquirer_phone="13912340021",
        enquirer_credit_code=CODE_21,
        channel="phone",
        summary="咨询新公司需要办理哪些许可",
        return_visit_in=3,
    )
    pending = Reminder.objects.filter(subject=f"contact:{record.pk}", status="pending")
    assert set(pending.values_list("scope", flat=True)) == {f"enquiry:{record.pk}"}

    registrations_import(actor=world.manager, uploaded=csv_file(the_list(world)))

    company = Company.objects.get(credit_code=CODE_21)
    assert pending.exists()
    assert set(pending.values_list("scope", flat=True)) == {f"company:{company.pk}"}
    assert all(
        label.startswith("宁波北仑远航物流有限公司 · ") for label in pending.values_list("label", flat=True)
    )
