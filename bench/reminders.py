"""The reminder sweep: how long one sweep takes, and how many queries it makes, as the licences grow.

A sweep is what the beat task ``reminders.tasks.sweep_reminders`` does every minute: claim due reminders
500 at a time (with whatever else is due for the same people), each claim in its own transaction, put them
into outgoing messages (in the app one a reminder, e-mail one digest a person), then hand the messages to the
broker as delivery tasks of up to 50 messages. It runs here in this process against a real PostgreSQL
database and a real Redis broker, on a queue that no worker reads.

The data is what a window with that many licences would hold: ten licences per company, one portal user
per company, four reminders per licence (60, 30, 7 and 1 days before its renewal date, spread over a
year: those past sent, those ahead pending), the fleet's periodic obligations — three for each vehicle's
certificate (inspection, compulsory insurance, and carrier's liability insurance or the tank inspection),
next dates over the coming year, with three reminders each (30, 7 and 1 days before) — and exactly 10,000
reminders due now — in-app and e-mail for 5,000 licences of 3,000 companies, so that e-mail digests form.
It is written with set-based SQL.
"""

import os
import re
import statistics
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from unittest import mock

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.utils import timezone

DUE = 10_000  # reminders due at once: in-app and e-mail for DUE // 2 licences
RECIPIENTS = 3_000  # the people those are for (one portal user per company)
LICENCES_PER_COMPANY = 10
VEHICLE_SLOTS = (1, 7)  # the licences of slots 1 to 7 of a company are its vehicles' certificates
OBLIGATIONS = ("vehicle_inspection", "compulsory_insurance", "carrier_liability_insurance")
OBLIGATION_OFFSETS = (30, 7, 1)  # days before the next date, as the default rule plans them
OFFSETS = (60, 30, 7, 1)  # days before the renewal date, as butler.contactlog.reminding plans them
DUE_OFFSET = 7
DUE_AGO = timedelta(minutes=1)  # due reminders became due a minute ago, as at a sweep on the minute

BUDGET_IDLE_MS = 50.0
BUDGET_DUE_MS = 2000.0
BUDGET_SCALING = 1.3


# --- Data ----------------------------------------------------------------------------------------------


def _insert(model_label: str, values: dict[str, str], source: str, params: dict) -> int:
    """``INSERT INTO <table> SELECT <values> FROM <source>``; every other column gets the model's default.

    Reading the defaults from the model keeps the generator working when a column is added with one. The
    time stamps are the process's clock (``%(now)s``), never the database server's.
    """
    model = apps.get_model(model_label)
    known = {f.column for f in model._meta.concrete_fields}
    unknown = set(values) - known
    if unknown:
        raise LookupError(f"{model_label} has no column {', '.join(sorted(unknown))}")
    columns, expressions, params = [], [], {"now": timezone.now(), **params}
    for f in model._meta.concrete_fields:
        if f.column in values:
            expression = values[f.column]
        elif f.primary_key or (f.null and not f.has_default()):
            continue
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            expression = "%(now)s"
        elif f.has_default():
            params[f"default_{f.column}"] = f.get_db_prep_save(f.get_default(), connection)
            expression = f"%(default_{f.column})s"
        elif f.blank and isinstance(f, models.CharField | models.TextField):
            expression = "''"
        else:
            raise LookupError(f"{model_label}.{f.name} needs a value in the benchmark's data")
        columns.append(f.column)
        expressions.append(expression)
    # Only the benchmark's own SQL fragments and the model's names go into the statement; values are params.
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "  # noqa: S608 - our own fragments
        f"SELECT {', '.join(expressions)} FROM {source}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


@dataclass(frozen=True)
class Scale:
    name: str
    licences: int

    @property
    def companies(self) -> int:
        return self.licences // LICENCES_PER_COMPANY

    @classmethod
    def parse(cls, text: str) -> "Scale":
        text = text.strip().lower()
        factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
        licences = int(float(text.rstrip("km")) * factor)
        if licences // LICENCES_PER_COMPANY < RECIPIENTS * 3:
            raise ValueError(f"{text}: at least {RECIPIENTS * 3 * LICENCES_PER_COMPANY:,} licences")
        return cls(name=text, licences=licences)


@dataclass(frozen=True)
class Loaded:
    due_first: int  # the due reminders have the ids due_first … due_last
    due_last: int
    counts: dict
    seconds: float
    messages_last: int = 0  # the messages of the history have ids up to this one; a sweep's come after


def generate(scale: Scale, *, now: datetime, log=lambda message: None) -> Loaded:
    """Fill the (freshly migrated, empty) database with ``scale.licences`` licences and their reminders."""
    started = time.perf_counter()
    today = timezone.localdate(now)
    stride = scale.companies // RECIPIENTS
    pairs = DUE // 2
    params = {
        "companies": scale.companies,
        "licences": scale.licences,
        "per": LICENCES_PER_COMPANY,
        "today": today,
        "tz": settings.TIME_ZONE,
        "stride": stride,
        "recipients": RECIPIENTS,
        "second": pairs - RECIPIENTS,  # companies with two licences due, the others have one
        "due_offset": DUE_OFFSET,
        "due_at": now - DUE_AGO,
        "base": scale.licences * len(OFFSETS),
    }
    types = dict(apps.get_model("companies.LicenceType").objects.values_list("code", "pk"))
    params.update(
        company_type=types.get("road_freight_licence", min(types.values())),
        vehicle_type=types.get("vehicle_certificate", min(types.values())),
        person_type=types.get("driver_qualification", min(types.values())),
    )
    kinds = dict(apps.get_model("companies.ObligationType").objects.values_list("code", "pk"))
    params.update({f"obligation_{i}": kinds[code] for i, code in enumerate(OBLIGATIONS)})
    params.update(first_vehicle=VEHICLE_SLOTS[0], last_vehicle=VEHICLE_SLOTS[1])
    with connection.cursor() as cursor:
        # Bulk load: no foreign-key triggers (the data is consistent by construction), more memory to sort.
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute("SET synchronous_commit = off")
        # The licences whose reminders are due: one or two licences of RECIPIENTS companies, spread evenly.
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_due AS "
            "SELECT (c - 1) * %(per)s + slot + 1 AS id FROM generate_series(1, %(companies)s) AS c, "
            "LATERAL (VALUES (0), (1)) AS s(slot) "
            "WHERE (c - 1) %% %(stride)s = 0 AND (c - 1) / %(stride)s < %(recipients)s "
            "AND (slot = 0 OR (c - 1) / %(stride)s < %(second)s)",
            params,
        )
        cursor.execute("ALTER TABLE bench_due ADD PRIMARY KEY (id)")
    counts = {}
    with transaction.atomic():
        counts["users"] = _insert(
            "auth.User",
            {
                "id": "c",
                "username": "'contact' || c",
                "password": "'!'",
                "email": "'contact' || c || '@bench.example'",
                "date_joined": "%(now)s",
            },
            "generate_series(1, %(companies)s) AS c",
            params,
        )
        counts["companies"] = _insert(
            "companies.Company",
            {
                "id": "c",
                "name": "'北仑顺达' || c || '号物流有限公司'",
                "credit_code": "'91330206' || lpad(c::text, 9, '0') || 'X'",
                "registered_on": "date '2010-01-01' + c %% 5000",
                "address": "'宁波市北仑区明州路' || c || '号'",
                "legal_representative": "'李' || c",
            },
            "generate_series(1, %(companies)s) AS c",
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
            "generate_series(1, %(companies)s) AS c",
            params,
        )
        counts["licences"] = _insert(
            "companies.CompanyLicence",
            {
                "id": "l",
                "company_id": "p.company",
                "licence_type_id": "CASE WHEN p.slot = 0 THEN %(company_type)s "
                "WHEN p.slot >= 8 THEN %(person_type)s ELSE %(vehicle_type)s END",
                "subject_key": "CASE WHEN p.slot = 0 THEN 'company' "
                "WHEN p.slot >= 8 THEN 'person:' || l ELSE 'vehicle:' || l END",
                "status": "CASE WHEN x.r < 0 THEN 'renewal_applied' WHEN x.r <= 30 THEN 'renewal_due' "
                "ELSE 'issued' END",
                "certificate_number": "'浙交运' || lpad(l::text, 10, '0')",
                "issued_on": "%(today)s::date + x.r - 335",
                "first_issued_on": "%(today)s::date + x.r - 335",
                "expires_on": "%(today)s::date + x.r + 30",
                "renew_by": "%(today)s::date + x.r",
            },
            "generate_series(1, %(licences)s) AS l, "
            "LATERAL (SELECT (l - 1) / %(per)s + 1 AS company, (l - 1) %% %(per)s AS slot) AS p, "
            "LATERAL (SELECT CASE WHEN EXISTS (SELECT 1 FROM bench_due d WHERE d.id = l) THEN %(due_offset)s "
            "ELSE ((l::bigint * 7919) %% 545)::int - 180 END AS r) AS x",
            params,
        )
        # Four reminders per licence, one channel each; a day's offset: before today sent (one in fifty
        # skipped), today and tomorrow cancelled (so that none falls due while the benchmark runs), later
        # pending. The due licences' 7-day reminders are left out: they are the due ones, added below.
        sent = "y.k < 0 AND cl.id %% 50 <> 0"
        log(f"  users, companies, contacts and licences: {time.perf_counter() - started:,.1f} s")
        counts["reminders"] = _insert(
            "reminders.Reminder",
            {
                "id": "(cl.id - 1) * 4 + o.i + 1",
                "subject": "'licence:' || cl.id",
                "scope": "'company:' || cl.company_id",
                "label": "lt.name_zh",
                "kind": "'renew_by'",
                "due_on": "cl.renew_by",
                "offset_days": "o.days",
                "channel": "CASE WHEN cl.id %% 2 = 0 THEN 'in_app' ELSE 'email' END",
                "recipient_id": "cl.company_id",
                "scheduled_at": "y.at",
                "status": f"CASE WHEN {sent} THEN 'sent' WHEN y.k < 0 THEN 'skipped' "
                "WHEN y.k <= 1 THEN 'cancelled' ELSE 'pending' END",
                "attempts": "CASE WHEN y.k < 0 THEN 1 ELSE 0 END",
                "provider_message_id": f"CASE WHEN {sent} THEN 'msg-' || cl.id || '-' || o.i ELSE '' END",
                "sent_at": f"CASE WHEN {sent} THEN y.at + interval '3 seconds' END",
                "reason": f"CASE WHEN {sent} THEN '' "
                "WHEN y.k < 0 THEN 'resolved: the licence is now applied' "
                "WHEN y.k <= 1 THEN 'the date or the recipients changed' ELSE '' END",
                "created_at": "y.at - interval '90 days'",
            },
            "companies_companylicence AS cl "
            "JOIN companies_licencetype AS lt ON lt.id = cl.licence_type_id "
            "CROSS JOIN (VALUES (0, 60), (1, 30), (2, 7), (3, 1)) AS o(i, days) "
            "CROSS JOIN LATERAL (SELECT cl.renew_by - o.days - %(today)s::date AS k, "
            "((cl.renew_by - o.days) + time '09:00') AT TIME ZONE %(tz)s AS at) AS y "
            "WHERE NOT (o.days = %(due_offset)s AND EXISTS (SELECT 1 FROM bench_due d WHERE d.id = cl.id)) "
            "ORDER BY cl.id, o.i",
            params,
        )
        # The due ones, in id order by recipient, so that one person's e-mails are claimed together.
        counts["due"] = _insert(
            "reminders.Reminder",
            {
                "id": "%(base)s + row_number() OVER (ORDER BY cl.company_id, cl.id, ch.i)",
                "subject": "'licence:' || cl.id",
                "scope": "'company:' || cl.company_id",
                "label": "lt.name_zh",
                "kind": "'renew_by'",
                "due_on": "cl.renew_by",
                "offset_days": "%(due_offset)s",
                "channel": "ch.channel",
                "recipient_id": "cl.company_id",
                "scheduled_at": "%(due_at)s",
                "status": "'pending'",
                "created_at": "%(due_at)s - interval '90 days'",
            },
            "bench_due AS d JOIN companies_companylicence AS cl ON cl.id = d.id "
            "JOIN companies_licencetype AS lt ON lt.id = cl.licence_type_id "
            "CROSS JOIN (VALUES (0, 'in_app'), (1, 'email')) AS ch(i, channel) "
            "ORDER BY cl.company_id, cl.id, ch.i",
            params,
        )
        counts["reminders"] += counts["due"]
        log(f"  reminders: {time.perf_counter() - started:,.1f} s")
        counts["obligations"], obligation_reminders = _obligations(params)
        counts["reminders"] += obligation_reminders
        log(f"  obligations and their reminders: {time.perf_counter() - started:,.1f} s")
        # The messages the sent reminders went out in, as the outbox holds them: one each, sent.
        counts["messages"] = _insert(
            "reminders.OutboxMessage",
            {
                "id": "r.id",
                "recipient_id": "r.recipient_id",
                "channel": "r.channel",
                "kind": "'single'",
                "day": "(r.scheduled_at AT TIME ZONE %(tz)s)::date",
                "key": "'h-' || r.id",
                "state": "'sent'",
                "not_before": "r.scheduled_at",
                "attempts": "1",
                "title": "left(r.label, 200)",
                "rendered_at": "r.scheduled_at",
                "sent_at": "r.sent_at",
                "provider_message_id": "r.provider_message_id",
                "created_at": "r.scheduled_at",
            },
            "reminders_reminder AS r WHERE r.status = 'sent'",
            params,
        )
        with connection.cursor() as cursor:
            cursor.execute("UPDATE reminders_reminder SET message_id = id WHERE status = 'sent'")
        log(f"  messages: {time.perf_counter() - started:,.1f} s")
        with connection.cursor() as cursor:
            for model_label in (
                "auth.User",
                "companies.Company",
                "companies.Contact",
                "companies.CompanyLicence",
                "companies.Obligation",
                "reminders.Reminder",
                "reminders.OutboxMessage",
            ):
                table = apps.get_model(model_label)._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608 - model table names
                )
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_due")
        cursor.execute("RESET ALL")
        cursor.execute(
            "SELECT count(DISTINCT recipient_id) FROM reminders_reminder WHERE id > %(base)s", params
        )
        counts["due recipients"] = cursor.fetchone()[0]
        cursor.execute("SELECT coalesce(max(id), 0) FROM reminders_outboxmessage")
        messages_last = cursor.fetchone()[0]
        cursor.execute("SELECT pg_total_relation_size('reminders_reminder')")
        counts["reminders MiB"] = round(cursor.fetchone()[0] / 2**20)
        cursor.execute("VACUUM (ANALYZE)")
        cursor.execute("CHECKPOINT")  # so that writing the load out does not weigh on the measurements
    log(f"  vacuum and analyze: {time.perf_counter() - started:,.1f} s")
    connection.close()  # measure on a session of its own, with the server's settings
    if counts["due"] != DUE:
        raise AssertionError(f"{counts['due']} reminders due, not {DUE}")
    return Loaded(
        due_first=params["base"] + 1,
        due_last=params["base"] + DUE,
        counts=counts,
        seconds=time.perf_counter() - started,
        messages_last=messages_last,
    )


def _obligations(params: dict) -> tuple[int, int]:
    """Three obligations for each vehicle's certificate, next dates spread over the coming year (a few
    overdue), and their reminders, past ones sent and later ones pending, none due while measuring; their
    ids follow the due reminders'. Returns how many obligations and reminders were written."""
    obligations = _insert(
        "companies.Obligation",
        {
            "id": "(cl.id - 1) * 3 + o.i + 1",
            "company_id": "cl.company_id",
            "obligation_type_id": "o.type_id",
            "subject_key": "cl.subject_key",
            "due_on": "%(today)s::date - 20 + ((cl.id * 31 + o.i * 7919) %% 385)::int",
            "last_done_on": "%(today)s::date - 385 + ((cl.id * 31 + o.i * 7919) %% 385)::int",
        },
        "companies_companylicence AS cl "
        "CROSS JOIN (VALUES (0, %(obligation_0)s), (1, %(obligation_1)s), (2, %(obligation_2)s)) "
        "AS o(i, type_id) "
        "WHERE (cl.id - 1) %% %(per)s BETWEEN %(first_vehicle)s AND %(last_vehicle)s "
        "ORDER BY cl.id, o.i",
        params,
    )
    sent = "y.k < 0 AND ob.id %% 50 <> 0"
    offsets = ", ".join(f"({i}, {days})" for i, days in enumerate(OBLIGATION_OFFSETS))
    reminders = _insert(
        "reminders.Reminder",
        {
            "id": "%(base)s + %(due)s + (ob.id - 1) * 3 + o.i + 1",
            "subject": "'obligation:' || ob.id",
            "scope": "'company:' || ob.company_id",
            "label": "ot.name_zh",
            "kind": "'obligation_due'",
            "due_on": "ob.due_on",
            "offset_days": "o.days",
            "channel": "CASE WHEN o.days >= 30 THEN 'in_app' ELSE 'email' END",
            "recipient_id": "ob.company_id",
            "scheduled_at": "y.at",
            "status": f"CASE WHEN {sent} THEN 'sent' WHEN y.k < 0 THEN 'skipped' "
            "WHEN y.k <= 1 THEN 'cancelled' ELSE 'pending' END",
            "attempts": "CASE WHEN y.k < 0 THEN 1 ELSE 0 END",
            "provider_message_id": f"CASE WHEN {sent} THEN 'ob-' || ob.id || '-' || o.i ELSE '' END",
            "sent_at": f"CASE WHEN {sent} THEN y.at + interval '3 seconds' END",
            "reason": f"CASE WHEN {sent} THEN '' WHEN y.k < 0 THEN 'resolved: the obligation was met' "
            "WHEN y.k <= 1 THEN 'the date or the recipients changed' ELSE '' END",
            "created_at": "y.at - interval '90 days'",
        },
        "companies_obligation AS ob "
        "JOIN companies_obligationtype AS ot ON ot.id = ob.obligation_type_id "
        f"CROSS JOIN (VALUES {offsets}) AS o(i, days) "
        "CROSS JOIN LATERAL (SELECT ob.due_on - o.days - %(today)s::date AS k, "
        "((ob.due_on - o.days) + time '09:00') AT TIME ZONE %(tz)s AS at) AS y "
        "ORDER BY ob.id, o.i",
        {**params, "due": DUE},
    )
    return obligations, reminders


def _vacuum() -> None:
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (INDEX_CLEANUP ON) reminders_reminder")
        cursor.execute("VACUUM (INDEX_CLEANUP ON) reminders_outboxmessage")


def reset_due(loaded: Loaded, *, now: datetime) -> None:
    """Put the due reminders back as they were before a sweep put them into messages, drop the messages the
    sweep made (the history's stay), and vacuum the old versions."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE reminders_reminder SET status = 'pending', message_id = NULL, attempts = 0, "
            "late = false, sent_at = NULL, provider_message_id = '', scheduled_at = %s "
            "WHERE id BETWEEN %s AND %s",
            [now - DUE_AGO, loaded.due_first, loaded.due_last],
        )
        cursor.execute("DELETE FROM reminders_outboxmessage WHERE id > %s", [loaded.messages_last])
    _vacuum()


def mark_due_sent(loaded: Loaded, *, now: datetime) -> None:
    """Leave nothing due: the due reminders delivered, as they are a few minutes after a sweep."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE reminders_reminder SET status = 'sent', sent_at = %s, message_id = NULL, attempts = 1 "
            "WHERE id BETWEEN %s AND %s",
            [now, loaded.due_first, loaded.due_last],
        )
        cursor.execute("DELETE FROM reminders_outboxmessage WHERE id > %s", [loaded.messages_last])
    _vacuum()


# --- Measuring -----------------------------------------------------------------------------------------


class Queries:
    """Counts the SQL statements of the connection (an ``execute_wrapper``), and keeps the first ones."""

    def __init__(self, keep: int = 0):
        self.count = 0
        self.seconds = 0.0  # waiting for the database: statements and commits, round trips included
        self.commits = 0
        self.kinds: dict[str, int] = {}
        self.keep = keep
        self.kept: list[tuple[str, object, int]] = []  # statement, parameters, commits before it

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        kind = sql.lstrip().split(None, 1)[0].upper()
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        if len(self.kept) < self.keep:
            self.kept.append((sql, params, self.commits))
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


@contextmanager
def counting(queries: Queries):
    """Count and time the statements of the default connection, and time its commits too."""
    wrapper = connections[DEFAULT_DB_ALIAS]
    commit = wrapper._commit

    def timed_commit():
        started = time.perf_counter()
        try:
            return commit()
        finally:
            queries.seconds += time.perf_counter() - started
            queries.commits += 1

    with mock.patch.object(wrapper, "_commit", timed_commit), wrapper.execute_wrapper(queries):
        yield queries


class TimedHandOver:
    """Stands in for the delivery task during a sweep: hands each chunk to the broker and times it."""

    def __init__(self, task):
        self.task = task
        self.seconds = 0.0
        self.tasks = 0
        self.messages = 0
        self.errors: list[Exception] = []

    def delay(self, chunk):
        started = time.perf_counter()
        try:
            result = self.task.delay(chunk)
        except Exception as error:  # the sweep's on_commit(robust=True) would only log it
            self.errors.append(error)
            raise
        self.seconds += time.perf_counter() - started
        self.tasks += 1
        self.messages += len(chunk)
        return result


@dataclass
class Run:
    ms: float
    handover_ms: float = 0.0
    sql_ms: float = 0.0
    claimed: int = 0
    queries: int = 0
    kinds: dict = field(default_factory=dict)
    tasks: int = 0
    messages: int = 0


class Broker:
    """The benchmark's queue on the real broker: emptied before a sweep, counted after it."""

    def __init__(self, queue: str):
        from butler.celery import app

        self.queue = queue
        self.app = app

    def purge(self) -> int:
        with self.app.connection_for_write() as broker:
            return broker.default_channel.queue_purge(self.queue) or 0


def sweep(broker: Broker, *, keep: int = 0) -> tuple[Run, Queries]:
    """One sweep, exactly as beat runs it, timed; with its hand-over to the broker timed on its own."""
    from reminders import tasks

    queries = Queries(keep)
    hand_over = TimedHandOver(tasks.deliver_messages)
    with mock.patch.object(tasks, "deliver_messages", hand_over), counting(queries):
        started = time.perf_counter()
        claimed = tasks.sweep_reminders()
        ms = (time.perf_counter() - started) * 1000
    if hand_over.errors:
        raise RuntimeError(f"handing over to the broker failed: {hand_over.errors[0]!r}")
    queued = broker.purge()
    if queued != hand_over.tasks:
        raise AssertionError(f"{hand_over.tasks} tasks handed over, {queued} in the queue")
    run = Run(
        ms=ms,
        handover_ms=hand_over.seconds * 1000,
        sql_ms=queries.seconds * 1000,
        claimed=claimed,
        queries=queries.count,
        kinds=queries.kinds,
        tasks=hand_over.tasks,
        messages=hand_over.messages,
    )
    return run, queries


def claim_only() -> Run:
    """The sweep's claims into messages without the hand-over: what the database alone costs."""
    from reminders import services, tasks

    queries = Queries()
    claimed = 0
    with counting(queries):
        started = time.perf_counter()
        while True:
            count = services.reminders_claim(batch_size=tasks.CLAIM).taken
            claimed += count
            if count < tasks.CLAIM:
                break
        ms = (time.perf_counter() - started) * 1000
    return Run(
        ms=ms, sql_ms=queries.seconds * 1000, claimed=claimed, queries=queries.count, kinds=queries.kinds
    )


_LONG_ARRAY = re.compile(r"'\{([^}]{200,})\}'")


def _shorten(match: re.Match) -> str:
    items = match.group(1).split(",")
    return "'{" + ",".join(items[:3]) + f",… {len(items)} in all}}'"


def explain(statements: list[tuple[str, object]]) -> list[str]:
    """EXPLAIN ANALYZE each statement inside a transaction that is rolled back (they claim rows)."""
    plans = []
    with transaction.atomic():
        with connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                plans.append(_LONG_ARRAY.sub(_shorten, plan))
        transaction.set_rollback(True)
    return plans


# --- The section ---------------------------------------------------------------------------------------


@dataclass
class Samples:
    """Every run of one scale, gathered over the rounds."""

    due: list[Run] = field(default_factory=list)
    after: list[Run] = field(default_factory=list)
    due_no_jit: list[Run] = field(default_factory=list)
    claims: list[Run] = field(default_factory=list)
    idle: list[Run] = field(default_factory=list)
    idle_no_jit: list[Run] = field(default_factory=list)
    # The statements of the last round's first claim, for EXPLAIN, and when its due reminders were reset.
    statements: list = field(default_factory=list)
    idle_statements: list = field(default_factory=list)
    reset_at: datetime | None = None


@contextmanager
def jit_off():
    """PostgreSQL's JIT compilation off for this session, to show what it costs."""
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET jit")


def _first_claim(queries: Queries) -> list:
    """The statements of the sweep's first claim (its first transaction), savepoints left out."""
    return [
        (sql, params)
        for sql, params, commits in queries.kept
        if commits == 0 and sql.lstrip().split(None, 1)[0].upper() not in ("SAVEPOINT", "RELEASE")
    ]


def measure_round(loaded: Loaded, broker: Broker, samples: Samples, *, idle_runs: int = 3) -> None:
    """One run of every figure on the current database, on a connection opened for it and warmed first."""
    now = timezone.now
    broker.purge()
    reset_due(loaded, now=now())
    sweep(broker)  # not counted: opens the connections and warms the caches

    samples.reset_at = now()
    reset_due(loaded, now=samples.reset_at)
    run, queries = sweep(broker, keep=10)
    if run.claimed != DUE:
        raise AssertionError(f"a sweep claimed {run.claimed}, not {DUE}")
    samples.due.append(run)
    samples.statements = _first_claim(queries)
    # The next minute's sweep: nothing due, the claimed rows' old versions not yet vacuumed.
    samples.after.append(sweep(broker)[0])

    reset_due(loaded, now=now())
    with jit_off():
        samples.due_no_jit.append(sweep(broker)[0])

    reset_due(loaded, now=now())
    run = claim_only()
    if run.claimed != DUE:
        raise AssertionError(f"the claims took {run.claimed}, not {DUE}")
    samples.claims.append(run)

    mark_due_sent(loaded, now=now())
    sweep(broker)
    for _ in range(idle_runs):
        run, queries = sweep(broker, keep=10)
        if run.claimed:
            raise AssertionError(f"a sweep with nothing due claimed {run.claimed}")
        samples.idle.append(run)
    samples.idle_statements = _first_claim(queries)
    with jit_off():
        samples.idle_no_jit += [sweep(broker)[0] for _ in range(idle_runs)]


def plans_for(scale: Scale, loaded: Loaded, samples: Samples) -> dict[str, str]:
    """EXPLAIN ANALYZE of each statement of the first claim, with 10,000 due and with nothing due."""
    plans = {}
    for situation, statements, prepare, at in (
        (f"{DUE:,} due", samples.statements, reset_due, samples.reset_at),
        ("nothing due", samples.idle_statements, mark_due_sent, timezone.now()),
    ):
        prepare(loaded, now=at)  # as it was when the statements ran
        for number, ((sql, _), plan) in enumerate(zip(statements, explain(statements), strict=True), 1):
            kind = sql.lstrip().split(None, 1)[0].upper()
            plans[f"{scale.name}: first claim with {situation}, statement {number} ({kind})"] = plan
    return plans


def _figure(
    key: str,
    label: str,
    scale: Scale,
    runs: list[float],
    *,
    unit="ms",
    queries=None,
    details="",
    budget: float | None = None,
) -> dict:
    from bench.report import summary, verdict

    figure = {"key": key, "label": label, "scale": scale.name, "unit": unit, **summary(runs)}
    if queries is not None:
        figure["queries"] = queries
    if details:
        figure["details"] = details
    if budget is not None:
        figure["budget"] = verdict(figure["median"], budget, unit)
    return figure


def _same(values: list, what: str):
    if len(set(map(str, values))) != 1:
        raise AssertionError(f"{what} differs between runs: {values}")
    return values[0]


def _kinds(kinds: dict) -> str:
    return ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items(), key=lambda item: -item[1]))


def figures_for(scale: Scale, samples: Samples) -> list[dict]:
    due = samples.due
    tasks = _same([r.tasks for r in due], "tasks handed over")
    messages = _same([r.messages for r in due], "messages handed over")
    queries = _same([r.queries for r in due], "queries")
    what_if = "what if: `SET jit = off` for the session"
    return [
        _figure(
            "sweep_due",
            f"Sweep, {DUE:,} due: claimed and handed over",
            scale,
            [r.ms for r in due],
            queries=queries,
            details=f"{messages:,} messages in {tasks:,} tasks; {_kinds(due[0].kinds)}",
            budget=BUDGET_DUE_MS,
        ),
        _figure("sweep_due_claim", "… of which claiming", scale, [r.ms - r.handover_ms for r in due]),
        _figure(
            "sweep_due_sql",
            "… … waiting for PostgreSQL",
            scale,
            [r.sql_ms for r in due],
            details="statements and commits, round trips included",
        ),
        _figure(
            "sweep_due_python",
            "… … in Python",
            scale,
            [r.ms - r.handover_ms - r.sql_ms for r in due],
            details="building the queries and the messages",
        ),
        _figure(
            "sweep_due_handover",
            "… of which handing over (broker)",
            scale,
            [r.handover_ms for r in due],
            details=f"{tasks:,} `deliver_messages.delay()` calls",
        ),
        _figure(
            "sweep_due_no_jit",
            f"Sweep, {DUE:,} due, PostgreSQL JIT off",
            scale,
            [r.ms for r in samples.due_no_jit],
            queries=_same([r.queries for r in samples.due_no_jit], "queries"),
            details=what_if,
        ),
        _figure(
            "claim_only",
            f"Claim only, {DUE:,} due (no hand-over)",
            scale,
            [r.ms for r in samples.claims],
            queries=_same([r.queries for r in samples.claims], "queries"),
            details=f"{statistics.median(r.sql_ms for r in samples.claims):,.0f} ms (median) waiting for "
            "PostgreSQL",
        ),
        _figure(
            "sweep_idle",
            "Sweep, nothing due",
            scale,
            [r.ms for r in samples.idle],
            queries=_same([r.queries for r in samples.idle], "queries"),
            details=_kinds(samples.idle[0].kinds),
            budget=BUDGET_IDLE_MS,
        ),
        _figure(
            "sweep_idle_after",
            f"Sweep, nothing due, the minute after {DUE:,} (not yet vacuumed)",
            scale,
            [r.ms for r in samples.after],
            queries=_same([r.queries for r in samples.after], "queries"),
            budget=BUDGET_IDLE_MS,
        ),
        _figure(
            "sweep_idle_no_jit",
            "Sweep, nothing due, PostgreSQL JIT off",
            scale,
            [r.ms for r in samples.idle_no_jit],
            details=what_if,
        ),
    ]


def checks(figures: list[dict], scales: list[Scale]) -> list[dict]:
    """Ten times more licences may cost at most 1.3 times the time: each scale against a tenth of it."""
    from bench.report import verdict

    by = {(f["key"], f["scale"]): f for f in figures}
    result = []
    for small in scales:
        for large in scales:
            if large.licences != small.licences * 10:
                continue
            for key in ("sweep_due", "sweep_idle", "sweep_due_no_jit"):
                figure = by[(key, large.name)]
                ratio = round(figure["median"] / by[(key, small.name)]["median"], 2)
                result.append(
                    {
                        "label": f"{figure['label']}: {large.name} licences against {small.name}",
                        "value": ratio,
                        "budget": verdict(ratio, BUDGET_SCALING, "×"),
                    }
                )
    return result


def run(*, scales: list[Scale], runs: int, environment, keep_db: bool, log) -> dict:
    """Create and fill one database per scale, then measure them in turns; the section for the report."""
    import redis

    from bench.environment import database_create, database_drop, database_use
    from bench.machine import describe

    started = time.perf_counter()
    date = timezone.now()
    data, loads, samples, load_average = {}, {}, {}, [os.getloadavg()[0]]
    try:
        for scale in scales:
            database = environment.database_for(scale.name)
            log(f"{scale.name}: {scale.licences:,} licences — creating and migrating {database}")
            database_create(environment, database)
            database_use(database)
            loads[scale.name] = loaded = generate(scale, now=timezone.now(), log=log)
            log(
                f"{scale.name}: generated in {loaded.seconds:,.1f} s: "
                + ", ".join(f"{v:,} {k}" for k, v in loaded.counts.items())
            )
            data[scale.name] = {**loaded.counts, "generation s": round(loaded.seconds, 1)}
            samples[scale.name] = Samples()
        machine = describe(connection=connection, redis_client=redis.Redis.from_url(environment.redis_url))
        broker = Broker(environment.queue)
        # In turns, so that whatever else the machine does weighs on every scale alike.
        for number in range(runs):
            for scale in scales:
                database_use(environment.database_for(scale.name))
                measure_round(loads[scale.name], broker, samples[scale.name])
                load_average.append(os.getloadavg()[0])
                last = samples[scale.name]
                log(
                    f"  round {number + 1}/{runs}, {scale.name}: sweep {last.due[-1].ms:,.0f} ms "
                    f"(JIT off {last.due_no_jit[-1].ms:,.0f}), claim only {last.claims[-1].ms:,.0f} ms, "
                    f"nothing due {statistics.median(r.ms for r in last.idle[-3:]):,.1f} ms, "
                    f"load {load_average[-1]:.1f}"
                )
        plans, figures = {}, []
        for scale in scales:
            database_use(environment.database_for(scale.name))
            plans.update(plans_for(scale, loads[scale.name], samples[scale.name]))
            figures += figures_for(scale, samples[scale.name])
    finally:
        connection.close()
        if not keep_db:
            for scale in scales:
                database_drop(environment, environment.database_for(scale.name))
    order = [figure["key"] for figure in figures_for(scales[0], samples[scales[0].name])]
    figures.sort(
        key=lambda f: (order.index(f["key"]), next(s.licences for s in scales if s.name == f["scale"]))
    )
    machine["load_average"] = {
        "start": load_average[0],
        "median": round(statistics.median(load_average), 2),
        "max": max(load_average),
    }
    return {
        "title": "Reminder sweep",
        "summary": (
            f"The beat task `reminders.tasks.sweep_reminders`, run once with {DUE:,} reminders due "
            f"({DUE // 2:,} licences × in-app and e-mail, for {RECIPIENTS:,} people) and once with nothing "
            "due, on databases of different sizes (the fleet's obligations and their reminders "
            "included): claims of 500 per transaction into outgoing messages "
            "(in-app one a reminder, e-mail one digest a person), delivery tasks of up to 50 messages "
            "handed to a real Redis broker."
        ),
        "date": date.isoformat(timespec="seconds"),
        "command": "",
        "runtime_seconds": round(time.perf_counter() - started, 1),
        "machine": machine,
        "data": data,
        "figures": figures,
        "checks": checks(figures, scales),
        "method": [
            "Each scale has a database of its own, created, migrated with `manage.py migrate` and filled "
            "with set-based SQL (INSERT … SELECT generate_series), then VACUUM ANALYZE and a CHECKPOINT; "
            "dropped at the end.",
            "Ten licences and one portal user per company; four reminders per licence, "
            f"{', '.join(map(str, OFFSETS))} days before its renewal date, spread over a year (past ones "
            "sent or skipped, later ones pending).",
            f"{DUE:,} reminders due a minute ago: the {DUE_OFFSET}-day reminder, in-app and e-mail, of "
            f"{DUE // 2:,} licences of {RECIPIENTS:,} companies, so a person's e-mails form a digest.",
            "The scales are measured in turns, one round of every figure each, so that other load on the "
            "machine weighs on all of them alike. Each turn opens a new connection and runs one sweep first, "
            "not counted.",
            "The sweep is the task's own code, run in this process. Delivery tasks go to a queue of their "
            "own on the real Redis broker, which no worker reads; the queue is emptied after each sweep, and "
            "its length checked against the tasks sent.",
            "Before each run the due reminders are put back (one UPDATE), the messages made deleted and both "
            "tables vacuumed (INDEX_CLEANUP ON), so every run starts from the same state; the sweep the "
            "minute after is timed before that.",
            "Hand-over is the time spent in `deliver_messages.delay()`; waiting for PostgreSQL is the time "
            "in its statements and commits; Python is the rest. Queries are counted with "
            "`connection.execute_wrapper`, savepoints included.",
            "Settings: `butler.settings.base` with DEBUG off, as in production; PostgreSQL as configured "
            "(see the machine).",
        ],
        "plans": plans,
    }
