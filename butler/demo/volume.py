"""A city or a province of data in minutes: the volume generator behind ``manage.py seed_volume``.

The demo (``butler.demo.world``) tells one
district's story through the product's services, a few thousand rows
in a couple of minutes. A city (20,000 companies, 200,000 licences) or the province (300,000 companies,
3,000,000 licences) cannot be loaded that way, so this module writes the rows directly, on PostgreSQL only:

- what depends on each company (its name, credit code with a valid check character, Zhejiang region code,
  contacts with well-formed mobiles, portal accounts, business types, service period and card number, the
  size of its fleet) is drawn in Python from one seeded ``random.Random`` and sent with ``COPY``;
- what follows from that (vehicles with 浙B plates, 浙A–浙L across the province, drivers, vessels,
  licences with their statuses and
  dates, the reminders of those dates, the contact log, ratings and their audit cases, suggestions,
  message threads) is written by set-based ``INSERT … SELECT`` statements, ``generate_series`` and a
  hash of each row's key standing in for chance, so a run is deterministic.

Company 1 is a carrier with 300 vehicles (565 licences) in the portfolio of ``butler1``, the busiest
butler (300 companies in service at city and province scale, the others about 165 each); every account's
password is the demo's.

Everything happens in one transaction on an empty database (a company already there: nothing is written),
with foreign-key triggers off (``session_replication_role = replica``; the rows are consistent by
construction, the check constraints still hold them) and the secondary indexes of the largest tables
rebuilt once at the end rather than row by row. Every table's id sequence is set past the rows written,
so the product inserts normally afterwards, and the card counters continue from the last card of each
year. Then ``ANALYZE``.

The catalogue, the business types and the reminder rules are the ones the migrations wrote (offsets and
licence validity are read from them). Not written: change history (``simple_history`` tables), in-app
notices, trips, portal invitations, improvement actions, attachments, escalation reminders and butler
tasks. At province scale ``Company.district`` holds region codes outside Ningbo, which the field's
choices (Ningbo's districts) do not list: pages show the code.

The pieces: the tables in ``butler.demo.volume_data``, the plan in ``butler.demo.volume_plan``, the SQL
building blocks in ``butler.demo.volume_sql`` and the writer in ``butler.demo.volume_writer`` (with
``volume_licences`` and ``volume_service``); this module runs them in one transaction.
"""

import time
from collections.abc import Callable
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from butler.contactlog.models import ContactRecord
from butler.demo.volume_plan import Scale, build_plan
from butler.demo.volume_writer import NeedsPostgreSQL, Step, Writer, ensure_empty
from butler.feedback.models import AuditCase, Rating, Suggestion
from butler.messaging.models import Message, MessageThread
from butler.service.models import Butler, ServicePeriod
from companies.models import Company, CompanyLicence, Contact, Obligation, Person, Vehicle, Vessel
from reminders.models import Reminder

MODELS = [
    get_user_model,
    lambda: get_user_model().groups.through,
    lambda: Butler,
    lambda: Company,
    lambda: Company.business_types.through,
    lambda: Contact,
    lambda: ServicePeriod,
    lambda: Vehicle,
    lambda: Person,
    lambda: Vessel,
    lambda: CompanyLicence,
    lambda: Obligation,
    lambda: Reminder,
    lambda: ContactRecord,
    lambda: Rating,
    lambda: Suggestion,
    lambda: AuditCase,
    lambda: MessageThread,
    lambda: Message,
]


def seed_volume(scale: Scale, *, now: datetime | None = None, log: Callable[[str], None] = lambda _m: None):
    """Fill an empty PostgreSQL database with ``scale``; the steps, their times and the row counts."""
    ensure_empty()
    if connection.vendor != "postgresql":
        raise NeedsPostgreSQL(
            f"the {scale.name} scale is written with COPY and set-based SQL and needs PostgreSQL "
            f"(this database is {connection.vendor}); use --scale district here"
        )
    started = time.perf_counter()
    now = now or timezone.now()
    log(f"Drawing {scale.companies:,} companies and {scale.butlers:,} butlers …")
    plan = build_plan(scale, today=timezone.localdate(now))
    writer = Writer(plan, scale, now=now, log=log)
    drawn = Step("(plan, in Python)", len(plan.companies), time.perf_counter() - started)
    writer.result.steps.append(drawn)
    log(f"  {drawn.table:<44} {drawn.rows:>12,} rows {drawn.seconds:>8.1f} s")
    with transaction.atomic():
        ensure_empty()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute("SET LOCAL synchronous_commit = off")
            # Bulk load: no foreign-key triggers (the rows are consistent by construction). Needs a
            # superuser; without one the load is slower but the same.
            try:
                with transaction.atomic():
                    cursor.execute("SET LOCAL session_replication_role = replica")
            except Exception:  # noqa: BLE001 - a permission error: go on with the triggers
                log("  (not a superuser: foreign keys are checked row by row)")
        writer.users()
        writer.butlers()
        writer.companies()
        writer.periods()
        writer.seed_table()
        writer.subjects()
        writer.licences()
        writer.obligations()
        writer.reminders()
        writer.contact_records()
        writer.feedback()
        writer.messages()
        tables = [model()._meta.db_table for model in MODELS]
        writer.sequences(tables)

    def analyze() -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {', '.join(tables)}")
        return 0

    writer.timed("(ANALYZE)", analyze)
    result = writer.result
    result.counts = {table: 0 for table in tables}
    for step in result.steps:
        table = step.table.split(" ")[0]
        if table in result.counts:
            result.counts[table] += step.rows
    result.seconds = time.perf_counter() - started
    return result
