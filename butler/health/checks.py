"""Is the product working? The checks behind ``/healthz``, for a load balancer or a monitor polling every few
seconds.

Three checks, each cheap and bounded in time:

- **database**: ``SELECT 1`` under a short statement timeout (PostgreSQL), so a database that accepts
  connections but does not answer fails the check instead of hanging it;
- **cache**: a set and a get of a key in the configured cache; with ``REDIS_URL`` the broker is PINGed first
  (with socket timeouts) — the cache and the broker are one Redis, and a Redis that does not answer fails
  here rather than hanging the cache call;
- **tasks**: a Celery worker completed the heartbeat task within ``BUTLER_HEALTH_TASK_MINUTES``. Beat queues
  ``butler.tasks.record_heartbeat`` every minute and the worker writes the time it completed into the one row
  of ``TaskHeartbeat``. Beat stopped, the broker unreachable, every worker dead or alive but stuck: no
  completion, and the check fails once the last one is older than the limit.

The report says ``ok`` or ``fail`` per check, with times and an error's class name only: no addresses,
credentials, messages or versions. The request itself writes nothing to the database or the session.
"""

import os
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from butler.health.models import TaskHeartbeat

OK, FAIL = "ok", "fail"
STATEMENT_TIMEOUT_MS = 2000
REDIS_TIMEOUT_SECONDS = 2.0
CACHE_KEY_SECONDS = 60

_redis_clients: dict[str, redis.Redis] = {}


@dataclass(frozen=True)
class HealthReport:
    """Each check's result; healthy when every one is ``ok``."""

    checks: dict[str, dict]

    @property
    def ok(self) -> bool:
        return all(check["status"] == OK for check in self.checks.values())

    def as_dict(self) -> dict:
        return {"status": OK if self.ok else FAIL, "checks": self.checks}


def health_report(*, now: datetime | None = None) -> HealthReport:
    """Run every check; a check that raises fails with the error's class name, and never takes the others
    down with it."""
    now = now or timezone.now()
    return HealthReport(
        checks={
            "database": _run(check_database),
            "cache": _run(check_cache),
            "tasks": _run(lambda: check_tasks(now=now)),
        }
    )


def heartbeat_record(*, at: datetime | None = None) -> None:
    """Record that a worker completed a task now (the heartbeat task calls this as its whole work)."""
    TaskHeartbeat.objects.update_or_create(pk=1, defaults={"completed_at": at or timezone.now()})


def check_database() -> dict:
    """``SELECT 1`` answered within the statement timeout."""
    started = time.monotonic()
    with _bounded_cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"status": OK, "ms": _ms_since(started)}


def check_cache() -> dict:
    """The broker answers PING (with Redis), and a key set in the cache reads back."""
    started = time.monotonic()
    result: dict = {"status": OK}
    broker_url = _redis_broker_url()
    if broker_url:
        _redis_client(broker_url).ping()
        result["broker"] = OK
    key = f"butler:healthz:{os.getpid()}:{threading.get_ident()}"
    token = f"{time.time_ns()}"
    cache.set(key, token, timeout=CACHE_KEY_SECONDS)
    if cache.get(key) != token:
        return {"status": FAIL, "error": "mismatch"}
    result["ms"] = _ms_since(started)
    return result


def check_tasks(*, now: datetime) -> dict:
    """A worker completed the heartbeat task within ``BUTLER_HEALTH_TASK_MINUTES`` of ``now``."""
    limit_minutes = settings.BUTLER_HEALTH_TASK_MINUTES
    with _bounded_cursor():
        last = TaskHeartbeat.objects.filter(pk=1).values_list("completed_at", flat=True).first()
    if last is None:
        return {"status": FAIL, "last_completed": None, "limit_minutes": limit_minutes}
    age = max(now - last, timedelta(0))  # a worker's clock slightly ahead is not an error
    return {
        "status": OK if age <= timedelta(minutes=limit_minutes) else FAIL,
        "last_completed": last.isoformat(),
        "age_seconds": int(age.total_seconds()),
        "limit_minutes": limit_minutes,
    }


def _run(check: Callable[[], dict]) -> dict:
    try:
        return check()
    except Exception as error:  # any failure of a peer is a failed check, never a server error
        return {"status": FAIL, "error": type(error).__name__}


@contextmanager
def _bounded_cursor():
    """A cursor whose statements PostgreSQL cuts off after ``STATEMENT_TIMEOUT_MS`` (``SET LOCAL``, so the
    limit ends with the transaction and never stays on a pooled connection). SQLite has no such limit, and no
    transaction is opened there: the product's SQLite transactions take the write lock up front."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('statement_timeout', %s, true)", [f"{STATEMENT_TIMEOUT_MS}ms"])
        yield cursor


def _redis_broker_url() -> str:
    """The broker's address when it is Redis (``REDIS_URL`` set); empty for the file-system broker."""
    if not settings.REDIS_URL:
        return ""
    broker = getattr(settings, "CELERY_BROKER_URL", "") or settings.REDIS_URL
    return broker if broker.startswith(("redis://", "rediss://", "unix://")) else settings.REDIS_URL


def _redis_client(url: str) -> redis.Redis:
    """One client (and connection pool) per address and process, with timeouts: a silent Redis fails fast."""
    client = _redis_clients.get(url)
    if client is None:
        client = redis.Redis.from_url(
            url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS
        )
        _redis_clients[url] = client
    return client


def _ms_since(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)
