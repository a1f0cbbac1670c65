"""``/healthz``: 200 with every check ok, 503 when the database, the cache or the workers fail; open to
everyone, cheap, and it writes nothing for the request itself."""

import json
from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.db import OperationalError, connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from butler import tasks
from butler.health import checks as health
from butler.health.views import healthz
from butler.models import TaskHeartbeat

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 2, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def _get(client, method="get"):
    response = getattr(client, method)(reverse("healthz"))
    body = json.loads(response.content) if response.content else None
    return response, body


def test_all_up_answers_200_with_every_check_ok(client):
    tasks.record_heartbeat.delay()

    response, body = _get(client)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert body["status"] == "ok"
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "ok",
        "cache": "ok",
        "tasks": "ok",
    }
    assert body["checks"]["tasks"]["limit_minutes"] == settings.BUTLER_HEALTH_TASK_MINUTES
    assert "no-cache" in response["Cache-Control"]


# The check reads two things: SELECT 1 and the last heartbeat (measured 2 on SQLite). On PostgreSQL each sets
# its statement timeout first, in an atomic block of its own — a savepoint inside the test's transaction:
# measured 8 statements. The bound is each database's own count.
HEALTH_QUERIES = {"postgresql": 8, "sqlite": 2}


def test_the_request_writes_nothing_and_sets_no_cookie(client):
    health.heartbeat_record()
    with CaptureQueriesContext(connection) as queries:
        response, _body = _get(client)
    assert len(queries) <= HEALTH_QUERIES.get(connection.vendor, 8)

    assert response.status_code == 200
    assert not response.cookies
    written = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].lstrip().split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}
    ]
    assert written == []


def test_the_body_names_no_secret_address_or_version(client, settings):
    settings.SECRET_KEY = "a-very-secret-key-for-this-test-only"
    health.heartbeat_record()
    response, _body = _get(client)
    text = response.content.decode()

    for secret in (settings.SECRET_KEY, connection.settings_dict["NAME"], "version", "127.0.0.1", "redis://"):
        assert secret not in text


def test_tasks_fail_once_the_last_completion_is_older_than_the_limit(client):
    with time_machine.travel(T0, tick=False):
        tasks.record_heartbeat.delay()

    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        response, body = _get(client)
    assert response.status_code == 200
    assert body["checks"]["tasks"]["age_seconds"] == 600

    with time_machine.travel(T0 + timedelta(minutes=10, seconds=1), tick=False):
        response, body = _get(client)
    assert response.status_code == 503
    assert body["status"] == "fail"
    tasks_check = body["checks"]["tasks"]
    assert datetime.fromisoformat(tasks_check.pop("last_completed")) == T0
    assert tasks_check == {"status": "fail", "age_seconds": 601, "limit_minutes": 10}
    assert body["checks"]["database"]["status"] == body["checks"]["cache"]["status"] == "ok"


def test_the_limit_is_the_configured_number_of_minutes(client, settings):
    settings.BUTLER_HEALTH_TASK_MINUTES = 3
    with time_machine.travel(T0, tick=False):
        health.heartbeat_record()
    with time_machine.travel(T0 + timedelta(minutes=3, seconds=1), tick=False):
        response, body = _get(client)
    assert response.status_code == 503
    assert body["checks"]["tasks"]["limit_minutes"] == 3


def test_tasks_fail_when_no_task_ever_completed(client):
    response, body = _get(client)

    assert response.status_code == 503
    assert body["checks"]["tasks"]["status"] == "fail"
    assert body["checks"]["tasks"]["last_completed"] is None


def test_a_database_that_fails_answers_503_without_its_message(client):
    health.heartbeat_record()
    with mock.patch.object(
        connection, "cursor", side_effect=OperationalError("could not connect to server at db.internal:5432")
    ):
        response, body = _get(client)

    assert response.status_code == 503
    assert body["status"] == "fail"
    assert body["checks"]["database"] == {"status": "fail", "error": "OperationalError"}
    assert body["checks"]["tasks"]["status"] == "fail"  # its time is in the database too
    assert body["checks"]["cache"]["status"] == "ok"
    assert "db.internal" not in response.content.decode()


def test_a_cache_that_loses_what_it_was_given_fails(client):
    health.heartbeat_record()
    with mock.patch("butler.health.checks.cache.get", return_value=None):
        response, body = _get(client)

    assert response.status_code == 503
    assert body["checks"]["cache"] == {"status": "fail", "error": "mismatch"}


def test_a_redis_that_does_not_answer_fails_the_cache_check(client, settings):
    """With REDIS_URL the broker is PINGed: nothing listens on port 1, the connection is refused at once."""
    health.heartbeat_record()
    settings.REDIS_URL = settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"

    response, body = _get(client)

    assert response.status_code == 503
    assert body["checks"]["cache"] == {"status": "fail", "error": "ConnectionError"}


def test_head_works_and_other_methods_are_refused(client):
    response, body = _get(client, "head")
    assert (response.status_code, body) == (503, None)  # no task completed yet
    health.heartbeat_record()
    response = healthz(RequestFactory().head(reverse("healthz")))  # the view itself: the client strips HEAD
    assert (response.status_code, response.content) == (200, b"")
    assert client.post(reverse("healthz")).status_code == 405


def test_the_heartbeat_keeps_one_row_with_the_last_completion(settings):
    with time_machine.travel(T0, tick=False):
        tasks.record_heartbeat.delay()
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        tasks.record_heartbeat.delay()

    assert list(TaskHeartbeat.objects.values_list("pk", "completed_at")) == [(1, T0 + timedelta(minutes=1))]


def test_beat_queues_the_heartbeat_every_minute_and_drops_one_older_than_the_limit(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["record-heartbeat"]
    assert entry["task"] == tasks.record_heartbeat.name
    assert entry["schedule"] == 60
    assert entry["options"]["expires"] == settings.BUTLER_HEALTH_TASK_MINUTES * 60


def test_a_statement_slower_than_the_timeout_is_cut_off_and_the_limit_does_not_stay():
    """On PostgreSQL a database that holds the check fails it within the statement timeout, and the timeout
    ends with the check's transaction (a pooled connection keeps its own). SQLite has no statement timeout."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no statement timeout: run with DATABASE_URL=postgres://…")
    with (
        mock.patch.object(health, "STATEMENT_TIMEOUT_MS", 200),
        pytest.raises(OperationalError),
        health._bounded_cursor() as cursor,
    ):
        cursor.execute("SELECT pg_sleep(2)")
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"
