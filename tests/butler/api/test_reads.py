"""Reading through the API sees what the pages show each role: a manager everything, a butler their
portfolio, a company contact their own company, anyone else nothing."""

from datetime import date

import pytest

from butler.firstvisit.services import first_visit_accept
from companies.models import CompanyLicence
from tests.butler.api.conftest import client_with
from tests.conftest import build_world, built_once_per_module, issue_road_freight_licence, register

pytestmark = pytest.mark.django_db

A = "宁波北仑顺达1物流有限公司"
B = "宁波北仑顺达2物流有限公司"
# Butler A's portfolio is filled: company A and ten more (3 to 12).
MORE = [f"宁波北仑顺达{n}物流有限公司" for n in range(3, 13)]
CERTIFICATE = "浙交运管许可甬字330206001234号"


def build():
    world = build_world()
    issue_road_freight_licence(world, certificate_number=CERTIFICATE)
    for n in range(3, 13):
        first_visit_accept(actor=world.butler_a.user, company_id=register(world.butler_a.user, n).pk)
    return world


filled = built_once_per_module(build)


@pytest.fixture
def world(filled, db, frozen_clock):
    return filled


def names(answer) -> list[str]:
    assert answer.status_code == 200, answer.content
    return sorted(row["name"] for row in answer.json()["results"])


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("manager", sorted([A, B, *MORE])),
        ("butler_a", sorted([A, *MORE])),
        ("contact_a", [A]),
        ("outsider", []),
    ],
)
def test_companies_each_role_sees(world, reader, role, expected):
    assert names(client_with(reader[role]).get("/api/v1/companies/")) == expected


@pytest.mark.parametrize(("role", "status"), [("manager", 200), ("butler_a", 404), ("contact_a", 404)])
def test_another_portfolios_company_is_not_found(world, reader, role, status):
    answer = client_with(reader[role]).get(f"/api/v1/companies/{world.company_b.pk}/")

    assert answer.status_code == status


def test_a_company_reads_with_its_butler_and_business_types(world, reader):
    answer = client_with(reader["contact_a"]).get(f"/api/v1/companies/{world.company_a.pk}/")

    assert answer.json() == {
        "id": world.company_a.pk,
        "name": A,
        "credit_code": world.company_a.credit_code,
        "registered_on": "2026-10-01",
        "district": "330206",
        "address": "宁波市北仑区新碶街道明州路188号",
        "legal_representative": "李四",
        "status": "operating",
        "status_since": None,
        "business_types": ["road_freight"],
        "butler": "王丽娜",
    }


@pytest.mark.parametrize(
    ("role", "companies"),
    [("manager", {"A", "B", "more"}), ("butler_a", {"A", "more"}), ("contact_a", {"A"}), ("outsider", set())],
)
def test_licences_each_role_sees(world, reader, role, companies):
    answer = client_with(reader[role]).get("/api/v1/licences/", {"page_size": 500})

    ids = {row["company"] for row in answer.json()["results"]}
    letters = {world.company_a.pk: "A", world.company_b.pk: "B"}
    assert {letters.get(pk, "more") for pk in ids} == companies


def test_a_licence_reads_with_its_deadlines(world, reader):
    licence = CompanyLicence.objects.get(company=world.company_a, licence_type__code="road_freight_licence")

    answer = client_with(reader["butler_a"]).get(f"/api/v1/licences/{licence.pk}/")

    row = answer.json()
    assert (row["licence_type"], row["status"], row["certificate_number"]) == (
        "road_freight_licence",
        "issued",
        CERTIFICATE,
    )
    assert (row["accepted_on"], row["decided_on"], row["issued_on"]) == (
        "2026-11-02",
        "2026-11-02",
        "2026-11-02",
    )
    assert (row["expires_on"], row["renew_by"]) == ("2030-11-01", "2030-10-02")


def test_one_companys_licences(world, reader):
    answer = client_with(reader["manager"]).get("/api/v1/licences/", {"company": world.company_b.pk})

    assert {row["company"] for row in answer.json()["results"]} == {world.company_b.pk}
    assert client_with(reader["manager"]).get("/api/v1/licences/", {"company": "b"}).json() == {
        "company": ["企业编号应为数字。"]
    }


def test_contacts_show_who_to_ask_for_not_their_numbers(world, reader):
    answer = client_with(reader["butler_a"]).get("/api/v1/contacts/", {"company": world.company_a.pk})

    assert answer.json()["results"] == [
        {
            "id": world.contact_a.contact.pk,
            "company": world.company_a.pk,
            "name": "王1",
            "position": "",
            "is_primary": True,
        }
    ]


@pytest.mark.parametrize(
    ("role", "count"), [("manager", 12), ("butler_a", 11), ("contact_a", 1), ("outsider", 0)]
)
def test_periods_each_role_sees(world, reader, role, count):
    rows = client_with(reader[role]).get("/api/v1/periods/").json()["results"]

    assert len(rows) == count
    if role == "contact_a":
        assert rows[0]["butler"] == "王丽娜"
        assert rows[0]["start_date"] == "2026-11-02"
        assert rows[0]["last_day"] == "2027-04-30"


def test_reminders_are_the_callers_own(world, reader):
    mine = client_with(reader["butler_a"]).get("/api/v1/reminders/", {"page_size": 500}).json()["results"]
    theirs = client_with(reader["manager"]).get("/api/v1/reminders/", {"page_size": 500}).json()["results"]

    assert mine, "butler A is reminded of the renewal"
    assert {row["kind"] for row in mine} >= {"renew_by"}
    assert {row["id"] for row in mine}.isdisjoint({row["id"] for row in theirs})


@pytest.mark.parametrize(
    ("role", "status"), [("manager", 200), ("butler_a", 200), ("contact_a", 403), ("outsider", 403)]
)
def test_figures_are_for_the_staff(world, reader, role, status):
    answer = client_with(reader[role]).get("/api/v1/figures/", {"since": "2026-10-01", "until": "2026-11-02"})

    assert answer.status_code == status
    if role == "manager":
        figures = answer.json()
        assert (figures["since"], figures["until"], figures["in_service"]) == ("2026-10-01", "2026-11-02", 12)
    if role == "butler_a":
        assert answer.json()["in_service"] == 11


def test_figures_refuse_a_range_that_ends_before_it_starts(world, reader):
    answer = client_with(reader["manager"]).get(
        "/api/v1/figures/", {"since": "2026-11-02", "until": "2026-10-01"}
    )

    assert answer.status_code == 400
    assert answer.json() == {"until": ["结束日期不能早于开始日期。"]}


def test_pages_read_on_with_a_cursor(world, reader):
    client = client_with(reader["butler_a"])

    first = client.get("/api/v1/companies/", {"page_size": 8}).json()
    second = client.get(first["next"]).json()

    assert len(first["results"]) == 8
    assert len(second["results"]) == 3 and second["next"] is None
    seen = [row["id"] for row in first["results"] + second["results"]]
    assert seen == sorted(seen, reverse=True) and len(set(seen)) == 11


# Each: the token, its last use noted, the user's roles, the rows — and the companies' business types and
# butlers, the licences' approval cases.
@pytest.mark.parametrize(
    ("path", "queries"),
    [("/api/v1/companies/", 6), ("/api/v1/licences/", 5), ("/api/v1/periods/", 4), ("/api/v1/contacts/", 4)],
)
def test_a_list_costs_the_same_queries_however_many_rows(
    world, reader, path, queries, django_assert_max_num_queries
):
    assert CompanyLicence.objects.filter(company__service_periods__butler=world.butler_a).count() == 11
    client = client_with(reader["butler_a"])

    with django_assert_max_num_queries(queries):
        answer = client.get(path, {"page_size": 100})

    assert len(answer.json()["results"]) == 11


def test_a_date_the_figures_cannot_read_is_refused(world, reader):
    answer = client_with(reader["manager"]).get("/api/v1/figures/", {"since": "2026-13-01"})

    assert answer.status_code == 400
    assert list(answer.json()) == ["since"]


def test_nothing_is_changed_through_a_read(world, reader):
    answer = client_with(reader["manager"]).delete(f"/api/v1/companies/{world.company_a.pk}/")

    assert answer.status_code == 405
    assert date(2026, 10, 1) == type(world.company_a).objects.get(pk=world.company_a.pk).registered_on


def test_a_parameter_the_endpoint_does_not_take_is_refused_by_name(world, reader):
    answer = client_with(reader["manager"]).get("/api/v1/companies/", {"compnay": world.company_a.pk})

    assert answer.status_code == 400
    assert answer.json() == {"compnay": ["此接口不接受这个参数。"]}


@pytest.mark.parametrize("size", ["0", "501", "ten"])
def test_a_page_size_out_of_range_is_refused(world, reader, size):
    answer = client_with(reader["manager"]).get("/api/v1/companies/", {"page_size": size})

    assert answer.status_code == 400
    assert answer.json() == {"page_size": ["每页可取 1 至 500 行。"]}


def test_an_unknown_address_answers_404_in_json(world, reader):
    answer = client_with(reader["manager"]).get("/api/v1/companies/a1/")

    assert answer.status_code == 404
    assert answer.json() == {"detail": "未找到。"}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/companies/1000000000/",
        "/api/v1/companies/99999999999999999999/",
        "/api/v1/licences/99999999999999999999/",
        "/api/v1/companies/%3Cscript%3E/",
        "/api/v1/companies/1%00/",
    ],
)
def test_an_id_that_is_not_there_answers_404(world, reader, path):
    answer = client_with(reader["manager"]).get(path)

    assert answer.status_code == 404
    assert answer["Content-Type"] == "application/json"


def test_another_companys_licence_is_not_found_for_a_contact(world, reader):
    licence = CompanyLicence.objects.filter(company=world.company_b).first()

    assert client_with(reader["contact_a"]).get(f"/api/v1/licences/{licence.pk}/").status_code == 404
    assert client_with(reader["manager"]).get(f"/api/v1/licences/{licence.pk}/").status_code == 200
