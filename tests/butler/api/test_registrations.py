"""The market regulator's new registrations sent through the API: all or none, idempotent by credit code."""

import pytest

from butler.service.models import ServicePeriod
from companies.models import Company
from tests.butler.api.conftest import client_with, token_for
from tests.factories import credit_code

pytestmark = pytest.mark.django_db


def company(n: int, **fields) -> dict:
    return {
        "credit_code": credit_code(n),
        "name": f"宁波北仑远航{n}运输有限公司",
        "registered_on": "2026-10-28",
        "address": "宁波市北仑区大碶街道庐山西路1号",
        "legal_representative": "陈五",
        "mobile": f"1390574{n:04d}",
        "business_types": ["道路普通货物运输"],
        **fields,
    }


@pytest.fixture
def feed(world):
    return client_with(token_for(world.manager, "registrations", name="市场监管登记推送")[1])


def test_new_companies_are_registered_once_however_often_they_are_sent(world, feed):
    sent = {"companies": [company(31), company(32)]}

    first = feed.post("/api/v1/registrations/", sent, format="json")
    again = feed.post("/api/v1/registrations/", sent, format="json")

    assert first.json() == {"created": 2, "already": 0, "linked": 0}
    assert again.json() == {"created": 0, "already": 2, "linked": 0}
    new = Company.objects.get(credit_code=credit_code(31))
    assert (new.name, str(new.registered_on), new.legal_representative) == (
        "宁波北仑远航31运输有限公司",
        "2026-10-28",
        "陈五",
    )
    assert [t.code for t in new.business_types.all()] == ["road_freight"]
    assert new.contacts.get().mobile == "13905740031"
    # Registered with no butler yet: on the list for a first visit.
    assert not ServicePeriod.objects.filter(company=new).exists()


def test_one_wrong_company_registers_none_and_names_each_problem(world, feed):
    wrong_code = credit_code(34)[:-1] + ("0" if credit_code(34)[-1] != "0" else "1")
    sent = {"companies": [company(33), company(34, credit_code=wrong_code, mobile="12345")]}

    answer = feed.post("/api/v1/registrations/", sent, format="json")

    assert answer.status_code == 400
    problems = answer.json()["companies"]
    assert list(problems) == ["2"]
    assert sorted(problems["2"]) == ["credit_code", "mobile"]
    assert not Company.objects.filter(credit_code=credit_code(33)).exists()


@pytest.mark.parametrize("role", ["butler_a", "contact_a"])
def test_only_a_managers_key_registers(world, role):
    user = {"butler_a": world.butler_a.user, "contact_a": world.contact_a}[role]
    key = token_for(user, "registrations")[1]

    answer = client_with(key).post("/api/v1/registrations/", {"companies": [company(35)]}, format="json")

    assert answer.status_code == 403
    assert not Company.objects.filter(credit_code=credit_code(35)).exists()


def test_an_empty_list_is_refused(world, feed):
    answer = feed.post("/api/v1/registrations/", {"companies": []}, format="json")

    assert answer.status_code == 400
    assert list(answer.json()) == ["companies"]
