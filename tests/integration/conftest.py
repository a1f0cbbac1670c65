"""Fresh processes of the product against the test database and the configured broker (Redis in CI, the file
system locally), with the peers that messages leave for listening on loopback: an SMTP sink, an SMS
gateway stand-in and a staff-chat robot stand-in."""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from tests.clock import shared_clock_environment
from tests.integration.sinks import ChatRobot, SmsGateway, SmtpSink


@pytest.fixture
def smtp_sink():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def sms_gateway():
    gateway = SmsGateway().start()
    yield gateway
    gateway.stop()


@pytest.fixture
def chat_robot():
    robot = ChatRobot().start()
    yield robot
    robot.stop()


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{host}:{port}/{db['NAME']}"


def _forget_queue(queue: str) -> None:
    """Remove what a test's queue leaves in Redis: messages nobody took, and those a killed worker held —
    Redis would hand them back, after its visibility timeout, to a queue nobody reads."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    for tag, raw in client.hscan_iter("unacked"):
        _message, exchange, routing_key = json.loads(raw)
        if queue in (exchange, routing_key):
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)
    client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    client.close()


@pytest.fixture
def service_env(smtp_sink, sms_gateway, chat_robot, tmp_path):
    """Environment for fresh processes of the product: the test database, the broker, the three peers."""
    (tmp_path / "broker" / "processed").mkdir(parents=True)
    (tmp_path / "broker" / "control").mkdir(parents=True)
    queue = f"test-{uuid.uuid4().hex[:8]}"
    yield {
        **shared_clock_environment(),
        "DJANGO_SETTINGS_MODULE": "butler.settings.base",
        "DEBUG": "1",
        "DATABASE_URL": _database_url(),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_sink.port),
        "BUTLER_SMS_BACKEND": "http",
        "BUTLER_SMS_URL": sms_gateway.url,
        "BUTLER_SMS_KEY": sms_gateway.api_key,
        "BUTLER_SMS_RATE": "1000",
        "BUTLER_CHAT_BACKEND": "http",
        "BUTLER_CHAT_WEBHOOK_URL": chat_robot.url,
        "BUTLER_CHAT_SECRET": chat_robot.secret,
        # Texts (and chat mentions) go out whatever the hour the suite runs at.
        "BUTLER_SMS_HOURS": "00:00-23:59:59.999999",
        # Its own queue, so that no other worker on the same Redis takes the messages.
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "CELERY_BROKER_DIR": str(tmp_path / "broker"),
    }
    if settings.REDIS_URL:
        _forget_queue(queue)


class Worker:
    """A Celery worker process of its own (a process group, so that its pool goes down with it)."""

    def __init__(self, env: dict, log: Path, *options: str):
        self.log = log
        with log.open("wb") as output:
            self.process = subprocess.Popen(  # noqa: S603 - our own worker
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "butler",
                    "worker",
                    "-Q",
                    env["CELERY_TASK_DEFAULT_QUEUE"],
                    "-n",
                    f"{log.stem}-{uuid.uuid4().hex[:6]}@%h",
                    "--without-mingle",
                    "--without-gossip",
                    "--loglevel=WARNING",
                    *options,
                ],
                cwd=settings.BASE_DIR,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def assert_alive(self) -> None:
        assert self.process.poll() is None, f"the worker stopped:\n{self.output()}"

    def kill(self) -> None:
        """Take the worker down at once, pool and all, as a power cut would: nothing is acknowledged."""
        os.killpg(self.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def shut_down(self) -> None:
        """A warm shutdown, as ``systemctl stop`` asks for it: the main process lets its pool finish the tasks
        it is running and puts back those it had not started."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.stop()

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        os.killpg(self.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def start_worker(service_env, tmp_path):
    """Start a worker on the test's queue, e.g. ``start_worker("--pool=solo")``; all are stopped after.
    ``env`` changes its environment (a setting, or its clock with ``tests.clock.clock_environment_at``)."""
    workers: list[Worker] = []

    def start(*options: str, env: dict | None = None) -> Worker:
        environment = {**service_env, **(env or {})}
        worker = Worker(environment, tmp_path / f"worker{len(workers) + 1}.log", *options)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture
def product_shell(service_env):
    """Run Python in a fresh process of the product (``manage.py shell -c``), as a web server or beat would;
    returns what it printed."""

    def run(code: str) -> str:
        done = subprocess.run(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
            cwd=settings.BASE_DIR,
            env=service_env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    return run


def wait_for(condition, *, timeout: float, every: float = 0.1, worker: Worker | None = None) -> bool:
    """Poll until ``condition()`` is true; False when the time ran out. A worker given must stay up."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if worker is not None:
            worker.assert_alive()
        if time.monotonic() >= deadline:
            return False
        time.sleep(every)
