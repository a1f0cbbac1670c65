"""Pages: server time and SQL queries of the pages people open most, on a city- or province-sized database.

Each scale gets a database of its own, created, migrated and filled by ``manage.py seed_volume --scale …``
(dropped at the end). The pages are requested in this process through Django's test client, as the user
who opens them (signed in with ``force_login``), with ``butler.settings.base``, DEBUG off, the Redis
cache and the static files' manifest, as in production: every page once to warm up, then every page in
turn, ``runs`` times, timed from the request to the rendered response. Queries are counted on every run
(``connection.execute_wrapper``) and captured on one more (``CaptureQueriesContext``) to name the slowest.

The subjects are the worst cases the data holds: the butler with the most companies in service, the
company with the most licences (opened by its butler), that company's portal user, the first manager.
"""

import json
import os
import re
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import unquote

from bench.environment import ROOT

SCALES = ("district", "city", "province")
RUNS = 20
BUDGET_QUERIES = 15
# The dashboard reads eight kinds of record side by side in one query, then the medians, the workload, the
# series and the catalogue's limits and materials behind the reform's figures.
BUDGET_QUERIES_DASHBOARD = 20
BUDGET_MS = 150.0
BUDGET_MS_DASHBOARD = 300.0
BUDGET_MS_SEARCH = 100.0
STATIC_ROOT = ROOT / "var" / "bench-static"
SLOWEST = 3  # slowest statements kept per page
PLAN_ABOVE_MS = 20.0  # statements this slow on a page over its budget are explained in the report


# --- Environment ---------------------------------------------------------------------------------------


def static_env() -> dict[str, str]:
    """Production serves static files through the manifest; the pages need it to render with DEBUG off."""
    return {"STATIC_ROOT": str(STATIC_ROOT)}


def collect_static(environment, database: str) -> None:
    """``collectstatic`` into the benchmark's own static root (the manifest the templates read)."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env={**os.environ, **environment.django_env(database), **static_env()},
        check=True,
    )


def seed(environment, database: str, scale: str, *, log) -> float:
    """``manage.py seed_volume --scale <scale>`` on the (migrated, empty) database; the seconds it took."""
    started = time.perf_counter()
    log(f"{scale}: seeding {database} with `manage.py seed_volume --scale {scale}`")
    subprocess.run(  # noqa: S603 - our interpreter, our command, a scale from SCALES
        [sys.executable, "manage.py", "seed_volume", "--scale", scale],
        cwd=ROOT,
        env={**os.environ, **environment.django_env(database)},
        check=True,
    )
    seconds = time.perf_counter() - started
    log(f"{scale}: seeded in {seconds:,.0f} s")
    return seconds


@contextmanager
def prepared(environment, scale: str, *, database: str | None, keep_db: bool, log):
    """A seeded database for ``scale`` (created here and dropped afterwards), or the ``database`` given.

    Yields ``(database, seeding seconds or None)``; Django's connection points at it meanwhile.
    """
    from django.db import connection

    from bench.environment import database_create, database_drop, database_use

    if database:
        if not database.startswith(environment.database):
            raise ValueError(f"--database must start with {environment.database!r}: the run writes sessions")
        database_use(database)
        yield database, None
        connection.close()
        return
    database = environment.database_for(scale)
    try:
        log(f"{scale}: creating and migrating {database}")
        database_create(environment, database)
        seconds = seed(environment, database, scale, log=log)
        database_use(database)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
            cursor.execute("CHECKPOINT")
        connection.close()
        yield database, seconds
    finally:
        connection.close()
        if keep_db:
            log(f"{scale}: kept {database}")
        else:
            database_drop(environment, database)


# --- What is measured ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    url: str
    user: object  # the User who opens the page
    role: str
    budget_ms: float
    details: str = ""


def _reverse(name: str, *args) -> str | None:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _search_term(name: str) -> str:
    """What someone would type to find a company by name: the first characters of its trade name.

    ``宁波市北仑区润通物流有限公司`` → ``润通物流``: the place before it and the legal form after it left
    out, as they are shared by thousands of names.
    """
    for suffix in ("有限责任公司", "股份有限公司", "有限公司", "公司"):
        if name.endswith(suffix) and len(name) > len(suffix) + 2:
            name = name[: -len(suffix)]
            break
    for place in ("区", "县", "市", "省"):
        position = name.rfind(place, 0, 9)
        if 0 < position < len(name) - 2:
            name = name[position + 1 :]
            break
    return name[:4]


def subjects() -> dict:
    """The worst cases in the data: the busiest butler, the company with most licences and its people."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from butler.models import Butler, ServicePeriod
    from butler.security import roles
    from companies.models import Company, CompanyLicence, Contact, Vehicle

    butler = (
        Butler.objects.filter(service_periods__status=ServicePeriod.Status.ACTIVE, user__is_active=True)
        .annotate(portfolio=Count("service_periods"))
        .select_related("user")
        .order_by("-portfolio", "pk")
        .first()
    )
    biggest = (
        CompanyLicence.objects.values("company").annotate(n=Count("id")).order_by("-n", "company").first()
    )
    company = (
        Company.objects.get(pk=biggest["company"]) if biggest else Company.objects.order_by("pk").first()
    )
    in_service = ServicePeriod.objects.active().filter(company=company).select_related("butler__user").first()
    contacts = Contact.objects.filter(user__is_active=True, user__groups__name=roles.COMPANY).select_related(
        "user", "company"
    )
    contact = contacts.filter(company=company).order_by("pk").first() or contacts.order_by("pk").first()
    manager = (
        get_user_model().objects.filter(groups__name=roles.MANAGER, is_active=True).order_by("pk").first()
    )
    count = Company.objects.count()
    middle = Company.objects.order_by("pk")[count // 2] if count else None
    fleet = (
        Vehicle.objects.in_fleet().values("company").annotate(n=Count("id")).order_by("-n", "company").first()
    )
    fleet_company = Company.objects.get(pk=fleet["company"]) if fleet else None
    fleet_serving = (
        ServicePeriod.objects.active().filter(company=fleet_company).select_related("butler__user").first()
        if fleet_company
        else None
    )
    fleet_contact = contacts.filter(company=fleet_company).order_by("pk").first() if fleet_company else None
    return {
        "butler": butler,
        "portfolio": butler.portfolio if butler else 0,
        "company": company,
        "licences": biggest["n"] if biggest else 0,
        "company_user": in_service.butler.user if in_service else manager,
        "company_role": "butler" if in_service else "manager",
        "contact": contact,
        "manager": manager,
        "search_company": middle,
        "fleet_company": fleet_company,
        "vehicles": fleet["n"] if fleet else 0,
        "fleet_user": fleet_serving.butler.user if fleet_serving else manager,
        "fleet_role": "butler" if fleet_serving else "manager",
        "fleet_contact": fleet_contact,
    }


def targets(found: dict) -> tuple[list[Target], list[str]]:
    """The pages to measure, and a note for each one that cannot be measured (yet)."""
    from django.utils import timezone

    from companies.models import LicenceStatus

    pages, skipped = [], []
    butler, company, manager, contact = found["butler"], found["company"], found["manager"], found["contact"]
    if butler is None:
        skipped.append("Today and portfolio: no butler has a company in service.")
    else:
        portfolio = f"{found['portfolio']:,} companies in service"
        pages += [
            Target(
                "today",
                "Today (busiest butler)",
                _reverse("portfolio:today"),
                butler.user,
                "butler",
                BUDGET_MS,
                portfolio,
            ),
            Target(
                "portfolio",
                "Portfolio (busiest butler)",
                _reverse("portfolio:list"),
                butler.user,
                "butler",
                BUDGET_MS,
                portfolio,
            ),
        ]
    if company is not None:
        who = "its butler" if found["company_role"] == "butler" else "a manager (no butler in service)"
        what = f"{found['licences']:,} licences, opened by {who}"
        pages += [
            Target(
                "company",
                "Company page (most licences)",
                _reverse("company:detail", company.pk),
                found["company_user"],
                found["company_role"],
                BUDGET_MS,
                what,
            ),
            Target(
                "timeline",
                "Company timeline (most licences)",
                _reverse("company:timeline", company.pk),
                found["company_user"],
                found["company_role"],
                BUDGET_MS,
                what,
            ),
        ]
    fleet_company = found.get("fleet_company")
    if fleet_company is None:
        skipped.append("Fleet calendar: no company has a vehicle.")
    else:
        what = f"{found['vehicles']:,} vehicles"
        pages.append(
            Target(
                "fleet",
                "Fleet calendar (largest fleet)",
                _reverse("fleet:calendar", fleet_company.pk),
                found["fleet_user"],
                found["fleet_role"],
                BUDGET_MS,
                f"{what}, opened by its {found['fleet_role']}",
            )
        )
        if found.get("fleet_contact") is not None:
            pages.append(
                Target(
                    "portal_fleet",
                    "The fleet's month on the portal (largest fleet)",
                    _reverse("portal:fleet"),
                    found["fleet_contact"].user,
                    "company",
                    BUDGET_MS,
                    f"{what}, its portal user",
                )
            )
    if contact is None:
        skipped.append("Portal home: no portal user.")
    else:
        pages.append(
            Target(
                "portal",
                "Portal home",
                _reverse("portal:home"),
                contact.user,
                "company",
                BUDGET_MS,
                f"contact of a company with {contact.company.licences.count():,} licences",
            )
        )
    if manager is None:
        skipped.append("Manager pages: no manager.")
        return pages, skipped
    pages.append(
        Target(
            "dashboard",
            "Manager dashboard (default range)",
            _reverse("oversight:dashboard"),
            manager,
            "manager",
            BUDGET_MS_DASHBOARD,
        )
    )
    searched = found["search_company"]
    if searched is not None:
        from urllib.parse import urlencode

        companies = _reverse("oversight:companies")
        term = _search_term(searched.name)
        pages += [
            Target(
                "search_name",
                "Company search by name",
                f"{companies}?{urlencode({'q': term})}",
                manager,
                "manager",
                BUDGET_MS_SEARCH,
                f"“{term}”, part of {searched.name}",
            ),
            Target(
                "search_code",
                "Company search by credit code",
                f"{companies}?{urlencode({'q': searched.credit_code})}",
                manager,
                "manager",
                BUDGET_MS_SEARCH,
                searched.credit_code,
            ),
        ]
    licences = _reverse("oversight:licences")
    if licences is None:
        skipped.append(
            "Licence list filtered by status and due month: not measured, the page "
            "(`manager:licences`) does not exist yet; the harness measures it once `reverse` finds it."
        )
    else:
        month = timezone.localdate().strftime("%Y-%m")
        pages.append(
            Target(
                "licences",
                "Licence list by status and due month",
                f"{licences}?status={LicenceStatus.RENEWAL_DUE}&month={month}&date=renew_by",
                manager,
                "manager",
                BUDGET_MS,
                f"renewal due, renew by in {month}",
            )
        )
    return pages, skipped


def company_list_target(found: dict) -> Target | None:
    if found["manager"] is None:
        return None
    return Target(
        "company_list",
        "Manager's company list, first page",
        _reverse("oversight:companies"),
        found["manager"],
        "manager",
        BUDGET_MS,
    )


# --- Measuring -----------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """The ``share`` (0–100) percentile of ``values``, interpolating between the two nearest runs."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    position = (len(ordered) - 1) * share / 100
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


class Counter:
    """Counts the statements of the default connection (an ``execute_wrapper``: next to no overhead)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


class Timer:
    """Times each statement of the default connection (an ``execute_wrapper``), with its SQL as sent."""

    def __init__(self):
        self.statements: list[tuple[float, str]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            ms = (time.perf_counter() - started) * 1000
            cursor = context["cursor"].cursor
            sent = None if many else context["connection"].ops.last_executed_query(cursor, sql, params)
            self.statements.append((ms, sent or sql))


@dataclass
class Samples:
    ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    bytes: int = 0
    captured: int = 0  # statements CaptureQueriesContext saw on one more run
    sql_ms: float = 0.0  # time in those statements (round trips included) on that run
    slowest: list[dict] = field(default_factory=list)


class Browser:
    """One signed-in test client per user, on the host the settings allow."""

    def __init__(self):
        self.clients = {}

    def get(self, target: Target):
        from django.test import Client

        client = self.clients.get(target.user.pk)
        if client is None:
            client = self.clients[target.user.pk] = Client(HTTP_HOST="localhost")
            client.force_login(target.user)
        response = client.get(target.url)
        if response.status_code != 200:
            raise AssertionError(f"{target.label}: {target.url} answered {response.status_code}")
        return response


def measure_once(browser: Browser, target: Target, samples: Samples) -> None:
    from django.db import connection

    counter = Counter()
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        response = browser.get(target)
        samples.ms.append((time.perf_counter() - started) * 1000)
    samples.queries.append(counter.count)
    samples.bytes = len(response.content)


def capture(browser: Browser, target: Target, samples: Samples) -> None:
    """One more request with every statement captured: the slowest ones, to name what costs the time."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timer = Timer()  # CaptureQueriesContext keeps whole milliseconds only
    with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(timer):
        browser.get(target)
    samples.captured = len(captured)
    samples.sql_ms = sum(ms for ms, _sql in timer.statements)
    ranked = sorted(timer.statements, key=lambda statement: -statement[0])
    samples.slowest = [{"ms": round(ms, 2), "sql": sql} for ms, sql in ranked[:SLOWEST]]


def usable(pages: list[Target], browser: "Browser | None" = None) -> tuple[list[Target], list[str]]:
    """Each page requested once (a warm-up); those that fail are left out, with a note saying why."""
    browser = browser or Browser()
    working, notes = [], []
    for target in pages:
        try:
            browser.get(target)
        except Exception as error:  # a page that fails is reported, not measured
            notes.append(
                f"{target.label} (`{unquote(target.url)}`): not measured, the page failed: "
                f"{type(error).__name__}: {error}"
            )
        else:
            working.append(target)
    return working, notes


def measure(pages: list[Target], runs: int, *, log) -> tuple[dict[str, Samples], list[str]]:
    """Every page ``runs`` times in turn after a warm-up; pages that fail the warm-up are left out."""
    browser = Browser()
    pages, failed = usable(pages, browser)  # warm up: connections, templates, caches
    for note in failed:
        log(f"  {note}")
    samples = {target.key: Samples() for target in pages}
    for number in range(runs):  # in turns, so that other load weighs on every page alike
        for target in pages:
            measure_once(browser, target, samples[target.key])
        if (number + 1) % 5 == 0 or number + 1 == runs:
            log(
                f"  run {number + 1}/{runs}: "
                + ", ".join(f"{t.key} {samples[t.key].ms[-1]:,.0f} ms" for t in pages)
            )
    for target in pages:
        capture(browser, target, samples[target.key])
    return samples, failed


@contextmanager
def jit_off():
    """PostgreSQL's JIT compilation off for this session, to show what it costs."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET jit")


_DECLARE = re.compile(r'^\s*DECLARE\s+"?\w+"?\s+.*?\bFOR\s+', re.IGNORECASE | re.DOTALL)


def explainable(sql: str) -> str | None:
    """The SELECT of a captured statement (a server-side cursor's too), or None for anything else."""
    sql = _DECLARE.sub("", sql, count=1)
    return sql if sql.lstrip().upper().startswith(("SELECT", "WITH")) else None


def uses_jit(sql: str) -> bool:
    """Whether PostgreSQL compiles this statement with JIT: its estimated cost reaches ``jit_above_cost``."""
    from django.db import connection

    sql = explainable(sql)
    if sql is None:
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit')::bool, current_setting('jit_above_cost')::float")
        enabled, above = cursor.fetchone()
        if not enabled or above < 0:
            return False
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return plan[0]["Plan"]["Total Cost"] >= above


def explain(sql: str) -> str:
    """EXPLAIN ANALYZE of one captured statement (a SELECT), in a transaction rolled back."""
    from django.db import connection, transaction

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)
    return plan


def _short(sql: str, length: int = 160) -> str:
    sql = " ".join(sql.split())
    return sql if len(sql) <= length else sql[: length - 1] + "…"


def figure(target: Target, scale: str, samples: Samples) -> dict:
    from bench.report import verdict

    p50, p95 = percentile(samples.ms, 50), percentile(samples.ms, 95)
    queries = max(samples.queries + [samples.captured])
    return {
        "key": target.key,
        "label": target.label,
        "scale": scale,
        "url": target.url,
        "role": target.role,
        "unit": "ms",
        "runs": [round(value, 2) for value in samples.ms],
        "p50": round(p50, 2),
        "p95": round(p95, 2),
        "min": round(min(samples.ms), 2),
        "max": round(max(samples.ms), 2),
        "queries": queries,
        "queries_varied": min(samples.queries + [samples.captured or queries]) != queries,
        "kib": round(samples.bytes / 1024, 1),
        "sql_ms": round(samples.sql_ms, 1),
        "details": target.details,
        "slowest": [{"ms": q["ms"], "sql": _short(q["sql"])} for q in samples.slowest],
        "budget": verdict(round(p95, 2), target.budget_ms, "ms"),
        "queries_budget": verdict(
            queries, BUDGET_QUERIES_DASHBOARD if target.key == "dashboard" else BUDGET_QUERIES, "queries"
        ),
    }


# --- The sections ------------------------------------------------------------------------------------


def data_counts() -> dict:
    from django.apps import apps

    labels = {
        "companies": "companies.Company",
        "licences": "companies.CompanyLicence",
        "contacts": "companies.Contact",
        "users": "auth.User",
        "service periods": "butler.ServicePeriod",
        "reminders": "reminders.Reminder",
        "contact records": "butler.ContactRecord",
        "ratings": "butler.Rating",
        "message threads": "butler.MessageThread",
    }
    return {name: apps.get_model(label).objects.count() for name, label in labels.items()}


def _load_average(values: list[float]) -> dict:
    return {"start": values[0], "median": round(statistics.median(values), 2), "max": max(values)}


def _common(title: str, summary: str, scale: str, date, machine: dict, data: dict) -> dict:
    return {
        "title": title,
        "summary": summary,
        "scale": scale,
        "date": date.isoformat(timespec="seconds"),
        "command": "",
        "runtime_seconds": 0.0,
        "machine": machine,
        "data": {scale: data},
    }


def run(
    *, scale: str, runs: int, environment, log, seconds_seeding: float | None
) -> tuple[dict, dict | None]:
    """Measure the pages on the current database."""
    import redis
    from django.db import connection
    from django.utils import timezone

    from bench.machine import describe

    started = time.perf_counter()
    date = timezone.now()
    load_average = [os.getloadavg()[0]]
    data = data_counts()
    if seconds_seeding is not None:
        data["seeding s"] = round(seconds_seeding, 1)
    log(f"{scale}: " + ", ".join(f"{value:,} {name}" for name, value in data.items()))
    found = subjects()
    pages, skipped = targets(found)
    log(f"{scale}: measuring {len(pages)} pages, {runs} runs each")
    samples, failed = measure(pages, runs, log=log)
    skipped += failed
    pages = [target for target in pages if target.key in samples]
    load_average.append(os.getloadavg()[0])
    machine = describe(connection=connection, redis_client=redis.Redis.from_url(environment.redis_url))
    machine["load_average"] = _load_average(load_average)
    figures = [figure(target, scale, samples[target.key]) for target in pages]
    what_if = [
        target
        for target, item in zip(pages, figures, strict=True)
        if not item["budget"]["met"] and any(uses_jit(q["sql"]) for q in samples[target.key].slowest)
    ]
    if what_if:
        log(f"{scale}: again with PostgreSQL JIT off (what if): {', '.join(t.key for t in what_if)}")
        with jit_off():
            again, _failed = measure(what_if, runs, log=log)
        for target in what_if:
            item = figure(target, scale, again[target.key])
            item.update(key=f"{target.key}_no_jit", label=f"{target.label}, PostgreSQL JIT off (what if)")
            item["details"] = "what if: `SET jit = off` for the session"
            item["what_if"] = True
            figures.append(item)
    plans = {}
    for item in figures:
        if item["budget"]["met"] or item.get("what_if"):
            continue
        for statement in samples[item["key"]].slowest:
            sql = explainable(statement["sql"])
            if sql is None or statement["ms"] < PLAN_ABOVE_MS:
                continue
            plans[f"{scale}: {item['label']}, a statement of {statement['ms']} ms"] = (
                sql + "\n\n" + explain(sql)
            )
    missed = [
        f for f in figures if not f.get("what_if") and not (f["budget"]["met"] and f["queries_budget"]["met"])
    ]
    notes = list(skipped)
    for item in missed:
        worst = item["slowest"][0] if item["slowest"] else None
        notes.append(
            f"{item['label']}: p95 {item['budget']['verdict']}, queries {item['queries_budget']['verdict']}; "
            f"{item['sql_ms']:,.1f} ms in SQL on one run (p50 {item['p50']:,.1f} ms: the rest is Python)"
            + (f"; slowest statement {worst['ms']} ms: `{worst['sql']}`" if worst else "")
        )
    pages_section = {
        **_common(
            "Pages: server time and SQL queries",
            "Server time of the pages people open most, in this process through Django's test client "
            f"(p50 and p95 of {runs} runs after one warm-up), and the SQL statements each makes, on a "
            f"{scale}-sized database filled by `manage.py seed_volume --scale {scale}`.",
            scale,
            date,
            machine,
            data,
        ),
        "figures": figures,
        "budgets": {
            "queries": BUDGET_QUERIES,
            "dashboard queries": BUDGET_QUERIES_DASHBOARD,
            "ms": BUDGET_MS,
            "dashboard ms": BUDGET_MS_DASHBOARD,
            "search ms": BUDGET_MS_SEARCH,
        },
        "method": [
            "A database of its own, created, migrated, filled with `manage.py seed_volume`, then VACUUM "
            "ANALYZE and a CHECKPOINT; dropped at the end.",
            "`butler.settings.base` with DEBUG off, the Redis cache, database sessions and the static "
            "files' manifest (collectstatic), as in production; PostgreSQL as configured (see the machine).",
            "Each page is opened by the user it is for, signed in once (`force_login`); the time runs from "
            "the test client's request to the rendered response (middleware, session, view, template).",
            f"Every page once to warm up, then every page in turn, {runs} times; p50 and p95 interpolate "
            "between the two nearest runs. Queries are counted on every run (the largest count is shown), "
            "and captured on one more run to show the slowest statements and the time spent in SQL "
            "(round trips included; the rest of a page's time is Python: view, forms, templates).",
            "A page over its time budget whose slowest statements PostgreSQL compiles with JIT (estimated "
            "cost ≥ `jit_above_cost`) is measured again with `SET jit = off` for the session (what if); "
            f"its statements slower than {PLAN_ABOVE_MS:.0f} ms are shown with EXPLAIN ANALYZE.",
            f"Budgets: ≤ {BUDGET_QUERIES} queries per page (dashboard ≤ {BUDGET_QUERIES_DASHBOARD}); "
            f"p95 ≤ {BUDGET_MS:.0f} ms "
            f"(dashboard ≤ {BUDGET_MS_DASHBOARD:.0f} ms, search ≤ {BUDGET_MS_SEARCH:.0f} ms). They are "
            "for province scale; the other scales show the way there.",
        ],
        "notes": notes,
        "plans": plans,
    }
    pages_section["runtime_seconds"] = round(time.perf_counter() - started, 1)
    return pages_section
