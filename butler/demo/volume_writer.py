"""The volume writer: it refuses a database that holds data already, times each table it fills, and writes
the plan's accounts (the manager, the butlers, the portal users and their groups), butlers, companies with
their business types and contacts, and service periods with their card numbers by ``COPY``; then the plan
as a temporary table for the set-based statements, and at the end every id sequence past the rows written.
What the companies run comes from ``LicenceWriting`` (``butler.demo.volume_licences``), the contact log,
feedback and messages from ``ServiceWriting`` (``butler.demo.volume_service``).
"""

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, models
from django.utils import timezone

from butler.demo.data import DEMO_PASSWORD
from butler.demo.volume_data import HISTORY_DAYS, MANAGER, SERVICE_DAYS
from butler.demo.volume_licences import LicenceWriting
from butler.demo.volume_plan import Plan, Scale
from butler.demo.volume_service import ServiceWriting
from butler.demo.volume_sql import Indexes, copy_rows
from butler.security import roles
from butler.service.models import Butler, CardCounter, ServicePeriod
from companies.models import BusinessType, Company, Contact


class NotEmpty(Exception):
    """The database holds companies already: the generator writes only into an empty one."""


class NeedsPostgreSQL(Exception):
    """The volume is written with PostgreSQL's COPY and set-based SQL."""


def ensure_empty() -> None:
    count = Company.objects.count()
    if count:
        raise NotEmpty(
            f"the database holds {count:,} {'company' if count == 1 else 'companies'} already; the volume "
            "generator writes only into an empty (freshly migrated) database"
        )


@dataclass
class Step:
    table: str
    rows: int
    seconds: float


@dataclass
class Result:
    scale: Scale
    steps: list[Step] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    busy_butler: str = ""


class Writer(LicenceWriting, ServiceWriting):
    """Writes one plan at one moment, step by step, timing each table and keeping the ids it gave."""

    def __init__(self, plan: Plan, scale: Scale, *, now: datetime, log: Callable[[str], None]) -> None:
        self.plan = plan
        self.scale = scale
        self.now = now
        self.today = timezone.localdate(now)
        self.log = log
        self.result = Result(scale=scale)
        self.tz = settings.TIME_ZONE

    def timed(self, table: str, write: Callable[[], int]) -> int:
        started = time.perf_counter()
        rows = write()
        step = Step(table, rows, time.perf_counter() - started)
        self.result.steps.append(step)
        self.log(f"  {table:<44} {rows:>12,} rows {step.seconds:>8.1f} s")
        return rows

    def base(self, model: type[models.Model]) -> int:
        """The largest id in the table: rows written with explicit ids come after it."""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {model._meta.db_table}")  # noqa: S608 - a model's own table name
            return cursor.fetchone()[0]

    def moment(self, day: date, minute: int) -> datetime:
        """That minute of the day in the window's time zone; never later than now."""
        return min(timezone.make_aware(datetime.combine(day, clock(minute // 60, minute % 60))), self.now)

    # people: the manager, the butlers and the portal accounts

    def users(self) -> None:
        user_model = get_user_model()
        password = make_password(DEMO_PASSWORD)  # one hash for every account: hashing is slow on purpose
        groups = {name: Group.objects.get_or_create(name=name)[0].pk for name in roles.ALL_ROLES}
        wanted = [MANAGER[0]] + [f"butler{n}" for n in range(1, len(self.plan.butlers) + 1)]
        taken = set(user_model.objects.filter(username__in=wanted).values_list("username", flat=True))
        if taken or user_model.objects.filter(username__startswith="company0").exists():
            names = ", ".join(sorted(taken)) or "company000001 …"
            raise NotEmpty(f"users named like the generated ones exist already: {names}")
        base = self.base(user_model)
        joined = self.moment(self.today - timedelta(days=HISTORY_DAYS + 30), 9 * 60)
        self.manager_id = base + 1
        self.butler_users = [base + 2 + n for n in range(len(self.plan.butlers))]
        rows, memberships = [], []
        rows.append((self.manager_id, MANAGER[0], MANAGER[1], f"{MANAGER[0]}@window.example", joined))
        memberships.append((self.manager_id, groups[roles.MANAGER]))
        for n, (butler, user_id) in enumerate(zip(self.plan.butlers, self.butler_users, strict=True), 1):
            rows.append((user_id, f"butler{n}", butler.name, f"butler{n}@window.example", joined))
            memberships.append((user_id, groups[roles.BUTLER]))
        next_id = base + 2 + len(self.plan.butlers)
        self.portal_users: dict[int, int] = {}
        for company in self.plan.companies:
            if company.portal:
                self.portal_users[company.id] = next_id
                rows.append(
                    (
                        next_id,
                        f"company{company.id:06d}",
                        company.contact_name,
                        company.contact_email,
                        self.moment(company.start, company.minute + 60),
                    )
                )
                memberships.append((next_id, groups[roles.COMPANY]))
                next_id += 1
        columns = ["id", "username", "first_name", "email", "date_joined", "password"]
        self.timed(
            user_model._meta.db_table,
            lambda: copy_rows(user_model, columns, (row + (password,) for row in rows)),
        )
        groups_model = user_model.groups.through
        self.timed(
            groups_model._meta.db_table,
            lambda: copy_rows(groups_model, ["user_id", "group_id"], memberships),
        )

    def butlers(self) -> None:
        base = self.base(Butler)
        self.butler_ids = [base + 1 + n for n in range(len(self.plan.butlers))]
        rows = [
            (
                butler_id,
                user_id,
                butler.name,
                f"{self.plan.cities[butler.city][0]}{butler.county}行政服务中心交通窗口 {butler.window}号",
                butler.phone,
                butler.mobile,
                True,
            )
            for butler_id, user_id, butler in zip(
                self.butler_ids, self.butler_users, self.plan.butlers, strict=True
            )
        ]
        columns = ["id", "user_id", "display_name", "window", "office_phone", "mobile", "active"]
        self.timed(Butler._meta.db_table, lambda: copy_rows(Butler, columns, rows))
        self.result.busy_butler = "butler1"

    # companies, their contacts and their service periods

    def companies(self) -> None:
        companies = self.plan.companies
        columns = [
            "id", "name", "credit_code", "registered_on", "district", "address", "legal_representative",
            "status", "created_at",
        ]  # fmt: skip
        index = Indexes(Company._meta.db_table)  # the name's trigram index is slow to fill row by row
        index.drop()
        self.timed(
            Company._meta.db_table,
            lambda: copy_rows(
                Company,
                columns,
                (
                    (
                        c.id, c.name, c.credit_code, c.registered_on, c.region, c.address, c.legal, c.status,
                        self.moment(c.start, c.minute),
                    )
                    for c in companies
                ),
            ),
        )  # fmt: skip
        self.timed(f"{Company._meta.db_table} (indexes)", lambda: index.build() or 0)
        types = dict(BusinessType.objects.values_list("code", "pk"))
        through = Company.business_types.through
        self.timed(
            through._meta.db_table,
            lambda: copy_rows(
                through,
                ["company_id", "businesstype_id"],
                ((c.id, types[code]) for c in companies for code in c.types if code in types),
            ),
        )
        base = self.base(Contact)
        self.contact_ids = {c.id: base + c.id for c in companies}  # the primary contacts
        seconds = [c for c in companies if c.second]
        second_base = base + len(companies)

        def contacts():
            for c in companies:
                yield (
                    self.contact_ids[c.id], c.id, c.contact_name, c.contact_position, c.contact_mobile,
                    c.contact_email, True, self.portal_users.get(c.id), c.reminder_channel,
                )  # fmt: skip
            for n, c in enumerate(seconds, 1):
                name, position, mobile = c.second
                yield (second_base + n, c.id, name, position, mobile, "", False, None, "sms")

        columns = [
            "id", "company_id", "name", "position", "mobile", "email", "is_primary", "user_id",
            "reminder_channel",
        ]  # fmt: skip
        self.timed(Contact._meta.db_table, lambda: copy_rows(Contact, columns, contacts()))

    def periods(self) -> None:
        base = self.base(ServicePeriod)
        prefix = settings.BUTLER_CARD_PREFIX
        existing = dict(CardCounter.objects.values_list("year", "last"))
        last = Counter(existing)
        self.period_ids: dict[int, int] = {}
        rows = []
        for n, c in enumerate(sorted(self.plan.companies, key=lambda c: (c.start, c.minute, c.id)), 1):
            period_id = base + n
            self.period_ids[c.id] = period_id
            last[c.start.year] += 1
            end = c.start + timedelta(days=SERVICE_DAYS)
            rows.append(
                (
                    period_id,
                    c.id,
                    self.butler_ids[c.butler],
                    c.start,
                    end,
                    ServicePeriod.Status.ACTIVE if c.active else ServicePeriod.Status.COMPLETED,
                    None if c.active else end,
                    f"{prefix}-{c.start.year}-{last[c.start.year]:04d}",
                    self.moment(c.start, c.minute + 5),
                    "" if c.active or c.id % 2 else "证件均在有效期内，续期前60天系统会提醒企业",
                )
            )
        columns = [
            "id", "company_id", "butler_id", "start_date", "end_date", "status", "ended_on", "card_number",
            "created_at", "handover_note",
        ]  # fmt: skip
        self.timed(ServicePeriod._meta.db_table, lambda: copy_rows(ServicePeriod, columns, rows))
        for year, number in last.items():
            CardCounter.objects.update_or_create(year=year, defaults={"last": number})

    def seed_table(self) -> None:
        """What the set-based statements need of each company, in a temporary table."""
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMPORARY TABLE seed_plan (id bigint PRIMARY KEY, region text, letter text, "
                "types text, active boolean, established boolean, start_date date, end_date date, "
                "period_id bigint, butler_id bigint, butler_user bigint, contact_id bigint, "
                "portal_user bigint, has_email boolean, vehicles int, tankers int, vehicle_kind text, "
                "drivers int, escorts int, loaders int, vessels int, plate_base int, vessel_base int, "
                "name text, minute int) ON COMMIT DROP"
            )
            with cursor.copy("COPY seed_plan FROM STDIN") as copy:
                for c in self.plan.companies:
                    copy.write_row(
                        (
                            c.id, c.region, c.letter, ",".join(c.types), c.active, c.established, c.start,
                            c.start + timedelta(days=SERVICE_DAYS), self.period_ids[c.id],
                            self.butler_ids[c.butler], self.butler_users[c.butler], self.contact_ids[c.id],
                            self.portal_users.get(c.id), bool(c.contact_email), c.vehicles, c.tankers,
                            c.vehicle_kind, c.drivers, c.escorts, c.loaders, c.vessels, c.plate_base,
                            c.vessel_base, c.name, c.minute,
                        )
                    )  # fmt: skip
            cursor.execute("ANALYZE seed_plan")

    def sequences(self, tables: list[str]) -> None:
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - our own table names
                    f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
                )
