"""Soak: the page mix against gunicorn for a long while, with reminders flowing, and the memory of every
process watched — does anything grow?

On a database filled by ``seed_volume`` (``bench.pages.prepared``): gunicorn as in ``bench.load`` (DEBUG
off, the Redis cache), ``clients`` threads requesting the weighted page mix without pause
(``bench.load.drive``), and at the same time the reminder engine at work: every ``batch_every`` seconds a
batch of reminders falls due now (``batch_people`` portal users, each by the app, e-mail and SMS, about one
of their licences), the sweep (the beat task's own code, ``reminders.tasks.sweep_reminders``) runs every
``sweep_every`` seconds in this process and hands the messages over a real Redis broker to a real Celery
worker (``--pool=prefork --concurrency=2``), which sends e-mail to an SMTP server and texts to an HTTP SMS
gateway on loopback (the stand-ins of ``bench.delivery``). Every ``sample_every`` seconds the resident
memory (RSS, from ``/proc``) of the gunicorn master and workers and of the Celery worker and its pool
processes is sampled; each process's start, end, maximum and slope (least squares, in MB per 10 minutes)
say whether memory stays flat.
"""

import os
import statistics
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from datetime import time as clock_time
from pathlib import Path
from unittest import mock

from bench.environment import ROOT

SECONDS = 600
CLIENTS = 4
SAMPLE_EVERY = 10.0
BATCH_EVERY = 5.0
BATCH_PEOPLE = 4  # × in-app, e-mail and SMS: 12 reminders a batch, about 8,600 in an hour
SWEEP_EVERY = 5.0
DRAIN_SECONDS = 120.0  # after the load: time left for the last batches to be delivered
FLAT_MB_PER_10_MIN = 5.0  # a slope under this, per process, counts as flat
SETTLE_SECONDS = 60.0  # the slope is drawn through the samples after this (or a fifth of the run)
CHANNELS = ("in_app", "email", "sms")
FIRST_OFFSET = 1000  # offsets no plan uses, so that each batch is rows of its own
# Plain HTTP on loopback with no TLS proxy in front: without these, DEBUG off redirects every page to HTTPS.
# Set in the environment before Django is set up (``python -m bench soak`` does), and for gunicorn.
PLAIN_HTTP = {"BEHIND_TLS_PROXY": "0", "SECURE_SSL_REDIRECT": "0"}


def duration(seconds: float) -> str:
    return f"{seconds / 60:,.0f} minutes" if seconds >= 120 else f"{seconds:,.0f} s"


# --- Memory ----------------------------------------------------------------------------------------------


def rss_mb(pid: int) -> float | None:
    """Resident memory of a process in MB (``VmRSS`` in ``/proc/<pid>/status``); None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from ``/proc/<pid>/stat``)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def slope_per_10_min(points: list[tuple[float, float]]) -> float | None:
    """The least-squares slope of (seconds, MB) points, in MB per 10 minutes; None under two points."""
    if len(points) < 2:
        return None
    xs, ys = [x for x, _ in points], [y for _, y in points]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if not spread:
        return None
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread * 600


def memory_rows(
    samples: dict[tuple[str, int], list[tuple[float, float]]], *, settle: float = 0.0
) -> list[dict]:
    """Per process: MB at the first and the last sample, the most, and the slope of the samples taken once
    ``settle`` seconds had passed (the first requests and tasks import code and fill caches: growth then
    is not a leak), or of them all when fewer than three were."""
    rows = []
    for (role, pid), points in samples.items():
        if not points:
            continue
        values = [mb for _, mb in points]
        settled = [point for point in points if point[0] >= settle]
        slope = slope_per_10_min(settled if len(settled) >= 3 else points)
        rows.append(
            {
                "process": role,
                "pid": pid,
                "samples": len(points),
                "start_mb": round(values[0], 1),
                "end_mb": round(values[-1], 1),
                "max_mb": round(max(values), 1),
                "slope_mb_per_10_min": None if slope is None else round(slope, 2),
            }
        )
    return rows


@dataclass
class Sampler:
    """Samples the RSS of a gunicorn master and a Celery worker, and of all their children, every
    ``every`` seconds in a thread of its own, until stopped."""

    gunicorn: int
    celery: int
    every: float
    started: float = field(default_factory=time.monotonic)
    samples: dict = field(default_factory=dict)  # (role, pid) → [(seconds since start, MB)]
    loads: list = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def processes(self) -> list[tuple[str, int]]:
        return (
            [("gunicorn master", self.gunicorn)]
            + [("gunicorn worker", pid) for pid in children(self.gunicorn)]
            + [("celery worker", self.celery)]
            + [("celery pool", pid) for pid in children(self.celery)]
        )

    def sample(self) -> None:
        at = time.monotonic() - self.started
        for role, pid in self.processes():
            mb = rss_mb(pid)
            if mb is not None:
                self.samples.setdefault((role, pid), []).append((round(at, 1), round(mb, 2)))
        self.loads.append(os.getloadavg()[0])

    def _run(self) -> None:
        while True:
            self.sample()
            if self._stop.wait(self.every):
                self.sample()
                return

    def start(self) -> "Sampler":
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)


# --- Reminders flowing -----------------------------------------------------------------------------------


def people(limit: int) -> list[tuple[int, int, object, int]]:
    """Portal users with an e-mail address who were sent nothing today (so that no once-a-day digest holds
    their reminders back), each with a licence of their company that has a renewal date to remind of:
    (user id, licence id, renew-by date, company id)."""
    from django.db.models import Exists, OuterRef, Subquery
    from django.utils import timezone

    from companies.models import CompanyLicence, Contact, LicenceStatus
    from reminders.models import Reminder

    midnight = timezone.make_aware(
        datetime.combine(timezone.localdate(), clock_time(0)), timezone.get_default_timezone()
    )
    licences = CompanyLicence.objects.filter(
        company_id=OuterRef("company_id"),
        status__in=[LicenceStatus.ISSUED, LicenceStatus.RENEWAL_DUE],
        renew_by__isnull=False,
    ).order_by("pk")
    sent_today = Reminder.objects.filter(
        recipient_id=OuterRef("user_id"), status=Reminder.Status.SENT, sent_at__gte=midnight
    )
    rows = (
        Contact.objects.filter(user__isnull=False, user__is_active=True)
        .exclude(user__email="")
        .annotate(
            licence_id=Subquery(licences.values("pk")[:1]),
            renew_by=Subquery(licences.values("renew_by")[:1]),
        )
        .filter(licence_id__isnull=False)
        .exclude(Exists(sent_today))
        .order_by("pk")
        .values_list("user_id", "licence_id", "renew_by", "company_id")
    )
    found, seen = [], set()
    for row in rows.iterator():
        if row[0] not in seen:
            seen.add(row[0])
            found.append(row)
        if len(found) >= limit:
            break
    return found


def plan_batch(batch: list[tuple], number: int) -> list[int]:
    """The batch's reminders, due now: each person by every channel, about their licence's renewal."""
    from django.utils import timezone

    from reminders.models import Reminder

    now = timezone.now()
    rows = [
        Reminder(
            subject=f"licence:{licence_id}",
            scope=f"company:{company_id}",
            label="soak",
            kind="renew_by",
            due_on=renew_by,
            offset_days=FIRST_OFFSET + number,
            channel=channel,
            recipient_id=user_id,
            scheduled_at=now,
        )
        for user_id, licence_id, renew_by, company_id in batch
        for channel in CHANNELS
    ]
    return [row.pk for row in Reminder.objects.bulk_create(rows)]


@dataclass
class Flow:
    """New due reminders every ``batch_every`` seconds and the sweep every ``sweep_every`` seconds, in a
    thread of its own, until stopped; then sweeps until what it planned is done (or ``drain`` runs out)."""

    queue: str
    pool: list
    batch_people: int
    batch_every: float
    sweep_every: float
    created: list = field(default_factory=list)
    sweeps: int = 0
    claimed: int = 0
    exhausted: bool = False
    error: str = ""
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def _sweep(self) -> None:
        from bench.delivery import ToQueue
        from reminders import tasks

        with mock.patch.object(tasks, "deliver_messages", ToQueue(tasks.deliver_messages, self.queue)):
            self.claimed += tasks.sweep_reminders()
        self.sweeps += 1

    def _run(self) -> None:
        from django.db import connection

        next_batch = next_sweep = time.monotonic()
        number = 0
        try:
            while not self._stop.is_set():
                now = time.monotonic()
                if now >= next_batch:
                    batch = self.pool[number * self.batch_people : (number + 1) * self.batch_people]
                    if batch:
                        self.created += plan_batch(batch, number)
                        number += 1
                    else:
                        self.exhausted = True
                    next_batch += self.batch_every
                if now >= next_sweep:
                    self._sweep()
                    next_sweep += self.sweep_every
                self._stop.wait(max(0.05, min(next_batch, next_sweep) - time.monotonic()))
        except Exception as error:  # noqa: BLE001 - reported in the section, the run goes on
            self.error = repr(error)
        finally:
            connection.close()

    def start(self) -> "Flow":
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)

    def unfinished(self) -> int:
        from reminders.models import Reminder

        return Reminder.objects.filter(
            pk__in=self.created, status__in=[Reminder.Status.PENDING, Reminder.Status.SENDING]
        ).count()

    def drain(self, seconds: float) -> float:
        """Sweep until every reminder planned is sent, failed or skipped; the seconds it took."""
        started = time.monotonic()
        while self.unfinished() and time.monotonic() - started < seconds:
            self._sweep()
            time.sleep(1.0)  # the workers deliver meanwhile; the next sweep picks up retries
        return time.monotonic() - started


def delivery_counts(created: list[int], smtp, gateway) -> dict:
    """What became of the reminders planned: by status and channel, at the sinks, and how late."""
    from django.db.models import Count

    from bench.pages import percentile
    from reminders.models import Reminder

    rows = Reminder.objects.filter(pk__in=created)
    by = {
        (status, channel): n
        for status, channel, n in rows.values_list("status", "channel").annotate(n=Count("pk"))
    }
    waits = [
        (sent - due).total_seconds()
        for due, sent in rows.filter(status=Reminder.Status.SENT).values_list("scheduled_at", "sent_at")
    ]
    statuses = sorted({status for status, _ in by})
    return {
        "planned": len(created),
        "sent": sum(n for (status, _), n in by.items() if status == "sent"),
        "by_status": {status: sum(n for (s, _), n in by.items() if s == status) for status in statuses},
        "sent_by_channel": {channel: by.get(("sent", channel), 0) for channel in CHANNELS},
        "at_smtp_sink": len(smtp),
        "at_sms_gateway": len(gateway),
        "sms_repeats": len(gateway.repeats),
        "latency_p50_s": round(percentile(waits, 50), 1) if waits else None,
        "latency_p95_s": round(percentile(waits, 95), 1) if waits else None,
    }


# --- The run ---------------------------------------------------------------------------------------------


def _row(label: str, key: str, values: list[float], errors: int, seconds: float) -> dict:
    from bench.pages import percentile

    def at(share: float) -> float | None:
        return round(percentile(values, share), 1) if values else None

    return {
        "key": key,
        "label": label,
        "requests": len(values),
        "per_second": round(len(values) / seconds, 1),
        "p50": at(50),
        "p95": at(95),
        "p99": at(99),
        "errors": errors,
    }


def run(
    *,
    scale: str,
    seconds: float,
    clients: int,
    environment,
    database: str,
    log,
    sample_every: float = SAMPLE_EVERY,
    batch_every: float = BATCH_EVERY,
    batch_people: int = BATCH_PEOPLE,
    sweep_every: float = SWEEP_EVERY,
    drain_seconds: float = DRAIN_SECONDS,
) -> dict:
    """Soak the seeded ``database`` for ``seconds``; the section for the report.

    Django must be set up on the database and the broker (``bench.environment.django_setup``), and the
    static files collected (``bench.pages.collect_static``).
    """
    import redis
    from django.db import connection
    from django.utils import timezone

    from bench import delivery, load, pages
    from bench.machine import describe
    from tests.integration.sinks import SmsGateway, SmtpSink

    started = time.perf_counter()
    date = timezone.now()
    data = pages.data_counts()
    found = pages.subjects()
    mix, skipped = pages.targets(found)
    listing = pages.company_list_target(found)
    if listing is not None:
        mix.append(listing)
    mix, failed = pages.usable(mix)
    skipped += failed
    if not mix:
        raise RuntimeError("no page of the mix answers 200: " + "; ".join(skipped))
    # Enough people for every batch of the run, each sent one message a channel (no digest holds any back).
    pool = people((int((seconds + load.WARM_UP_SECONDS) / batch_every) + 10) * batch_people)
    machine = describe(connection=connection, redis_client=redis.Redis.from_url(environment.redis_url))
    connection.close()

    queue = f"{environment.queue}-soak-{uuid.uuid4().hex[:8]}"
    smtp, gateway = SmtpSink().start(), SmsGateway("soak-gateway-key").start()
    logs = ROOT / "var"
    server = load.Server(environment, database, log_path=logs / "soak-gunicorn.log")
    server.env.update(PLAIN_HTTP)
    worker = None
    sampler = flow = None
    try:
        env = delivery.worker_env(environment, database, queue=queue, smtp_port=smtp.port, gateway=gateway)
        env["BUTLER_SMS_RATE"] = "20"  # production's default: the gateway's contract
        worker = delivery.Worker(env, f"soak-{uuid.uuid4().hex[:6]}@bench", queue, logs / "soak-worker.log")
        delivery.wait_ready([worker])
        server.start()
        log(
            f"{scale}: gunicorn on {load.HOST}:{server.port} (pid {server.process.pid}), a Celery worker "
            f"(pid {worker.process.pid}); {clients} clients for {seconds:.0f} s, "
            f"{batch_people * len(CHANNELS)} reminders due every {batch_every:.0f} s, memory sampled "
            f"every {sample_every:.0f} s"
        )
        sampler = Sampler(server.process.pid, worker.process.pid, sample_every).start()
        flow = Flow(queue, pool, batch_people, batch_every, sweep_every).start()
        tally = load.drive(server.port, mix, seconds=seconds, clients=clients)
        flow.stop()
        drained = flow.drain(drain_seconds)
        sampler.stop()
        if not worker.alive():
            raise RuntimeError(f"the worker stopped:\n{worker.tail()}")
        delivered = delivery_counts(flow.created, smtp, gateway)
    finally:
        if flow is not None:
            flow.stop()
        if sampler is not None:
            sampler.stop()
        server.stop()
        if worker is not None:
            worker.stop()
        smtp.stop()
        gateway.stop()
        delivery.forget_queue(environment.redis_url, queue)
        connection.close()

    rows = [_row(t.label, t.key, tally.ms.get(t.key, []), tally.errors.get(t.key, 0), seconds) for t in mix]
    every = [value for values in tally.ms.values() for value in values]
    overall = _row("All pages", "all", every, sum(tally.errors.values()), seconds)
    settle = min(SETTLE_SECONDS, seconds / 5)
    memory = memory_rows(sampler.samples, settle=settle)
    loads = sampler.loads or [os.getloadavg()[0]]
    machine["load_average"] = {
        "start": loads[0],
        "median": round(statistics.median(loads), 2),
        "max": max(loads),
    }
    slopes = [row["slope_mb_per_10_min"] for row in memory if row["slope_mb_per_10_min"] is not None]
    flat = bool(slopes) and max(slopes) < FLAT_MB_PER_10_MIN
    log(
        f"{scale}: {overall['requests']:,} requests, {overall['per_second']:,} per second, p50 "
        f"{overall['p50']} ms, p95 {overall['p95']} ms, p99 {overall['p99']} ms, {overall['errors']} errors; "
        f"{delivered['sent']:,} of {delivered['planned']:,} reminders sent; memory "
        f"{'flat' if flat else 'GROWING'} (steepest {max(slopes, default=0):+.1f} MB per 10 min)"
    )
    notes = list(skipped)
    if tally.error_samples:
        notes.append(
            "Errors, e.g.: " + "; ".join(tally.error_samples) + f" (gunicorn's log: {server.log_path})"
        )
    if flow.exhausted:
        notes.append("The data ran out of people not yet reminded today: the last batches were not planned.")
    if flow.error:
        notes.append(f"Planning or sweeping failed: {flow.error}")
    notes.append(
        "The clients, gunicorn, the worker, the sinks, PostgreSQL and Redis share the machine's cores; "
        "memory is the resident set (RSS) of each process, shared pages included."
    )
    return {
        "title": "Soak: the page mix with reminders flowing, and memory",
        "summary": (
            f"gunicorn ({load.WORKERS} workers × {load.THREADS} threads) on the {scale}-sized database; "
            f"{clients} clients request the weighted page mix without pause for {duration(seconds)} "
            f"while {batch_people * len(CHANNELS)} reminders fall due every {batch_every:.0f} s and a Celery "
            "worker delivers them to loopback SMTP and SMS sinks; the memory of every gunicorn and Celery "
            f"process is sampled every {sample_every:.0f} s."
        ),
        "scale": scale,
        "date": date.isoformat(timespec="seconds"),
        "command": "",
        "runtime_seconds": round(time.perf_counter() - started, 1),
        "machine": machine,
        "data": {scale: data},
        "seconds": seconds,
        "clients": clients,
        "server": {"workers": load.WORKERS, "threads": load.THREADS},
        "rows": rows,
        "overall": overall,
        "delivery": {
            **delivered,
            "batch_every_s": batch_every,
            "batch_reminders": batch_people * len(CHANNELS),
            "sweeps": flow.sweeps,
            "drain_s": round(drained, 1),
        },
        "memory": memory,
        "memory_flat": flat,
        "flat_limit_mb_per_10_min": FLAT_MB_PER_10_MIN,
        "method": [
            "Each user signs in once through `/accounts/login/`; each client has its own keep-alive "
            f"connection; {load.WARM_UP_SECONDS} s of warm-up are not counted. Any answer other than 200 "
            "is an error.",
            f"Every {batch_every:.0f} s, {batch_people} portal users not yet reminded today get a reminder "
            "of a licence's renewal by the app, e-mail and SMS, due at once; the sweep (the beat task's "
            f"code) runs every {sweep_every:.0f} s and queues the messages on Redis for one Celery worker "
            "(`--pool=prefork --concurrency=2`, the SMS rate at production's 20 a second). After the load, "
            "sweeps go on until every planned reminder is done; latency is due → recorded sent.",
            f"Memory: `VmRSS` of the gunicorn master and workers and of the Celery worker and its pool "
            f"processes, every {sample_every:.0f} s from the start of the load to the end of delivery; the "
            "slope is a least-squares line through each process's samples after the first "
            f"{settle:.0f} s (imports and caches filling up), in MB per 10 minutes (flat: under "
            f"{FLAT_MB_PER_10_MIN:.0f} for every process).",
        ],
        "notes": notes,
    }
