"""Hostile input on every URL of the product, as every role: the product refuses it cleanly.

For each URL (one test per URL, so a failure names it) and each role around company A — anonymous, the butler
serving it, another butler, the manager, its portal contact, another company's contact, and a superuser for
the admin — the sweep sends GETs with hostile query strings (wrong types, negative pages, broken cursors,
100,000-character strings, markup, SQL, NUL bytes, impossible and out-of-range dates, lists for scalars), URL
arguments naming other companies' objects, objects that do not exist and integers beyond any column, and
POSTs to every form found on the product's pages (field names read from the HTML): empty, the CSRF token
only, every hostile value in every field, and wrong or oversized files where the form takes files.

Every response holds to four rules: no 5xx; a form sent back with errors shows each error, translated, in the
page; script text comes back escaped, never as a live tag; and a refused request (4xx, or a form sent back
with errors) stores nothing — the rows of every model with a history, and the history itself, are counted
before and after. Each request runs in a savepoint rolled back afterwards, so each one meets the same world,
built once for the module.
"""

import contextlib
import copy
import functools
import re
import traceback
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from types import SimpleNamespace
from urllib.parse import parse_qsl, urlsplit

import pytest
import time_machine
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.forms import BaseForm, BaseFormSet
from django.test import Client
from django.test.utils import ContextList
from django.urls import NoReverseMatch, Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils.html import escape
from simple_history.models import registered_models

from butler.calendars.services import calendar_feed_make
from butler.contactlog.services import contact_record
from butler.feedback.ratings import suggestion_submit
from butler.firstvisit.services import first_visit_accept
from butler.messaging.services import thread_start
from butler.models import Attachment
from companies.models import CompanyLicence
from reminders.models import Notice, Reminder
from tests.butler.test_access_matrix import MATRIX, build_matrix_world
from tests.conftest import NOW, build_world, make_user, register, rolled_back_after

SCRIPT = "<script>alert(1)</script>"
HUGE_INT = "99999999999999999999"
# One value a request: every parameter or field of the request gets it (lists go in as repeated keys).
HOSTILE = [
    "abc",
    "-1",
    HUGE_INT,
    "1.5e309",
    "²",  # a digit to str.isdigit(), not to int()
    "x" * 100_000,
    SCRIPT + "' OR 1=1--",
    "a\x00b",
    "2026-02-30",
    "9999-99-99",
    "0001-01-01",
    "9999-12-31",
    ["1", "abc"],
]
# The admin's own code is Django's: the values that reach the product's searches, filters and ordering.
ADMIN_HOSTILE = [
    "abc",
    "-1",
    HUGE_INT,
    "x" * 100_000,
    SCRIPT,
    "a\x00b",
    "2026-02-30",
    "0001-01-01",
    ["1", "abc"],
]
# Parameters the product's lists read besides their forms' fields (paging, cursors, sorting, filters).
COMMON_PARAMS = [
    "page",
    "after",
    "before",
    "q",
    "sort",
    "show",
    "kind",
    "status",
    "butler",
    "since",
    "until",
    "month",
    "date_from",
    "date_to",
    "category",
    "code",
    "cases",
    "stars",
    "figure",
    "business_type",
    "next",
]
# Admin changelists: search, ordering, page, "show all" and the filter parameters found on the page.
ADMIN_PARAMS = ["q", "o", "p", "all", "e", "_to_field", "_popup"]
ROLES = ["anonymous", "butler_a", "butler_b", "manager", "company_a", "company_b", "reviewer"]
CJK = re.compile(r"[\u4e00-\u9fff]")
ERROR_STATUSES = {200, 400, 422}


# --- the world, built once ----------------------------------------------------------------------------


@dataclass
class Sweep:
    world: object
    users: dict
    # The same URL arguments as the access matrix, with company B's objects in place of company A's.
    other_args: dict = field(default_factory=dict)


def _other_world(world) -> SimpleNamespace:
    """The world seen from company B: its objects under company A's names, so that the access matrix's
    arguments name B's objects. A user of A's side must get 404 (or 403) for them, never a 500."""
    company = world.company_b
    thread = thread_start(
        actor=world.contact_b,
        company=company,
        subject="道路运输证",
        body="请问办理进度",
        files=[SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\n" + bytes(32), content_type="image/png")],
    )
    licence = CompanyLicence.objects.filter(company=company).order_by("pk").first()
    return SimpleNamespace(
        **vars(world)
        | {
            "company_a": company,
            "contact_a": world.contact_b,
            "period_a": world.period_b,
            "licence_a": licence,
            "missing_a": licence,
            "thread_a": thread,
            "attachment_a": Attachment.objects.get(message__thread=thread),
            "case_a": suggestion_submit(
                actor=world.contact_b, category="waiting", text="材料清单不清楚"
            ).case,
            "return_visit": contact_record(
                actor=world.butler_b.user, company=company, channel="phone", summary="回访", return_visit_in=3
            ),
            "notice_a": Notice.objects.create(recipient=world.contact_b, title="提醒", url="/portal/"),
            "calendar_a": calendar_feed_make(actor=world.contact_b)[0],
            "improvement": SimpleNamespace(pk=10**9),
        }
    )


def _forms_world(world) -> None:
    """What makes the rarer forms appear: a company nobody serves yet (accept), one whose contact has no
    portal account (a new invitation), and a reminder that failed (send again)."""
    world.company_new = register(world.butler_a.user, 3)
    world.period_new = first_visit_accept(
        actor=world.butler_a.user, company_id=register(world.butler_a.user, 4).pk
    ).period
    failed = Reminder.objects.order_by("pk").first()
    Reminder.objects.filter(pk=failed.pk).update(
        status=Reminder.Status.FAILED, scheduled_at=NOW - timedelta(days=1), last_error="gateway down"
    )


# Pages that show a form only in a state company A is not in, read besides the matrix's pages.
EXTRA_PAGES = [
    ("firstvisit:accept", lambda w: [w.company_new.pk]),
    ("service:card", lambda w: [w.period_new.pk]),
    ("feedback:rate", lambda w: ["butler", w.period_b.pk]),
    ("licences:detail", lambda w: [w.lapsed_a.pk]),  # the public notice of a lapsed licence's cancellation
]


@pytest.fixture(scope="module")
def sweep(django_db_setup, django_db_blocker):
    """The access matrix's world plus company B's objects and a superuser, rolled back after the module."""
    with (
        rolled_back_after(django_db_blocker),
        django_db_blocker.unblock(),
        time_machine.travel(NOW, tick=True),
    ):
        world = build_matrix_world(build_world())
        other = _other_world(world)
        _forms_world(world)
        root = make_user("root", is_staff=True, is_superuser=True)
        users = {
            "anonymous": None,
            "butler_a": world.butler_a.user,
            "butler_b": world.butler_b.user,
            "manager": world.manager,
            "company_a": world.contact_a,
            "company_b": world.contact_b,
            "reviewer": world.reviewer,
            "superuser": root,
        }
        state = Sweep(world=world, users=users)
        for (name, _method), (args, _expected) in MATRIX.items():
            state.other_args[name] = args(other)
        yield state


# --- reading pages ------------------------------------------------------------------------------------


@dataclass
class Form:
    method: str
    action: str
    fields: dict = field(default_factory=dict)  # name -> input type
    files: bool = False


class FormReader(HTMLParser):
    """The forms of a page: method, action (or hx-post, or a button's formaction) and named fields."""

    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self.current: Form | None = None
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = {key: value or "" for key, value in attrs}
        if tag == "a" and attrs.get("href", "").startswith("?"):
            self.links.append(attrs["href"])
        if tag == "form":
            action = attrs.get("hx-post") or attrs.get("action") or self.page_url
            self.current = Form(method=(attrs.get("method") or "get").lower(), action=action)
            self.forms.append(self.current)
            return
        if self.current is None:
            if attrs.get("hx-post"):
                self.forms.append(Form(method="post", action=attrs["hx-post"]))
            return
        if tag == "button" and attrs.get("formaction"):
            self.forms.append(Form(self.current.method, attrs["formaction"], self.current.fields))
        if tag in {"input", "select", "textarea", "button"} and attrs.get("name"):
            kind = attrs.get("type", tag) if tag == "input" else tag
            self.current.fields.setdefault(attrs["name"], kind)
            if kind == "file":
                self.current.files = True

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None


def read_forms(page_url: str, html: str) -> FormReader:
    reader = FormReader(page_url)
    reader.feed(html)
    return reader


def url_name(url: str) -> str | None:
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return None
    return match.view_name


# --- sending and checking -----------------------------------------------------------------------------


@functools.cache
def _history_tables() -> list[str]:
    """Every model with a history, its history table and the history of its many-to-many fields."""
    tables = set()
    for model in registered_models.values():
        tables.add(model._meta.db_table)
    for model in apps.get_models():
        if model.__name__.startswith("Historical"):
            tables.add(model._meta.db_table)
    tables.add(get_user_model()._meta.db_table)
    return sorted(tables)


def snapshot() -> dict:
    """Row counts of every domain table and its history, in one query."""
    tables = _history_tables()
    quote = connection.ops.quote_name
    columns = ", ".join(f"(SELECT COUNT(*) FROM {quote(table)})" for table in tables)  # noqa: S608 - model table names, quoted
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns}")  # noqa: S608 - table names from the models, quoted
        return dict(zip(tables, cursor.fetchone(), strict=True))


def _bound_forms(response) -> list:
    """The validated forms (and formsets' forms) the page was rendered with."""
    contexts = response.context
    if contexts is None:
        return []
    if not isinstance(contexts, ContextList):
        contexts = [contexts]
    found = {}
    for context in contexts:
        for value in context.flatten().values():
            forms = value.forms if isinstance(value, BaseFormSet) and value.is_bound else [value]
            for form in forms:
                if isinstance(form, BaseForm) and form.is_bound and form._errors is not None:
                    found[id(form)] = form
    return list(found.values())


def _origin(error: BaseException) -> str:
    """Where the product's code last stood when the error was raised, and where Django's did."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [
        frame for frame in frames if "site-packages" not in frame.filename and "/tests/" not in frame.filename
    ]
    spots = [ours[-1]] if ours else []
    spots += frames[-1:]
    return " ".join(f"[{frame.filename.split('/')[-1]}:{frame.lineno} {frame.name}]" for frame in spots)


def _describe(value) -> str:
    text = repr(value)
    return text if len(text) < 60 else f"{text[:40]}…({len(str(value))} chars)"


class Sender:
    """Sends each request in a savepoint that is rolled back, and collects what broke a rule."""

    def __init__(self, users: dict):
        self.users = users
        self.clients: dict[str, Client] = {}
        self.failures: list[str] = []
        self.count = 0
        self.baseline = snapshot()

    def client(self, role: str) -> Client:
        if role not in self.clients:
            client = Client()
            if self.users[role] is not None:
                client.force_login(self.users[role])
            self.clients[role] = client
        return self.clients[role]

    def send(self, role: str, method: str, url: str, data=None, label: str = "", **extra):
        """One request; returns the response, or None when it raised (recorded as a failure)."""
        self.count += 1
        where = f"{role} {method.upper()} {url[:120]} {label}".strip()
        client = self.client(role)
        cookies = copy.deepcopy(client.cookies)  # signing out or switching language stays in the savepoint
        try:
            with transaction.atomic():
                response = getattr(client, method)(url, data or {}, **extra)
                refused = self._check(where, method, response)
                if refused:
                    after = snapshot()
                    if after != self.baseline:
                        changed = {
                            t: (self.baseline[t], n) for t, n in after.items() if self.baseline[t] != n
                        }
                        self.failures.append(
                            f"{where}: refused ({response.status_code}) but stored {changed}"
                        )
                transaction.set_rollback(True)
        except Exception as error:  # a 500: the client re-raises what the view raised
            self.failures.append(f"{where}: 500 {type(error).__name__}: {str(error)[:200]} {_origin(error)}")
            return None
        finally:
            client.cookies = cookies
        return response

    def _check(self, where: str, method: str, response) -> bool:
        """The rules every response holds to; True when the request was refused."""
        status = response.status_code
        if status >= 500:
            self.failures.append(f"{where}: {status}")
            return True
        html = response.get("Content-Type", "").startswith("text/html")
        body = b"" if getattr(response, "streaming", False) else response.content
        if html and SCRIPT.encode() in body:
            self.failures.append(f"{where}: script text came back as a live tag")
        if html and b"Traceback" in body:
            self.failures.append(f"{where}: a traceback in the page")
        with_errors = [form for form in _bound_forms(response) if form.errors]
        if with_errors and status in ERROR_STATUSES:
            text = body.decode(response.charset or "utf-8", "replace")
            for form in with_errors:
                for name, errors in form.errors.items():
                    for message in errors:
                        if message not in text and escape(message) not in text:
                            self.failures.append(f"{where}: error on {name!r} not shown: {message[:80]}")
                        elif not CJK.search(message):
                            self.failures.append(f"{where}: error on {name!r} not translated: {message[:80]}")
            return True
        if any(message.level >= messages.ERROR for message in messages.get_messages(response.wsgi_request)):
            return True  # refused with a message, and sent on to another page
        return 400 <= status < 500


def _query(names, value) -> dict:
    return {name: value for name in names}


def _rotate(roles: list[str]):
    """Each hostile value once per URL, dealt in turn to the roles that get past the door."""
    while True:
        yield from roles


def _hostile_gets(sender, allowed, refused, url, names):
    """Every hostile value in every parameter; the refused roles get one request of markup, SQL and NUL."""
    deal = _rotate(allowed)
    for value in HOSTILE:
        sender.send(next(deal), "get", url, _query(names, value), label=f"?*={_describe(value)}")
    sender.send(
        next(deal), "get", url, _query(names, SCRIPT), label="htmx ?*=<script>", HTTP_HX_REQUEST="true"
    )
    for role in refused:
        sender.send(role, "get", url, _query(names, SCRIPT + "' OR 1=1--\x00"), label="?*=<script>+SQL+NUL")


def _hostile_posts(sender, allowed, refused, url, form: Form | None):
    """Empty, token only, every hostile value in every field, and wrong or oversized files."""
    names = [name for name in (form.fields if form else {}) if name != "csrfmiddlewaretoken"]
    token = {"csrfmiddlewaretoken": "x" * 64}
    deal = _rotate(allowed)
    sender.send(next(deal), "post", url, {}, label="empty")
    sender.send(next(deal), "post", url, token, label="token only")
    for value in HOSTILE:
        sender.send(next(deal), "post", url, token | _query(names, value), label=f"*={_describe(value)}")
    for role in refused:
        sender.send(role, "post", url, token | _query(names, SCRIPT), label="*=<script>")
    if form is not None and form.files:
        files = [name for name, kind in form.fields.items() if kind == "file"]
        text = [name for name in names if name not in files]
        wrong = {name: SimpleUploadedFile("report.png", b"MZ\x90\x00" + bytes(64)) for name in files}
        sender.send(next(deal), "post", url, token | _query(text, "abc") | wrong, label="wrong file type")
        big = {name: SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + bytes(6 * 1024 * 1024)) for name in files}
        sender.send(next(deal), "post", url, token | _query(text, "abc") | big, label="oversized file")


# --- what to sweep ------------------------------------------------------------------------------------


def _project_urls(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            yield from _project_urls(pattern.url_patterns, namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield prefix + pattern.name


# The API (api:) answers keys, not sessions: its hostile input is sent by key, for every parameter and body
# field of its schema, by the contract test (tests/butler/api/test_contract.py) and tests/butler/api/.
URL_NAMES = sorted(
    {name for name in _project_urls(get_resolver().url_patterns) if not name.startswith(("admin:", "api:"))}
)
ADMIN_MODELS = sorted(
    f"{model._meta.app_label}.{model._meta.model_name}"
    for model in admin.site._registry
    if model._meta.app_label in {"butler", "companies", "reminders"}
)


def test_every_url_is_swept():
    """A new URL joins the sweep through the access matrix, which gives its arguments."""
    assert set(URL_NAMES) - {name for name, _method in MATRIX} == set()
    assert ADMIN_MODELS, "the project's models are in the admin"


@pytest.fixture(scope="module")
def site(sweep):
    """Every page as every role let in: its forms (by the URL they send to), its GET fields, what broke."""
    sender = Sender(sweep.users)
    failures: dict[str, list[str]] = defaultdict(list)
    posts: dict[str, dict[str, Form]] = defaultdict(dict)
    gets: dict[str, set[str]] = defaultdict(set)
    pages = [
        (name, args, _doors(name, "get")[0])
        for (name, method), (args, _expected) in sorted(MATRIX.items())
        if method == "get"
    ]
    for name, args, roles in pages + [(name, args, ROLES) for name, args in EXTRA_PAGES]:
        url = reverse(name, args=args(sweep.world))
        for role in roles:
            response = sender.send(role, "get", url, follow=True)
            failures[name] += sender.failures
            sender.failures = []
            if response is None or not response.get("Content-Type", "").startswith("text/html"):
                continue
            page = response.request["PATH_INFO"]
            for form in read_forms(page, response.content.decode()).forms:
                target = url_name(form.action)
                if target is None:
                    continue
                if form.method == "post":
                    known = posts[target].setdefault(urlsplit(form.action).path, form)
                    known.fields.update(form.fields)
                    known.files |= form.files
                else:
                    gets[target].update(form.fields)
    return posts, gets, failures


def _doors(name: str, method: str) -> tuple[list[str], list[str]]:
    """The roles the access matrix lets through (a page or a redirect) and the ones it stops."""
    expected = MATRIX[(name, method)][1]
    allowed = [role for role in ROLES if expected[role] in (200, 302)]
    if not allowed:  # nobody gets through (e.g. a method not allowed): everyone knocks
        return ROLES, []
    return allowed, [role for role in ROLES if role not in allowed]


# POST URLs no page of the world shows a form for, and why.
NO_FORM = {
    "password_reset_confirm": "its form is on the link from the e-mail, behind a redirect",
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", URL_NAMES)
def test_hostile_input(sweep, site, name):
    posts, gets, crawl_failures = site
    sender = Sender(sweep.users)
    methods = sorted(method for key, method in MATRIX if key == name)
    args = MATRIX[(name, methods[0])][0](sweep.world)
    url = reverse(name, args=args)
    variants = _url_variants(name, args, sweep.other_args.get(name, args))
    if "get" in methods:
        allowed, refused = _doors(name, "get")
        sender.failures += crawl_failures.get(name, [])  # the plain page, read by every role let in
        for role in ROLES:
            for variant, label in _variants_for(variants, name, "get", role):
                _expect_missing(
                    sender, role in allowed, sender.send(role, "get", variant, label=label), label
                )
        _hostile_gets(sender, allowed, refused, url, sorted(set(COMMON_PARAMS) | gets.get(name, set())))
    if "post" in methods:
        allowed, refused = _doors(name, "post")
        for form in list(posts.get(name, {}).values()) or [None]:
            _hostile_posts(sender, allowed, refused, form.action if form else url, form)
        for role in ROLES:
            for variant, label in _variants_for(variants, name, "post", role):
                response = sender.send(role, "post", variant, {"csrfmiddlewaretoken": "x"}, label=label)
                _expect_missing(sender, role in allowed, response, label)
        if name not in NO_FORM and allowed != ROLES:
            assert posts.get(name), f"no page shows a form that posts to {name}"
    assert sender.failures == [], f"{len(sender.failures)} of {sender.count} requests:\n" + "\n".join(
        sender.failures
    )


MISSING = {"missing id", "huge id"}
OTHER = "other company's object"


def _variants_for(variants, name: str, method: str, role: str):
    """Every variant for whoever gets past the door; a role kept out of A's objects (404) tries B's; a role
    stopped whatever the object (sign-in, 403) has nothing to try."""
    expected = MATRIX[(name, method)][1][role]
    if expected in (200, 302) or role in _doors(name, method)[0]:
        return variants
    return [(url, label) for url, label in variants if label == OTHER] if expected == 404 else []


def _expect_missing(sender, allowed: bool, response, label: str) -> None:
    """An id that names nothing answers 404 to whoever may use the page."""
    if allowed and label in MISSING and response is not None and response.status_code != 404:
        sender.failures.append(
            f"{label}: {response.status_code}, not 404, at {response.request['PATH_INFO']}"
        )


def _url_variants(name: str, args: list, other: list) -> list[tuple[str, str]]:
    """The URL with another company's objects, with ids that do not exist, and with hostile path parts."""
    found = []

    def add(values, label):
        with contextlib.suppress(NoReverseMatch):  # a value the URL's converter does not take
            found.append((reverse(name, args=values), label))

    if other != args:
        add(other, OTHER)
    for index, arg in enumerate(args):
        if isinstance(arg, int):
            for value, label in [(10**9, "missing id"), (HUGE_INT, "huge id")]:
                add([*args[:index], value, *args[index + 1 :]], label)
        else:
            for value in [SCRIPT + "' OR 1=1--", "x" * 5000, "\x00"]:
                add([*args[:index], value, *args[index + 1 :]], f"path {_describe(value)}")
    return found


# --- the admin ----------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("label", ADMIN_MODELS)
def test_hostile_input_in_admin(sweep, label):
    """The changelist and the change form of each of the product's models, by GET with hostile queries."""
    model = apps.get_model(label)
    sender = Sender(sweep.users)
    info = (model._meta.app_label, model._meta.model_name)
    changelist = reverse("admin:{}_{}_changelist".format(*info))
    plain = sender.send("superuser", "get", changelist, label="plain")
    assert plain is not None and plain.status_code == 200, sender.failures
    reader = read_forms(changelist, plain.content.decode())
    names = set(ADMIN_PARAMS)
    for link in reader.links:
        names.update(key for key, _value in parse_qsl(link[1:], keep_blank_values=True))
    for form in reader.forms:
        if form.method == "get":
            names.update(form.fields)
    for value in ADMIN_HOSTILE:
        sender.send(
            "superuser", "get", changelist, _query(sorted(names), value), label=f"?*={_describe(value)}"
        )
    for role in ["anonymous", "butler_a", "manager"]:
        sender.send(role, "get", changelist, {"q": SCRIPT}, label="not staff")
    first = model._default_manager.order_by("pk").first()
    ids = [first.pk] if first is not None else []
    for object_id in [*ids, 10**9, HUGE_INT, SCRIPT, "\x00"]:
        for view in ["change", "history"]:
            try:
                url = reverse(f"admin:{info[0]}_{info[1]}_{view}", args=[object_id])
            except NoReverseMatch:
                continue
            sender.send("superuser", "get", url, {"_changelist_filters": SCRIPT}, label=view)
    assert sender.failures == [], f"{len(sender.failures)} of {sender.count} requests:\n" + "\n".join(
        sender.failures
    )
