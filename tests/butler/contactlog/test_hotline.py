"""12345 hotline work orders imported from the hotline's export (CSV or XLSX): each a consultation with its
reply deadline — the sheet's, or BUTLER_HOTLINE_REPLY_DAYS (5) working days after it came in — all rows or
none, each problem named by line and column, and the same export imported again without doubles.

Imported on Friday 20 November 2026. November 2026 has no public holiday and no make-up working day, so
five working days after Thursday the 12th is Thursday the 19th, and after Friday the 13th, Friday the 20th.
"""

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from butler.contactlog.hotline import hotline_import
from butler.contactlog.models import ContactRecord
from reminders.models import Reminder

SHANGHAI = ZoneInfo("Asia/Shanghai")
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HEADER = [
    "工单编号",
    "受理时间",
    "来电人",
    "联系电话",
    "企业名称",
    "统一社会信用代码",
    "诉求内容",
    "答复期限",
]


def at(day: int, hour: int, minute: int) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def friday(world):
    """The world on Friday 20 November 2026, ten in the morning."""
    with time_machine.travel(at(20, 10, 0), tick=True):
        yield world


def three_orders(world) -> list[list[str]]:
    return [
        HEADER,
        [
            "GD20261109001",
            "2026-11-09 09:12",
            "李明",
            "13912345678",
            "宁波新港物流有限公司",
            "",
            "咨询道路运输经营许可办理条件",
            "2026-11-13",
        ],
        ["GD20261112002", "2026-11-12 14:30", "王芳", "0574-86881234", "", "", "投诉窗口排队时间长", ""],
        [
            "GD20261113003",
            "2026/11/13 16:05",
            "赵强",
            "13805741234",
            world.company_a.name,
            world.company_a.credit_code,
            "询问年审需要的材料",
            "",
        ],
    ]


def csv_file(rows, name="12345.csv") -> SimpleUploadedFile:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return SimpleUploadedFile(name, text.getvalue().encode("utf-8"), content_type="text/csv")


def xlsx_file(rows, name="12345.xlsx") -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    data = io.BytesIO()
    workbook.save(data)
    return SimpleUploadedFile(name, data.getvalue())


def by_order() -> dict[str, ContactRecord]:
    return {record.work_order: record for record in ContactRecord.objects.all()}


def pending_for(record) -> set[str]:
    return set(
        Reminder.objects.filter(
            subject=f"contact:{record.pk}", kind="return_visit", status="pending"
        ).values_list("recipient__username", flat=True)
    )


def test_three_work_orders_become_three_consultations_with_their_reply_deadlines(friday):
    w = friday
    result = hotline_import(actor=w.butler_b.user, uploaded=csv_file(three_orders(w)))
    assert (result.created, result.already, result.errors) == (3, 0, [])

    orders = by_order()
    assert set(orders) == {"GD20261109001", "GD20261112002", "GD20261113003"}
    first, second, third = orders["GD20261109001"], orders["GD20261112002"], orders["GD20261113003"]
    assert first.return_visit_due == date(2026, 11, 13)  # the sheet's deadline
    assert second.return_visit_due == date(2026, 11, 19)  # five working days after Thursday the 12th
    assert third.return_visit_due == date(2026, 11, 20)  # five working days after Friday the 13th
    assert [first.occurred_at, second.occurred_at, third.occurred_at] == [
        at(9, 9, 12),
        at(12, 14, 30),
        at(13, 16, 5),
    ]
    for record in orders.values():
        assert (record.source, record.channel, record.important) == ("hotline", "phone", True)
        assert record.recorded_by == w.butler_b.user and record.return_visit_open
    assert (first.enquirer_name, first.enquirer_phone, first.enquirer_company) == (
        "李明",
        "13912345678",
        "宁波新港物流有限公司",
    )
    assert first.summary == "咨询道路运输经营许可办理条件"
    # A work order naming a registered company joins its log at once; its butler owes the answer.
    assert (first.company, second.company, third.company) == (None, None, w.company_a)
    assert pending_for(first) == {"butler_b"} and pending_for(third) == {"butler_a"}


def test_the_same_export_imported_again_creates_nothing(friday):
    w = friday
    hotline_import(actor=w.butler_b.user, uploaded=csv_file(three_orders(w)))
    again = hotline_import(actor=w.manager, uploaded=csv_file(three_orders(w)))
    assert (again.created, again.already, again.errors) == (0, 3, [])
    assert ContactRecord.objects.count() == 3
    assert set(ContactRecord.objects.values_list("recorded_by__username", flat=True)) == {"butler_b"}

    newer = [
        *three_orders(w),
        ["GD20261116004", "2026-11-16 10:00", "钱亮", "13912340000", "", "", "咨询", ""],
    ]
    result = hotline_import(actor=w.butler_b.user, uploaded=csv_file(newer))
    assert (result.created, result.already) == (1, 3)
    assert by_order()["GD20261116004"].return_visit_due == date(2026, 11, 23)  # Monday


def test_a_bad_time_or_a_missing_number_refuses_the_whole_file_naming_line_and_column(friday):
    w = friday
    rows = [
        HEADER,
        ["GD20261109001", "2026-11-09 09:12", "李明", "13912345678", "", "", "咨询", ""],
        ["GD20261109002", "2026-11-31 09:12", "王芳", "13912345679", "", "", "咨询", ""],
        ["", "2026-11-10 09:00", "赵强", "13912345670", "", "", "咨询", ""],
        ["GD20261109004", "2026-11-10 09:00", "钱亮", "13912345671", "", "", "咨询", "下周"],
        ["GD20261109001", "2026-11-10 09:00", "孙丽", "13912345672", "", "", "咨询", ""],
    ]
    with translation.override("en"):
        result = hotline_import(actor=w.butler_b.user, uploaded=csv_file(rows))
    assert result.created == 0
    assert [(e.line, e.field, e.label) for e in result.errors] == [
        (3, "received_at", "受理时间"),
        (4, "work_order", "工单编号"),
        (5, "reply_by", "答复期限"),
        (6, "work_order", "工单编号"),
    ]
    assert result.errors[3].message == "The same work order is on line 2."
    assert not ContactRecord.objects.exists()


def test_a_row_the_consultation_refuses_undoes_the_rows_before_it(friday):
    """Every row's time and number read well, but one phone number is wrong and one deadline comes before
    its order: nothing is kept, not even the good first row."""
    w = friday
    rows = [
        HEADER,
        ["GD20261109001", "2026-11-09 09:12", "李明", "13912345678", "", "", "咨询", ""],
        ["GD20261109002", "2026-11-10 09:12", "王芳", "12345", "", "", "咨询", ""],
        ["GD20261109003", "2026-11-12 09:12", "赵强", "13912345670", "", "", "咨询", "2026-11-11"],
        ["GD20261109004", "2026-11-12 09:12", "", "", "", "", "咨询", ""],
    ]
    result = hotline_import(actor=w.butler_b.user, uploaded=csv_file(rows))
    assert result.created == 0
    assert [(e.line, e.field, e.label) for e in result.errors] == [
        (3, "enquirer_phone", "联系电话"),
        (4, "reply_by", "答复期限"),
        (5, "enquirer_name", "来电人"),
    ]
    assert not ContactRecord.objects.exists()
    assert not Reminder.objects.filter(subject__startswith="contact:").exists()


def test_an_order_received_after_now_is_refused(friday):
    rows = [HEADER, ["GD20261121001", "2026-11-21 09:00", "李明", "13912345678", "", "", "咨询", ""]]
    result = hotline_import(actor=friday.butler_b.user, uploaded=csv_file(rows))
    assert [(e.line, e.label) for e in result.errors] == [(2, "受理时间")]
    assert not ContactRecord.objects.exists()


def test_a_workbook_with_date_cells_and_english_headers_works_too(friday):
    rows = [
        ["work order number", "received at", "caller", "phone", "request", "reply by"],
        [
            "GD20261110001",
            datetime(2026, 11, 10, 8, 45),
            "李明",
            "13912345678",
            "咨询危货资质",
            date(2026, 11, 18),
        ],
        ["GD20261111002", datetime(2026, 11, 11, 15, 0), "王芳", "13912345679", "咨询客运班线", None],
    ]
    result = hotline_import(actor=friday.butler_b.user, uploaded=xlsx_file(rows))
    assert (result.created, result.errors) == (2, [])
    orders = by_order()
    assert orders["GD20261110001"].occurred_at == at(10, 8, 45)
    assert orders["GD20261110001"].return_visit_due == date(2026, 11, 18)
    assert orders["GD20261111002"].return_visit_due == date(2026, 11, 18)  # Wednesday the 11th + 5


@override_settings(BUTLER_HOTLINE_REPLY_DAYS=2)
def test_the_default_reply_time_is_a_setting(friday):
    rows = [HEADER, ["GD20261112001", "2026-11-12 14:30", "王芳", "13912345679", "", "", "投诉", ""]]
    hotline_import(actor=friday.butler_b.user, uploaded=csv_file(rows))
    assert ContactRecord.objects.get().return_visit_due == date(2026, 11, 16)  # Thursday + 2: Monday


# --- the page -----------------------------------------------------------------------------------------


def test_the_butler_uploads_the_export_from_the_desk(client, friday):
    w = friday
    client.force_login(w.butler_b.user)
    response = client.post(reverse("contactlog:hotline"), {"file": csv_file(three_orders(w))}, **EN)
    assert response.status_code == 302 and response["Location"] == reverse("contactlog:enquiries")
    page = client.get(response["Location"], **EN)
    html = page.content.decode()
    assert "3 work orders imported; 0 were imported before and are left as they are." in html
    # The two without a registered company are the butler's to answer, earliest deadline first.
    waiting = [r.work_order for r in page.context["waiting"]]
    assert waiting[:2] == ["GD20261109001", "GD20261112002"]
    assert "GD20261109001" in html and "13912345678" in html


def test_a_refused_file_lists_each_problem_by_line_and_column(client, friday):
    w = friday
    client.force_login(w.butler_b.user)
    rows = [HEADER, ["GD20261109001", "2026-11-31 09:12", "李明", "13912345678", "", "", "咨询", ""]]
    response = client.post(reverse("contactlog:hotline"), {"file": csv_file(rows)}, **EN)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing was imported. Correct these rows and import the file again:" in html
    assert "Line 2 · 受理时间: Write the time as 2026-03-05 09:12." in html
    assert not ContactRecord.objects.exists()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("orders.png", b"\x89PNG\r\n\x1a\n" + bytes(64), content_type="image/png"),
            "该文件既不是 Excel 工作簿（.xlsx），也不是 CSV 文本文件。",
        ),
        (SimpleUploadedFile("empty.csv", b"", content_type="text/csv"), "提交的是空文件。"),
        (SimpleUploadedFile("blank.csv", b"  \n", content_type="text/csv"), "文件为空。"),
    ],
    ids=["image", "no bytes", "blank"],
)
def test_a_file_that_is_not_a_table_is_refused_with_a_clear_error(client, friday, upload, message):
    client.force_login(friday.butler_b.user)
    response = client.post(reverse("contactlog:hotline"), {"file": upload})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["upload"].errors and not ContactRecord.objects.exists()


def test_a_missing_column_is_named(client, friday):
    client.force_login(friday.butler_b.user)
    rows = [
        ["工单编号", "受理时间", "来电人", "联系电话"],
        ["GD1", "2026-11-09 09:12", "李明", "13912345678"],
    ]
    response = client.post(reverse("contactlog:hotline"), {"file": csv_file(rows)}, **EN)
    assert response.status_code == 200
    assert "The header row lacks these columns: 诉求内容 / request." in response.content.decode()
    assert not ContactRecord.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("contact_a", 403), ("outsider", 403)])
def test_only_the_window_imports_work_orders(client, friday, who, status):
    client.force_login(getattr(friday, who))
    response = client.post(reverse("contactlog:hotline"), {"file": csv_file(three_orders(friday))})
    assert response.status_code == status
    assert not ContactRecord.objects.exists()


def test_an_anonymous_upload_is_sent_to_sign_in(client, friday):
    response = client.post(reverse("contactlog:hotline"), {"file": csv_file(three_orders(friday))})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not ContactRecord.objects.exists()


def test_a_work_order_of_a_company_served_by_another_butler_is_answered_by_that_butler(client, friday):
    """butler_b imports the export; the order naming company_a (butler_a's) is butler_a's to answer: it is on
    butler_a's desk with a working link, not on butler_b's."""
    hotline_import(actor=friday.butler_b.user, uploaded=csv_file(three_orders(friday)))
    order = by_order()["GD20261113003"]
    assert order.company == friday.company_a
    assert pending_for(order) == {friday.butler_a.user.username}

    client.force_login(friday.butler_b.user)
    owed = [r.work_order for r in client.get(reverse("contactlog:enquiries")).context["waiting"]]
    assert owed == ["GD20261109001", "GD20261112002"]

    client.force_login(friday.butler_a.user)
    owed = [r.work_order for r in client.get(reverse("contactlog:enquiries")).context["waiting"]]
    assert owed == ["GD20261113003"]
    assert client.get(reverse("contactlog:return_visit", args=[order.pk])).status_code == 200
