"""The API's docs page and its OpenAPI schema."""

import pytest

from tests.butler.api.conftest import client_with, token_for
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "status"), [("manager", 200), ("butler_a", 200), ("contact_a", 403), ("outsider", 403)]
)
def test_the_docs_page_is_for_the_staff(world, client, role, status):
    user = {
        "manager": world.manager,
        "butler_a": world.butler_a.user,
        "contact_a": world.contact_a,
        "outsider": world.outsider,
    }[role]
    client.login(username=user.username, password=PASSWORD)

    answer = client.get("/api/v1/docs/")

    assert answer.status_code == status
    if status == 200:
        page = answer.content.decode()
        assert "swagger-ui" in page
        assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page


def test_the_docs_page_asks_a_visitor_to_sign_in(client):
    answer = client.get("/api/v1/docs/")

    assert answer.status_code == 302
    assert answer["Location"].startswith("/accounts/login/")


def test_the_docs_script_loads_the_schema_from_the_product(world, client):
    client.login(username="manager", password=PASSWORD)

    script = client.get("/api/v1/docs/", {"script": ""})

    assert script.status_code == 200
    assert "/api/v1/schema/" in script.content.decode()


def test_the_schema_describes_every_endpoint(world):
    key = token_for(world.butler_a.user, "read")[1]

    answer = client_with(key).get("/api/v1/schema/", {"format": "json"})

    assert answer.status_code == 200
    paths = set(answer.json()["paths"])
    assert paths == {
        "/api/v1/companies/",
        "/api/v1/companies/{id}/",
        "/api/v1/contacts/",
        "/api/v1/contacts/{id}/",
        "/api/v1/events/",
        "/api/v1/figures/",
        "/api/v1/licences/",
        "/api/v1/licences/{id}/",
        "/api/v1/periods/",
        "/api/v1/periods/{id}/",
        "/api/v1/registrations/",
        "/api/v1/reminders/",
        "/api/v1/reminders/{id}/",
    }


def test_the_schema_is_not_for_visitors(client):
    assert client.get("/api/v1/schema/").status_code == 401
