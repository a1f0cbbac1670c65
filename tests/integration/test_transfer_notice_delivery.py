"""The transfer notice leaves through the real parts: the transfer queues it on the configured broker
(Redis in CI), a Celery worker process picks it up and sends it to an SMTP server listening on loopback."""

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection

from butler import services
from butler.models import ServicePeriod
from tests.conftest import make_butler, make_user, register

pytestmark = pytest.mark.django_db(transaction=True)


class Sink:
    """Keeps every message the SMTP server accepts."""

    def __init__(self):
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_sink():
    sink = Sink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def service_env(smtp_sink, tmp_path):
    """Environment for fresh processes of the product: the test database, the broker, the SMTP sink."""
    _sink, port = smtp_sink
    (tmp_path / "broker" / "processed").mkdir(parents=True)
    (tmp_path / "broker" / "control").mkdir(parents=True)
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "butler.settings.base",
        "DEBUG": "1",
        "DATABASE_URL": _database_url(),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        # Its own queue, so that no other worker on the same Redis takes the message.
        "CELERY_TASK_DEFAULT_QUEUE": f"test-{uuid.uuid4().hex[:8]}",
        "CELERY_BROKER_DIR": str(tmp_path / "broker"),
    }


@pytest.fixture
def worker(service_env):
    """A real worker process on its own queue."""
    process = subprocess.Popen(  # noqa: S603 - our own worker
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "butler",
            "worker",
            "--pool=solo",
            "-Q",
            service_env["CELERY_TASK_DEFAULT_QUEUE"],
            "--loglevel=WARNING",
        ],
        cwd=settings.BASE_DIR,
        env=service_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def test_transfer_notice_is_mailed_by_a_worker_through_smtp(smtp_sink, worker, service_env):
    sink, _port = smtp_sink
    manager = make_user("manager_live", "Manager")
    first, second = make_butler("first_live", "王丽娜"), make_butler("second_live", "张伟")
    company = register(first.user, 800, email="boss@shunda.example")
    period = services.first_visit_accept(actor=first.user, company_id=company.pk).period

    # The manager's transfer runs in a process of its own, as a web server's would, and queues the notice.
    transfer = (
        "from butler import services; from butler.models import Butler, ServicePeriod; "
        "from django.contrib.auth import get_user_model; "
        f"services.service_period_transfer(actor=get_user_model().objects.get(pk={manager.pk}), "
        f"period=ServicePeriod.objects.get(pk={period.pk}), to_butler=Butler.objects.get(pk={second.pk}), "
        "reason='岗位调整')"
    )
    subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "shell", "-c", transfer],
        cwd=settings.BASE_DIR,
        env=service_env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    new_period = ServicePeriod.objects.active().get(company=company)
    assert new_period.butler == second

    deadline = time.monotonic() + 60
    while not sink.messages and time.monotonic() < deadline:
        assert worker.poll() is None, worker.stdout.read()
        time.sleep(0.2)
    assert len(sink.messages) == 1, "the worker did not deliver the notice"
    recipients, content = sink.messages[0]
    assert recipients == ["boss@shunda.example"]
    assert new_period.card_number in content
