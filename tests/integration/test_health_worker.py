"""The tasks check of ``/healthz`` follows a real worker: nothing completed, it fails; beat's heartbeat queued
once on the configured broker (Redis in CI) and completed by a Celery worker process, it turns ok."""

import json

import pytest
from django.urls import reverse

from tests.integration.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def _tasks_check(client) -> tuple[int, dict]:
    response = client.get(reverse("healthz"))
    return response.status_code, json.loads(response.content)["checks"]["tasks"]


def test_a_worker_completing_the_beat_heartbeat_turns_the_tasks_check_ok(client, start_worker, product_shell):
    status, tasks = _tasks_check(client)
    assert (status, tasks["status"], tasks["last_completed"]) == (503, "fail", None)

    worker = start_worker("--pool=solo")
    # Beat's part, once, from a process of its own: send the schedule's heartbeat entry as beat sends it.
    product_shell(
        "from django.conf import settings; from butler.celery import app; "
        "entry = settings.CELERY_BEAT_SCHEDULE['record-heartbeat']; "
        "app.send_task(entry['task'], **entry['options'])"
    )

    assert wait_for(lambda: _tasks_check(client)[0] == 200, timeout=60, every=0.2, worker=worker), (
        f"the worker did not complete the heartbeat:\n{worker.output()}"
    )
    status, tasks = _tasks_check(client)
    assert tasks["status"] == "ok"
    assert tasks["age_seconds"] < 60
