"""Integration keys: kept hashed, revoked at once, held to their scopes and their rate, every call logged."""

import logging

import pytest

from butler.api.models import ApiToken
from butler.api.tokens import token_revoke
from tests.butler.api.conftest import client_with, token_for

pytestmark = pytest.mark.django_db


def test_the_key_is_kept_only_as_its_hash(world):
    token, key = token_for(world.manager)

    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert key not in str(stored)
    assert stored["prefix"] == key[:10]
    assert len(stored["key_hash"]) == 64


def test_a_call_without_a_key_or_with_a_wrong_one_is_refused_with_401(world):
    _token, key = token_for(world.manager)

    assert client_with(None).get("/api/v1/companies/").status_code == 401
    wrong = client_with(key[:-2] + "xx").get("/api/v1/companies/")
    assert wrong.status_code == 401
    assert wrong["WWW-Authenticate"] == 'Bearer realm="api"'
    assert client_with(key).get("/api/v1/companies/").status_code == 200


def test_a_revoked_key_stops_working_at_once(world):
    token, key = token_for(world.manager)
    assert client_with(key).get("/api/v1/companies/").status_code == 200

    token_revoke(actor=world.manager, token=token)

    answer = client_with(key).get("/api/v1/companies/")
    assert answer.status_code == 401
    assert answer.json() == {"detail": "密钥无效或已被吊销。"}


def test_a_key_of_a_user_switched_off_stops_working(world):
    _token, key = token_for(world.butler_a.user)
    world.butler_a.user.is_active = False
    world.butler_a.user.save()

    assert client_with(key).get("/api/v1/companies/").status_code == 401


@pytest.mark.parametrize(
    ("scopes", "method", "path", "allowed"),
    [
        (("read",), "get", "/api/v1/companies/", True),
        (("read",), "post", "/api/v1/events/", False),
        (("read",), "post", "/api/v1/registrations/", False),
        (("events",), "get", "/api/v1/companies/", False),
        (("events",), "get", "/api/v1/figures/", False),
        (("events",), "post", "/api/v1/events/", True),
        (("events",), "post", "/api/v1/registrations/", False),
        (("registrations",), "post", "/api/v1/registrations/", True),
        (("registrations",), "post", "/api/v1/events/", False),
        (("registrations",), "get", "/api/v1/licences/", False),
    ],
)
def test_each_scope_opens_only_its_endpoints(world, scopes, method, path, allowed):
    _token, key = token_for(world.manager, *scopes)

    answer = getattr(client_with(key), method)(path, {}, format="json")

    if allowed:
        assert answer.status_code != 403
    else:
        assert answer.status_code == 403
        assert answer.json() == {"detail": "此密钥的权限范围不允许这次调用。"}


def test_each_key_has_its_own_rate(world):
    _slow, slow_key = token_for(world.manager, rate="3/min", name="日历同步")
    _other, other_key = token_for(world.manager, name="数据看板")

    answers = [client_with(slow_key).get("/api/v1/companies/").status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]
    assert client_with(other_key).get("/api/v1/companies/").status_code == 200


def test_every_call_is_logged_with_its_request_id_and_its_integration(world, caplog):
    _token, key = token_for(world.manager, name="浙政钉看板")

    with caplog.at_level(logging.INFO, logger="butler.api"):
        answer = client_with(key, HTTP_X_REQUEST_ID="a1b2c3d4e5f60718").get("/api/v1/companies/")

    assert answer["X-Request-ID"] == "a1b2c3d4e5f60718"
    [record] = [r for r in caplog.records if r.name == "butler.api"]
    assert record.getMessage() == "api GET /api/v1/companies/ 200"
    assert (record.request_id, record.token, record.status) == ("a1b2c3d4e5f60718", "浙政钉看板", 200)


def test_the_last_use_is_noted(world):
    token, key = token_for(world.manager)
    assert token.last_used_at is None

    client_with(key).get("/api/v1/companies/")

    token.refresh_from_db()
    assert token.last_used_at is not None


def test_an_english_caller_reads_the_errors_in_english(world):
    _token, key = token_for(world.manager, "read")

    answer = client_with(key, HTTP_ACCEPT_LANGUAGE="en").post("/api/v1/events/", {}, format="json")

    assert answer.json() == {"detail": "This key's scopes do not allow this call."}
