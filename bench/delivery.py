"""End-to-end delivery throughput: due reminders → the sweep → Celery workers → the outside world.

A fresh database holds one portal user per company, each with an e-mail address and a mobile number, and
one licence per company whose renewal date is a week away. ``messages`` reminders of that date fall due at
once, one in-app, one e-mail and one SMS per person in turn (so each person has one reminder per channel:
no digest merges two of them, and every reminder is one message). The beat task's own code
(``reminders.tasks.sweep_reminders``) runs in this process and hands the messages to a real Redis broker;
real Celery worker processes (``celery -A butler worker --pool=prefork --concurrency=2``, ``workers`` of
them) deliver them: e-mail to an SMTP server on loopback, texts to an HTTP SMS gateway on loopback (the
stand-ins of the integration tests, ``tests/integration/sinks.py``), notices into the database.

The clock runs from the first sweep until every reminder is ``sent`` and the sinks hold every message.
"""

import math
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http import HTTPStatus
from pathlib import Path
from unittest import mock

MESSAGES = 5_000
WORKERS = 1  # worker processes (Celery nodes), each with CONCURRENCY pool processes
CONCURRENCY = 2
CHANNELS = ("in_app", "email", "sms")  # in turn: person 1 in-app, e-mail, SMS; person 2 …
OFFSET_DAYS = 7  # the week-before reminder: not urgent, so the once-a-day digest check runs, as it would
SMS_RATE = 100_000  # the gateway's rate limit for the workers: high enough never to hold a text back
POLL_SECONDS = 0.05
SWEEP_EVERY = 1.0  # while delivering, the sweep runs again this often (beat would, every minute)
READY_TIMEOUT = 60.0
GOAL_PER_SECOND = 200.0  # messages a second end to end, all channels, on this 2-core machine


# --- Arithmetic (no database, no processes) ------------------------------------------------------------


def split(messages: int) -> dict[str, int]:
    """How many of ``messages`` go by each channel when they take the channels in turn."""
    return {channel: len(range(i, messages, len(CHANNELS))) for i, channel in enumerate(CHANNELS)}


def recipients_for(messages: int) -> int:
    return math.ceil(messages / len(CHANNELS))


def percentile(values: list[float], share: float) -> float | None:
    """The ``share`` (0–1) percentile, interpolated between the two nearest values; None without values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class Observed:
    """What one run saw; wall-clock times (``time.time()``) throughout."""

    expected: dict[str, set[str]]  # channel → the idempotency keys that should arrive
    scheduled_at: float  # when the reminders fell due
    started_at: float  # the first sweep began
    done_at: float  # every reminder seen sent (or given up on)
    arrivals: dict[str, list[tuple[str, float]]]  # channel → (key, time) of every arrival, repeats included
    gateway_repeats: int = 0  # texts the gateway was sent again and dropped
    statuses: dict[str, int] = field(default_factory=dict)
    sweeps: list[int] = field(default_factory=list)  # reminders each sweep claimed
    sweep_seconds: float = 0.0
    errors: list[str] = field(default_factory=list)


def outcome(observed: Observed) -> dict:
    """The figures of one run: rates, latencies, and what went wrong."""
    total = observed.done_at - observed.started_at
    result = {"seconds": round(total, 3), "sweep_seconds": round(observed.sweep_seconds, 3)}
    latencies, delivered, missing, duplicates, unexpected = [], 0, 0, 0, 0
    for channel in CHANNELS:
        expected = observed.expected.get(channel, set())
        first: dict[str, float] = {}
        arrivals = observed.arrivals.get(channel, [])
        for key, at in arrivals:
            first[key] = min(at, first.get(key, at))
        arrived = set(first) & expected
        duplicates += len(arrivals) - len(first)
        unexpected += len(set(first) - expected)
        missing += len(expected - arrived)
        delivered += len(arrived)
        channel_latencies = [first[key] - observed.scheduled_at for key in arrived]
        latencies += channel_latencies
        last = max((first[key] for key in arrived), default=None)
        span = (last - observed.started_at) if last is not None else None
        result[channel] = {
            "messages": len(arrived),
            "per_second": round(len(arrived) / span, 2) if span and span > 0 else None,
            "last_s": round(span, 3) if span is not None else None,
            "latency_p50_s": _rounded(percentile(channel_latencies, 0.5)),
            "latency_p95_s": _rounded(percentile(channel_latencies, 0.95)),
        }
    statuses = observed.statuses
    result.update(
        messages=delivered,
        per_second=round(delivered / total, 2) if total > 0 else None,
        latency_p50_s=_rounded(percentile(latencies, 0.5)),
        latency_p95_s=_rounded(percentile(latencies, 0.95)),
        latency_max_s=_rounded(max(latencies, default=None)),
        sent=statuses.get("sent", 0),
        failures=sum(count for status, count in statuses.items() if status != "sent"),
        missing=missing,
        unexpected=unexpected,
        email_duplicates=duplicates,  # the SMTP sink keeps every copy; notices and texts arrive once per key
        sms_repeats=observed.gateway_repeats,
        sweeps=list(observed.sweeps),
        statuses=dict(statuses),
        errors=list(observed.errors),
    )
    return result


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


# --- The peers, timed ----------------------------------------------------------------------------------


def timed_sinks():
    """The integration tests' SMTP sink and SMS gateway, noting when each message arrived."""
    from tests.integration.sinks import SmsGateway, SmtpSink

    class TimedSmtpSink(SmtpSink):
        def __init__(self):
            super().__init__()
            self.arrivals: list[tuple[str, float]] = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
            at = time.time()
            answer = await super().handle_DATA(server, session, envelope)  # no await inside: one at a time
            with self._lock:
                self.arrivals.append((self.messages[-1].key, at))
            return answer

    class TimedSmsGateway(SmsGateway):
        def __init__(self, api_key: str = "bench-gateway-key"):
            super().__init__(api_key)
            self.first_at: dict[str, float] = {}  # key → when it first came: a repeat is dropped, not sent

        @property
        def arrivals(self) -> list[tuple[str, float]]:
            with self._lock:
                return list(self.first_at.items())

        def receive(self, authorization: str, payload: dict):
            at = time.time()
            status, answer = super().receive(authorization, payload)
            if status == HTTPStatus.OK:
                with self._lock:
                    self.first_at.setdefault(payload["idempotency_key"], at)
            return status, answer

    return TimedSmtpSink, TimedSmsGateway


# --- Data ----------------------------------------------------------------------------------------------


def generate_people(recipients: int, *, today, log) -> None:
    """One company, one portal user (e-mail, mobile) and one licence due for renewal per recipient."""
    from django.apps import apps
    from django.db import connection, transaction

    from bench.reminders import _insert

    started = time.perf_counter()
    types = dict(apps.get_model("companies.LicenceType").objects.values_list("code", "pk"))
    params = {
        "n": recipients,
        "today": today,
        "type": types.get("road_freight_licence", min(types.values())),
        "renew_by": today + timedelta(days=OFFSET_DAYS),
    }
    series = "generate_series(1, %(n)s) AS c"
    with transaction.atomic():
        _insert(
            "auth.User",
            {
                "id": "c",
                "username": "'person' || c",
                "password": "'!'",
                "email": "'person' || c || '@bench.example'",
                "date_joined": "%(now)s",
            },
            series,
            params,
        )
        _insert(
            "companies.Company",
            {
                "id": "c",
                "name": "'北仑顺达' || c || '号物流有限公司'",
                "credit_code": "'91330206' || lpad(c::text, 9, '0') || 'X'",
                "registered_on": "date '2010-01-01' + c %% 5000",
                "address": "'宁波市北仑区明州路' || c || '号'",
                "legal_representative": "'李' || c",
            },
            series,
            params,
        )
        _insert(
            "companies.Contact",
            {
                "id": "c",
                "company_id": "c",
                "user_id": "c",
                "name": "'王' || c",
                "mobile": "'139' || lpad(c::text, 8, '0')",
                "is_primary": "true",
            },
            series,
            params,
        )
        _insert(
            "companies.CompanyLicence",
            {
                "id": "c",
                "company_id": "c",
                "licence_type_id": "%(type)s",
                "subject_key": "'company'",
                "status": "'renewal_due'",
                "certificate_number": "'浙交运' || lpad(c::text, 10, '0')",
                "issued_on": "%(renew_by)s::date - 335",
                "first_issued_on": "%(renew_by)s::date - 335",
                "expires_on": "%(renew_by)s::date + 30",
                "renew_by": "%(renew_by)s::date",
            },
            series,
            params,
        )
        with connection.cursor() as cursor:
            for label in ("auth.User", "companies.Company", "companies.Contact", "companies.CompanyLicence"):
                table = apps.get_model(label)._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608 - model table names
                )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    log(f"  {recipients:,} people, companies and licences: {time.perf_counter() - started:,.1f} s")


def _tables() -> list[str]:
    from reminders.models import Notice, OutboxMessage, Reminder

    models = (
        Reminder,
        Reminder.history.model,
        OutboxMessage,
        OutboxMessage.history.model,
        Notice,
        Notice.history.model,
    )
    return [model._meta.db_table for model in models]


def plan_due(messages: int, *, at: datetime) -> None:
    """The reminders, due at ``at`` (those of an earlier run removed, with their messages)."""
    from django.db import connection, transaction

    from bench.reminders import _insert

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(_tables())} RESTART IDENTITY")
    params = {"messages": messages, "at": at, "offset": OFFSET_DAYS, "channels": list(CHANNELS)}
    with transaction.atomic():
        _insert(
            "reminders.Reminder",
            {
                "subject": "'licence:' || p.r",
                "scope": "'company:' || p.r",
                "label": "'北仑顺达' || p.r || '号物流有限公司 · 道路运输经营许可证'",
                "kind": "'renew_by'",
                "due_on": "cl.renew_by",
                "offset_days": "%(offset)s",
                "channel": "(%(channels)s::varchar[])[p.k + 1]",
                "recipient_id": "p.r",
                "scheduled_at": "%(at)s",
                "status": "'pending'",
                "created_at": "%(at)s",
            },
            "generate_series(0, %(messages)s - 1) AS i "
            "CROSS JOIN LATERAL (SELECT i / 3 + 1 AS r, i %% 3 AS k) AS p "
            "JOIN companies_companylicence AS cl ON cl.id = p.r ORDER BY i",
            params,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE reminders_reminder")


def made_keys() -> dict[str, set[str]]:
    """The keys of the messages the sweeps made, by channel: what the sinks should hold."""
    from reminders.models import OutboxMessage

    keys: dict[str, set[str]] = {channel: set() for channel in CHANNELS}
    for channel, key in OutboxMessage.objects.values_list("channel", "key").iterator():
        keys[channel].add(key)
    return keys


# --- Workers -------------------------------------------------------------------------------------------


class Worker:
    """``celery -A butler worker`` in a process group of its own, so that its pool goes down with it."""

    def __init__(self, env: dict, name: str, queue: str, log: Path):
        from bench.environment import ROOT

        self.name, self.log = name, log
        with log.open("wb") as output:
            self.process = subprocess.Popen(  # noqa: S603 - our own worker
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "butler",
                    "worker",
                    "--pool=prefork",
                    f"--concurrency={CONCURRENCY}",
                    "-Q",
                    queue,
                    "-n",
                    name,
                    "--without-mingle",
                    "--without-gossip",
                    "--loglevel=WARNING",
                ],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def alive(self) -> bool:
        return self.process.poll() is None

    def tail(self, lines: int = 20) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if not self.alive():
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def worker_env(environment, database: str, *, queue: str, smtp_port: int, gateway) -> dict:
    return {
        **os.environ,
        **environment.django_env(database),
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "BUTLER_SMS_BACKEND": "http",
        "BUTLER_SMS_URL": gateway.url,
        "BUTLER_SMS_KEY": gateway.api_key,
        "BUTLER_SMS_RATE": str(SMS_RATE),
        "BUTLER_SMS_HOURS": "00:00-23:59:59.999999",  # texts go out whatever the hour
    }


def wait_ready(workers: list[Worker]) -> float:
    """Until every worker answers a ping (its pool is up and reads the queue); the seconds it took."""
    from butler.celery import app

    started = time.monotonic()
    waiting = {worker.name for worker in workers}
    while waiting:
        for worker in workers:
            if not worker.alive():
                raise RuntimeError(f"the worker {worker.name} stopped:\n{worker.tail()}")
        for reply in app.control.ping(destination=sorted(waiting), timeout=1.0) or []:
            waiting -= set(reply)
        if waiting and time.monotonic() - started > READY_TIMEOUT:
            raise RuntimeError(f"no answer from {', '.join(sorted(waiting))} in {READY_TIMEOUT:.0f} s")
    return time.monotonic() - started


def forget_queue(redis_url: str, queue: str) -> None:
    """Remove what the run's queue leaves in Redis: messages nobody took, and those a worker held."""
    import json

    import redis

    client = redis.Redis.from_url(redis_url)
    for tag, raw in client.hscan_iter("unacked"):
        _message, exchange, routing_key = json.loads(raw)
        if queue in (exchange, routing_key):
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)
    client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    client.close()


# --- One run -------------------------------------------------------------------------------------------


class ToQueue:
    """Stands in for the delivery task during a sweep: sends each chunk to the run's own queue."""

    def __init__(self, task, queue: str):
        self.task, self.queue = task, queue

    def delay(self, chunk):
        return self.task.apply_async((chunk,), queue=self.queue)


def _statuses() -> tuple[dict[str, int], int]:
    """Reminders by status, and how many pending ones are due now (by this process's clock)."""
    from django.db import connection
    from django.utils import timezone

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT status, count(*), count(*) FILTER (WHERE status = 'pending' AND scheduled_at <= %s) "
            "FROM reminders_reminder GROUP BY status",
            [timezone.now()],
        )
        rows = cursor.fetchall()
    return {status: count for status, count, _ in rows}, sum(due for _, _, due in rows)


def measure(environment, database: str, *, messages: int, workers: int, log, loads: list) -> Observed:
    """One run: sinks and workers up, the reminders due, sweeps until all is delivered; all down again."""
    from django.db import connection
    from django.utils import timezone

    from reminders import tasks
    from reminders.models import Notice, Reminder

    SmtpSink, SmsGateway = timed_sinks()  # noqa: N806 - classes
    queue = f"{environment.queue}-delivery-{uuid.uuid4().hex[:8]}"
    smtp, gateway = SmtpSink().start(), SmsGateway().start()
    running: list[Worker] = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-delivery-") as logs:
            env = worker_env(environment, database, queue=queue, smtp_port=smtp.port, gateway=gateway)
            token = uuid.uuid4().hex[:6]
            for number in range(workers):
                name = f"delivery{number + 1}-{token}@bench"
                running.append(Worker(env, name, queue, Path(logs) / f"worker{number + 1}.log"))
            ready = wait_ready(running)
            log(f"  {workers} worker(s) × {CONCURRENCY} processes ready in {ready:,.1f} s")

            scheduled = timezone.now()
            plan_due(messages, at=scheduled)
            started = time.time()
            sweeps, sweep_seconds, next_sweep = [], 0.0, 0.0
            deadline = time.monotonic() + 120 + messages / 20
            with mock.patch.object(tasks, "deliver_messages", ToQueue(tasks.deliver_messages, queue)):
                while True:
                    if time.monotonic() >= next_sweep:
                        began = time.perf_counter()
                        claimed = tasks.sweep_reminders()
                        sweep_seconds += time.perf_counter() - began
                        next_sweep = time.monotonic() + (0 if claimed else SWEEP_EVERY)
                        if claimed or not sweeps:
                            sweeps.append(claimed)
                        if claimed:
                            continue  # until nothing is due
                    statuses, due = _statuses()
                    if not statuses.get("pending") and not statuses.get("sending"):
                        break
                    if not statuses.get("sending") and not due:
                        break  # only retries left, due minutes from now: counted as failures
                    for worker in running:
                        if not worker.alive():
                            raise RuntimeError(f"the worker {worker.name} stopped:\n{worker.tail()}")
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"not delivered in time: {statuses}")
                    if len(loads) < 1 + (time.time() - started):
                        loads.append(os.getloadavg()[0])
                    time.sleep(POLL_SECONDS)
            done = time.time()
            expected = made_keys()
            # The sinks note a message before they answer, the reminder is recorded sent after the answer:
            # once every one is sent, every message is in. Wait briefly in case of a sink's own delay.
            grace = time.monotonic() + 5
            while time.monotonic() < grace and (
                len(smtp) < len(expected["email"]) or len(gateway) < len(expected["sms"])
            ):
                time.sleep(POLL_SECONDS)
            notices = [(key, at.timestamp()) for key, at in Notice.objects.values_list("key", "created_at")]
            errors = Counter(
                Reminder.objects.exclude(last_error="").values_list("last_error", flat=True).iterator()
            )
    finally:
        for worker in running:
            worker.stop()
        smtp.stop()
        gateway.stop()
        forget_queue(environment.redis_url, queue)
        connection.close()
    return Observed(
        expected=expected,
        scheduled_at=scheduled.timestamp(),
        started_at=started,
        done_at=done,
        arrivals={"in_app": notices, "email": list(smtp.arrivals), "sms": list(gateway.arrivals)},
        gateway_repeats=len(gateway.repeats) + gateway.refused,
        statuses=statuses,
        sweeps=sweeps,
        sweep_seconds=sweep_seconds,
        errors=[f"{count} × {error[:200]}" for error, count in errors.most_common(3)],
    )


# --- Where a message's time goes -------------------------------------------------------------------------


def cost_per_message(*, log) -> dict[str, dict]:
    """One delivery task's worth of messages of each channel, delivered in this process with every SQL
    statement counted and timed and every send timed: per message, the time in all, in SQL, in sending
    (the peer's answer included), and the rest (Python: reading, writing the text, recording)."""
    from datetime import time as clock
    from unittest import mock as patch

    from django.test.utils import override_settings
    from django.utils import timezone

    from bench.reminders import Queries, counting
    from reminders import services
    from reminders.channels import CHANNELS as SENDERS
    from reminders.models import OutboxMessage
    from reminders.tasks import PER_TASK

    SmtpSink, SmsGateway = timed_sinks()  # noqa: N806 - classes
    smtp, gateway = SmtpSink().start(), SmsGateway().start()
    costs = {}
    try:
        settings = {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": smtp.port,
            "BUTLER_SMS_BACKEND": "http",
            "BUTLER_SMS_URL": gateway.url,
            "BUTLER_SMS_KEY": gateway.api_key,
            "BUTLER_SMS_RATE": SMS_RATE,
            "BUTLER_SMS_HOURS": (clock.min, clock.max),
        }
        with override_settings(**settings):
            now = timezone.now()
            plan_due(PER_TASK * len(CHANNELS), at=now)
            services.reminders_claim(now=now, batch_size=PER_TASK * len(CHANNELS))
            for channel in CHANNELS:
                ids = list(OutboxMessage.objects.filter(channel=channel).values_list("pk", flat=True))
                sending = [0.0]

                def timed(open_session, sending=sending):
                    session = open_session()
                    send = session.send

                    def send_timed(message):
                        began = time.perf_counter()
                        try:
                            return send(message)
                        finally:
                            sending[0] += time.perf_counter() - began

                    session.send = send_timed
                    return session

                opener = getattr(SENDERS[channel], "session", None)
                queries = Queries()
                began = time.perf_counter()
                with counting(queries):
                    if opener is None:
                        services.messages_deliver(ids=ids, now=now)
                    else:
                        with patch.patch.object(SENDERS[channel], "session", lambda o=opener: timed(o)):
                            services.messages_deliver(ids=ids, now=now)
                seconds = time.perf_counter() - began
                count = len(ids)
                costs[channel] = {
                    "messages": count,
                    "ms": round(seconds / count * 1000, 2),
                    "sql_ms": round(queries.seconds / count * 1000, 2),
                    "send_ms": round(sending[0] / count * 1000, 2),
                    "rest_ms": round((seconds - queries.seconds - sending[0]) / count * 1000, 2),
                    "statements": round(queries.count / count, 2),
                }
    finally:
        smtp.stop()
        gateway.stop()
    log(
        "  per message, a task of "
        + ", ".join(f"{c}: {v['ms']} ms, {v['statements']} statements" for c, v in costs.items())
    )
    return costs


# --- The section ---------------------------------------------------------------------------------------


def _figure(key: str, label: str, scale: str, values: list, unit: str, details: str = "") -> dict:
    from bench.report import summary

    figure = {"key": key, "label": label, "scale": scale, "unit": unit, **summary(values)}
    if details:
        figure["details"] = details
    return figure


def figures(outcomes: list[dict], *, messages: int, workers: int) -> list[dict]:
    from bench.report import verdict

    scale = f"{messages:,} messages"
    counts = split(messages)
    problems = (
        f"failures {sum(o['failures'] for o in outcomes)}, missing {sum(o['missing'] for o in outcomes)}, "
        f"e-mails twice {sum(o['email_duplicates'] for o in outcomes)}, "
        f"texts repeated to the gateway {sum(o['sms_repeats'] for o in outcomes)} (all runs)"
    )
    rows = [
        _figure(
            "delivery_seconds",
            "Delivery: first sweep → every reminder sent and at its sink",
            scale,
            [o["seconds"] for o in outcomes],
            "s",
            f"{workers} worker × {CONCURRENCY} processes; {problems}",
        ),
        {
            **_figure(
                "delivery_rate",
                "… messages per second, all channels",
                scale,
                [o["per_second"] for o in outcomes],
                "msg/s",
            ),
            "budget": verdict(
                statistics.median(o["per_second"] for o in outcomes), GOAL_PER_SECOND, "msg/s", at_least=True
            ),
        },
    ]
    names = {"in_app": "an in-app notice", "email": "an e-mail", "sms": "a text"}
    for channel in CHANNELS:
        costs = [o["per_message"][channel] for o in outcomes if o.get("per_message")]
        if costs:
            rows.append(
                {
                    **_figure(
                        f"delivery_cost_{channel}",
                        f"Per message, {names[channel]} (one task's worth, in this process)",
                        f"{costs[0]['messages']} messages",
                        [cost["ms"] for cost in costs],
                        "ms",
                        "SQL {sql:.2f} ms, sending {send:.2f} ms (the peer's answer included), "
                        "the rest {rest:.2f} ms (Python: reading, writing the text, recording)".format(
                            sql=statistics.median(cost["sql_ms"] for cost in costs),
                            send=statistics.median(cost["send_ms"] for cost in costs),
                            rest=statistics.median(cost["rest_ms"] for cost in costs),
                        ),
                    ),
                    "queries": statistics.median(cost["statements"] for cost in costs),
                }
            )
    for channel, label, sink in (
        ("email", "e-mails per second", "at the SMTP sink"),
        ("sms", "texts per second", "at the HTTP SMS gateway"),
        ("in_app", "in-app notices per second", "in the database"),
    ):
        values = [o[channel]["per_second"] for o in outcomes if o[channel]["per_second"] is not None]
        if values:
            rows.append(
                _figure(
                    f"delivery_{channel}_rate",
                    f"… {label}",
                    scale,
                    values,
                    "msg/s",
                    f"{counts[channel]:,} {sink}, over the time until the last of them",
                )
            )
    for key, share in (("p50", "latency_p50_s"), ("p95", "latency_p95_s")):
        rows.append(
            _figure(
                f"delivery_latency_{key}",
                f"… latency {key}: due → at the sink",
                scale,
                [o[share] for o in outcomes],
                "s",
            )
        )
    rows.append(
        _figure(
            "delivery_sweep",
            "… of which sweeping (claim and hand-over, while the workers deliver)",
            scale,
            [o["sweep_seconds"] for o in outcomes],
            "s",
        )
    )
    return rows


def run(environment, *, messages: int = MESSAGES, workers: int = WORKERS, log, runs: int = 1) -> dict:
    """Create a database, deliver ``messages`` reminders ``runs`` times, drop it; the report's section.

    Django must be set up first (``bench.environment.django_setup``, on any of the benchmark's databases).
    About 10 s to create and migrate the database, then per run about ``messages`` / 70 s on this machine.
    """
    import redis
    from django.db import connection
    from django.utils import timezone

    from bench.environment import database_create, database_drop, database_use
    from bench.machine import describe

    if messages < len(CHANNELS) or workers < 1 or runs < 1:
        raise ValueError("at least 3 messages, 1 worker and 1 run")
    started = time.perf_counter()
    date = timezone.now()
    database = environment.database_for("delivery")
    recipients = recipients_for(messages)
    loads = [os.getloadavg()[0]]
    outcomes = []
    log(f"delivery: {messages:,} messages to {recipients:,} people — creating and migrating {database}")
    database_create(environment, database)
    try:
        database_use(database)
        generate_people(recipients, today=timezone.localdate(), log=log)
        machine = describe(connection=connection, redis_client=redis.Redis.from_url(environment.redis_url))
        for number in range(runs):
            result = outcome(
                measure(environment, database, messages=messages, workers=workers, log=log, loads=loads)
            )
            result["per_message"] = cost_per_message(log=log)
            outcomes.append(result)
            log(
                f"  run {number + 1}/{runs}: {result['messages']:,} messages in {result['seconds']:,.1f} s, "
                f"{result['per_second']:,.0f} msg/s (e-mail {result['email']['per_second']}, SMS "
                f"{result['sms']['per_second']}, in-app {result['in_app']['per_second']}), latency p50 "
                f"{result['latency_p50_s']} s p95 {result['latency_p95_s']} s; "
                f"failures {result['failures']}, missing {result['missing']}, "
                f"e-mails twice {result['email_duplicates']}, texts repeated "
                f"{result['sms_repeats']}"
            )
            for error in result["errors"]:
                log(f"    error: {error}")
    finally:
        connection.close()
        database_drop(environment, database)
    machine["load_average"] = {
        "start": loads[0],
        "median": round(statistics.median(loads), 2),
        "max": max(loads),
    }
    counts = split(messages)
    return {
        "title": "Delivery throughput",
        "summary": (
            f"{messages:,} reminders due at once ({counts['in_app']:,} in-app, {counts['email']:,} e-mail, "
            f"{counts['sms']:,} SMS, each a message of its own) go from the sweep through a real Redis "
            f"broker to {workers} Celery worker(s) of {CONCURRENCY} processes, which send e-mail to an "
            "SMTP server and texts to an HTTP SMS gateway on loopback, and write the notices."
        ),
        "date": date.isoformat(timespec="seconds"),
        "command": "",
        "runtime_seconds": round(time.perf_counter() - started, 1),
        "machine": machine,
        "data": {
            f"{messages:,} messages": {
                "people": recipients,
                "in-app": counts["in_app"],
                "e-mail": counts["email"],
                "SMS": counts["sms"],
                "worker processes": workers * CONCURRENCY,
            }
        },
        "figures": figures(outcomes, messages=messages, workers=workers),
        "runs": outcomes,
        "method": [
            f"A database of its own, migrated, with {recipients:,} companies, each with one portal user "
            "(an e-mail address and a mobile number) and one licence whose renewal date is "
            f"{OFFSET_DAYS} days away; dropped at the end.",
            f"Each run: the reminders of that date are written due now, {OFFSET_DAYS} days before it, taking "
            "the channels in turn (in-app, e-mail, SMS) per person, so that each person has one reminder per "
            "channel: no digest merges two, every reminder is one message and one delivery.",
            f"Workers: `celery -A butler worker --pool=prefork --concurrency={CONCURRENCY}`, started fresh "
            "for each run on a queue of their own on the real Redis, with the product's settings "
            "(`butler.settings.base`, DEBUG off) and the run's database; the clock starts once every worker "
            f"answers a ping. The SMS rate limit is set to {SMS_RATE:,}/s and the SMS hours to the whole "
            "day, so that neither holds a text back.",
            "The sweep is the beat task's own code, run in this process until it claims nothing, then again "
            f"every {SWEEP_EVERY:.0f} s while the workers deliver; the workers start on the first claim's "
            "tasks while the sweep claims the rest.",
            "The SMTP sink (aiosmtpd) and the SMS gateway stand-in (an HTTP server that accepts each "
            "idempotency key once) of the integration tests run in this process on loopback and note the "
            "time each message arrives; a notice's time is its `created_at`.",
            "Total: from the first sweep until the database shows every reminder sent (polled every "
            f"{POLL_SECONDS * 1000:.0f} ms). A channel's rate counts its messages over the time from the "
            "first sweep to the last of them. Latency: from the moment the reminders fell due (just before "
            "the first sweep) to the message's arrival.",
        ],
        "notes": [
            "In production `BUTLER_SMS_RATE` (20 a second by default, the gateway's contract) caps texts "
            "long before the workers do; this measures what the workers themselves can send.",
            "The sinks run in the benchmark's process and share its two cores with PostgreSQL, Redis and "
            "the workers: a real SMTP relay and SMS gateway elsewhere would take that load off the machine "
            "but add network round trips.",
        ],
    }
