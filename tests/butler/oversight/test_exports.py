"""The manager's exports: each table as CSV and XLSX, its filters, who may download, and a fixed number of
queries whatever the number of rows."""

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from butler.contactlog import services as contacts
from butler.feedback.ratings import rating_submit, suggestion_submit
from butler.licences.services import licence_step
from butler.models import AuditCase, ContactRecord, Rating, Suggestion
from butler.oversight.export_tables import TABLES
from companies.models import (
    BusinessType,
    Company,
    CompanyLicence,
    LicenceMaterial,
    LicenceStatus,
    LicenceType,
    Trip,
    Vehicle,
)
from tests.conftest import make_user
from tests.factories import CompanyFactory, ContactFactory, ServicePeriodFactory, credit_code

SHANGHAI = ZoneInfo("Asia/Shanghai")
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def url(table: str, fmt: str) -> str:
    return reverse("oversight:export", args=[table, fmt])


def csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def xlsx_rows(response) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(workbook.active.iter_rows(values_only=True))


def english_headers(table: str) -> list[str]:
    from django.utils import translation

    with translation.override("en"):
        return [str(header) for header in TABLES[table].headers]


@pytest.fixture
def exported(world):
    """Company A: its road freight licence accepted at the window on 10-20 (one trip), issued 10-30; a
    phone call on 10-30 14:05 with a return visit; a bad rating of its butler. Company B: its licence
    handed in online on 10-21 with two materials missing; a suggestion about materials."""
    a_licence = CompanyLicence.objects.get(company=world.company_a)
    licence_step(
        actor=world.butler_a.user, licence=a_licence, to="applied", on=date(2026, 10, 20), channel="window"
    )
    licence_step(
        actor=world.butler_a.user,
        licence=a_licence,
        to="issued",
        on=date(2026, 10, 30),
        certificate_number="浙交运管33020600001",
    )
    b_licence = CompanyLicence.objects.get(company=world.company_b)
    materials = list(LicenceMaterial.objects.filter(licence_type=b_licence.licence_type)[:2])
    licence_step(
        actor=world.butler_b.user,
        licence=b_licence,
        to="missing",
        on=date(2026, 10, 21),
        channel="online",
        materials=materials,
        supply_by=date(2026, 11, 6),
    )
    contacts.contact_record(
        actor=world.butler_a.user,
        company=world.company_a,
        channel=ContactRecord.Channel.PHONE,
        summary="询问车辆年审材料",
        participants="经理王1",
        occurred_at=datetime(2026, 10, 30, 14, 5, tzinfo=SHANGHAI),
        licence=a_licence,
        return_visit_in=3,
    )
    contacts.contact_record(
        actor=world.butler_b.user,
        company=world.company_b,
        channel=ContactRecord.Channel.WECHAT,
        summary="咨询危货",
    )
    rating_submit(actor=world.contact_a, kind="butler", overall=1, comment="等了很久")
    suggestion_submit(actor=world.contact_b, category=Suggestion.Category.MATERIALS, text="材料太多")
    return world


def by_first_column(rows, column: int = 0) -> dict:
    return {row[column]: row for row in rows[1:]}


# --- what each table holds --------------------------------------------------------------------------------


def test_companies_csv_lists_each_company_with_butler_contact_and_licence_counts(client, exported):
    client.force_login(exported.manager)
    response = client.get(url("companies", "csv"), **EN)
    assert response.status_code == 200
    rows = csv_rows(response)
    assert rows[0] == english_headers("companies")
    assert len(rows) == 3
    a = by_first_column(rows)[exported.company_a.credit_code]
    header = rows[0]
    value = dict(zip(header, a, strict=True))
    assert value["Company name"] == exported.company_a.name
    assert value["District"] == "Beilun District"
    assert value["Registration date"] == "2026-10-01"
    assert value["Business types"] == "Road freight (ordinary goods)"
    assert value["Primary contact"] == "王1"
    assert value["Contact mobile"] == "13900000001"
    assert value["Butler in service"] == "王丽娜"
    assert value["Card number"] == exported.period_a.card_number
    assert value["Service start"] == "2026-11-02"
    assert value["Service end"] == str(exported.period_a.end_date)
    assert (value["Licences required"], value["Licences held"], value["Licences overdue"]) == ("1", "1", "0")
    assert value["Last contact"] == "2026-10-30"


def test_companies_filters_narrow_the_rows(client, exported):
    client.force_login(exported.manager)
    road = BusinessType.objects.get(code="road_freight")
    port = BusinessType.objects.get(code="port")

    def codes(**query):
        return [row[0] for row in csv_rows(client.get(url("companies", "csv"), query))[1:]]

    assert codes(butler=exported.butler_a.pk) == [exported.company_a.credit_code]
    assert len(codes(business_type=road.pk)) == 2
    assert codes(business_type=port.pk) == []
    assert len(codes(since="2026-10-01", until="2026-10-01")) == 2
    assert codes(since="2026-10-02") == []


def test_licences_xlsx_has_dates_as_dates_trips_and_missing_materials(client, exported):
    client.force_login(exported.manager)
    response = client.get(url("licences", "xlsx"), **EN)
    assert response.status_code == 200
    assert 'filename="licences-2026-11-02.xlsx"' in response["Content-Disposition"]
    rows = xlsx_rows(response)
    assert list(rows[0]) == english_headers("licences")
    assert len(rows) == 3
    header = rows[0]
    a, b = (dict(zip(header, row, strict=True)) for row in sorted(rows[1:], key=lambda r: r[0]))
    assert a["Company"] == exported.company_a.name
    assert a["Unified social credit code"] == exported.company_a.credit_code
    assert a["Status"] == "Issued"
    assert a["Channel"] == "At the window"
    assert a["Accepted on"] == datetime(2026, 10, 20)
    assert a["Issued on"] == datetime(2026, 10, 30)
    assert a["Obtain by"] == datetime(2027, 1, 1)
    assert a["Expires on"] is not None and a["Apply for renewal by"] is not None
    assert (a["Trips"], a["Missing materials"]) == (1, 0)
    assert (b["Status"], b["Channel"], b["Missing materials"], b["Trips"]) == (
        "Incomplete: to be supplied",
        "Online",
        2,
        0,
    )


def test_the_xlsx_opens_readable_header_frozen_filter_on_columns_wide_enough(client, exported):
    """In Excel: the header stays in view, every column can be filtered, and a date is never "#####"."""
    client.force_login(exported.manager)
    response = client.get(url("licences", "xlsx"), **EN)
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.freeze_panes == "A2"
    headers = [cell.value for cell in sheet[1]]
    last = openpyxl.utils.get_column_letter(len(headers))
    assert sheet.auto_filter.ref == f"A1:{last}3"  # the header and the two licences
    width = {
        header: sheet.column_dimensions[openpyxl.utils.get_column_letter(i)].width
        for i, header in enumerate(headers, 1)
    }
    assert width["Issued on"] >= 10 and width["Expires on"] >= 10  # 2026-10-30: ten characters
    # a company's Chinese name counts two per character: 宁波北仑顺达1物流有限公司
    assert width["Company"] >= 2 * 12 + 1


def test_licences_filters_by_status_butler_and_dates(client, exported):
    client.force_login(exported.manager)

    def companies(**query):
        return sorted(row[0] for row in csv_rows(client.get(url("licences", "csv"), query))[1:])

    assert companies(status=LicenceStatus.MATERIALS_MISSING) == [exported.company_b.name]
    assert companies(butler=exported.butler_a.pk) == [exported.company_a.name]
    assert companies(since="2026-10-30", until="2026-10-30") == [exported.company_a.name]  # issued that day
    assert len(companies(since="2027-01-01", until="2027-01-01")) == 2  # both to obtain by then
    assert companies(since="2027-02-01", until="2027-02-28") == []


def test_contacts_csv_shows_local_times_and_filters_by_who_recorded(client, exported):
    client.force_login(exported.manager)
    rows = csv_rows(client.get(url("contacts", "csv"), **EN))
    assert rows[0] == english_headers("contacts")
    value = {row[4]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    call = value["询问车辆年审材料"]
    assert call["When"] == "2026-10-30 14:05"  # Beijing time, not UTC
    assert call["Company"] == exported.company_a.name
    assert call["Channel"] == "Phone"
    assert call["Who took part"] == "经理王1"
    assert call["Important"] == "yes"
    assert call["Return visit due"] == "2026-11-04"
    assert call["Return visit made"] == ""
    assert call["Recorded by"] == "王丽娜"
    assert call["Licence"] == CompanyLicence.objects.get(company=exported.company_a).licence_type.name_en
    mine = csv_rows(client.get(url("contacts", "csv"), {"butler": exported.butler_b.pk}))
    assert [row[4] for row in mine[1:]] == ["咨询危货"]
    october = csv_rows(client.get(url("contacts", "csv"), {"since": "2026-10-30", "until": "2026-10-30"}))
    assert [row[4] for row in october[1:]] == ["询问车辆年审材料"]


def test_cases_xlsx_shows_the_feedback_and_filters_by_the_butler_concerned(client, exported):
    client.force_login(exported.manager)
    rows = xlsx_rows(client.get(url("cases", "xlsx"), **EN))
    assert list(rows[0]) == english_headers("cases")
    assert len(rows) == 3
    value = {row[3]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    rating = value["Rating ★1"]
    assert rating["Company"] == exported.company_a.name
    assert rating["About the butler"] == "王丽娜"
    assert rating["Next step"] == "To verify"
    assert isinstance(rating["Opened at"], datetime) and rating["Opened at"].hour == 9  # local time
    case = AuditCase.objects.get(rating__isnull=False)
    assert rating["Case number"] == case.number
    assert rating["Next step due"] == datetime.combine(case.step_due, datetime.min.time())
    assert value["Suggestion: Materials"]["About the butler"] is None
    about_a = xlsx_rows(client.get(url("cases", "xlsx"), {"butler": exported.butler_a.pk}, **EN))
    assert [row[3] for row in about_a[1:]] == ["Rating ★1"]
    assert len(xlsx_rows(client.get(url("cases", "xlsx"), {"since": "2026-11-03"}))) == 1


def test_headers_and_values_follow_the_users_language(client, exported, tmp_path, settings):
    """With a catalogue that translates them (the lead's comes later), headers and choices are Chinese."""
    import polib

    catalogue = polib.POFile()
    catalogue.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
    for english, chinese in (("Company", "企业"), ("Status", "状态"), ("Issued", "已核发")):
        catalogue.append(polib.POEntry(msgid=english, msgstr=chinese))
    folder = tmp_path / "zh_Hans" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    catalogue.save_as_mofile(str(folder / "django.mo"))
    settings.LOCALE_PATHS = [tmp_path, *settings.LOCALE_PATHS]
    client.force_login(exported.manager)
    rows = csv_rows(client.get(url("licences", "csv"), HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert (rows[0][0], rows[0][4]) == ("企业", "状态")
    assert "已核发" in [row[4] for row in rows[1:]]
    english = csv_rows(client.get(url("licences", "csv"), HTTP_ACCEPT_LANGUAGE="en"))
    assert (english[0][0], english[0][4]) == ("Company", "Status")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_table_downloads_in_both_formats_with_a_dated_filename(client, exported, table, fmt):
    client.force_login(exported.manager)
    response = client.get(url(table, fmt))
    assert response.status_code == 200
    assert f'filename="{table}-2026-11-02.{fmt}"' in response["Content-Disposition"]
    rows = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
    assert len(rows) >= 3


# --- the writer ---------------------------------------------------------------------------------------------


def test_text_that_looks_like_a_formula_stays_text(client, exported):
    contacts.contact_record(
        actor=exported.butler_a.user,
        company=exported.company_a,
        channel=ContactRecord.Channel.PHONE,
        summary='=HYPERLINK("http://evil.example","点击")\x0b',
    )
    client.force_login(exported.manager)
    summaries = [row[4] for row in csv_rows(client.get(url("contacts", "csv")))[1:]]
    assert '\'=HYPERLINK("http://evil.example","点击")' in summaries
    response = client.get(url("contacts", "xlsx"))
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cells = [row[4] for row in workbook.active.iter_rows(min_row=2)]
    formula = next(cell for cell in cells if str(cell.value).startswith("=HYPERLINK"))
    assert formula.data_type == "s"  # a string, not a formula; the control character is gone
    assert formula.value == '=HYPERLINK("http://evil.example","点击")'


# --- bad requests ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("table", "fmt"), [("people", "csv"), ("licences", "pdf"), ("licences", "CSV")])
def test_unknown_table_or_format_is_not_found(client, world, table, fmt):
    client.force_login(world.manager)
    assert client.get(url(table, fmt)).status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        {"since": "not-a-date"},
        {"until": "2026-13-45"},
        {"butler": "999999"},
        {"butler": "abc"},
        {"business_type": "-1"},
        {"status": "sunk"},
        {"since": "2026-11-02", "until": "2026-10-01"},
    ],
)
def test_bad_filters_show_the_form_with_its_error_not_a_crash(client, world, query):
    client.force_login(world.manager)
    response = client.get(url("licences", "csv"), query, **EN)
    assert response.status_code == 400
    assert response.context["form"].errors
    assert "invalid-feedback" in response.content.decode()


# --- who may download ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 302),
        ("contact_a", 403),
        ("butler_a", 403),
        ("butler_b", 403),
        ("outsider", 403),
        ("manager", 200),
    ],
)
@pytest.mark.parametrize("name", ["exports", "table", "lookback"])
def test_only_managers_reach_the_exports(client, world, who, expected, name):
    if who != "anonymous":
        user = getattr(world, who)
        client.force_login(getattr(user, "user", user))
    target = url("companies", "csv") if name == "table" else reverse(f"oversight:{name}")
    response = client.get(target)
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith(reverse("login"))


def test_a_deactivated_manager_is_sent_to_sign_in(client, world):
    from butler.security import roles

    gone = make_user("gone_manager", roles.MANAGER, is_active=False)
    client.force_login(gone)
    response = client.get(url("licences", "csv"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_exports_page_lists_every_table_with_both_formats(client, world):
    client.force_login(world.manager)
    response = client.get(reverse("oversight:exports"), **EN)
    page = response.content.decode()
    assert response.status_code == 200
    for table in TABLES:
        assert f'formaction="{url(table, "csv")}"' in page
        assert f'formaction="{url(table, "xlsx")}"' in page
    assert reverse("oversight:lookback") in page


# --- query counts -------------------------------------------------------------------------------------------


def _volume(world, start: int, size: int) -> None:
    """Companies served by butler B, each with a contact, a licence with a trip and a missing material, a
    contact record and a suggestion with its audit case."""
    road = BusinessType.objects.get(code="road_freight")
    licence_type = CompanyLicence.objects.get(company=world.company_a).licence_type
    material = LicenceMaterial.objects.filter(licence_type=licence_type).first()
    for n in range(start, start + size):
        company = CompanyFactory(credit_code=credit_code(70_000 + n))
        company.business_types.set([road])
        contact = ContactFactory(company=company, mobile=f"137{n:08d}")
        ServicePeriodFactory(company=company, butler=world.butler_b, start_date=date(2026, 10, 1))
        licence = CompanyLicence.objects.create(
            company=company, licence_type=licence_type, subject_key="company", status="missing"
        )
        licence.missing_materials.set([material])
        Trip.objects.create(licence=licence, date=date(2026, 10, 9), purpose="递交")
        ContactRecord.objects.create(
            company=company,
            recorded_by=world.butler_b.user,
            channel="phone",
            summary=f"第{n}次",
            licence=licence,
        )
        suggestion = Suggestion.objects.create(
            company=company,
            contact=contact,
            submitted_by=world.manager,
            source="butler",
            category="online",
            text="慢",
        )
        AuditCase.objects.create(suggestion=suggestion, company=company, handler=world.butler_b.user)


def _queries(client, table: str, fmt: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url(table, fmt))
        rows = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
    return len(captured), len(rows) - 1


# measured 5, 4, 4, 4 on SQLite and PostgreSQL with every kind of row in each table, CSV and XLSX alike
EXPORT_QUERIES = {"companies": 7, "licences": 6, "contacts": 6, "cases": 6}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_take_as_many_queries_for_60_rows_as_for_6(client, world, fmt):
    """``_volume``'s companies, each also with a vehicle and its licence, a contact about that licence and a
    bad rating with its audit case: every kind of row in each table."""
    client.force_login(world.manager)
    vehicle_licence = LicenceType.objects.get(code="vehicle_certificate")

    def fill(first: int, stop: int):
        _volume(world, first, stop - first)
        for company in Company.objects.filter(
            credit_code__in=[credit_code(70_000 + n) for n in range(first, stop)]
        ):
            vehicle = Vehicle.objects.create(
                company=company, plate=f"浙B{company.pk:05d}", vehicle_type="truck", total_mass_kg=18000
            )
            licence = CompanyLicence.objects.create(
                company=company,
                licence_type=vehicle_licence,
                vehicle=vehicle,
                subject_key=f"vehicle:{vehicle.pk}",
            )
            ContactRecord.objects.create(
                company=company, recorded_by=world.manager, channel="visit", summary="车辆", licence=licence
            )
            contact = company.contacts.get()
            rating = Rating.objects.create(
                kind="butler",
                company=company,
                contact=contact,
                rated_by=world.manager,
                butler=world.butler_b,
                matter_key=f"volume:{company.pk}",
                overall=1,
            )
            AuditCase.objects.create(rating=rating, company=company, concerns=world.butler_b)

    counts = []
    for first, stop in ((0, 6), (6, 60)):
        fill(first, stop)
        counts.append({table: _queries(client, table, fmt) for table in TABLES})
    small, large = counts
    for table in TABLES:
        rows_a_company = 2 if table in ("licences", "contacts", "cases") else 1
        assert large[table][1] >= small[table][1] + 54 * rows_a_company, table
        assert large[table][0] == small[table][0] <= EXPORT_QUERIES[table], table
