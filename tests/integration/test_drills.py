"""Failure drills against real servers of the drill's own (``private_servers``): Redis restarted while
reminders go out, PostgreSQL stopped under load, and a backup restored with the operations guide's commands.

The machine's PostgreSQL and Redis on the standard ports are never stopped: each drill breaks only what it
started.
"""

import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from butler.firstvisit.services import first_visit_accept
from reminders.models import Channel, OutboxMessage, Reminder
from tests.clock import clock_environment_at, shared_clock_environment
from tests.conftest import PASSWORD, make_butler, register
from tests.integration.conftest import Worker, wait_for
from tests.integration.private_servers import HOST, Gunicorn, PrivateCluster, PrivateRedis, production_env
from tests.integration.test_reminder_delivery import _contacts, _issue, _plan_renewal

pytestmark = pytest.mark.django_db(transaction=True)

S = Reminder.Status
SWEEP = "from reminders.tasks import sweep_reminders; print(sweep_reminders())"


def shell(env: dict, code: str) -> str:
    """Python in a fresh process of the product (``manage.py shell -c``), as beat or a web server runs."""
    done = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


# --- Redis restarted while reminders go out ----------------------------------------------------------

CONTACTS = 120  # × e-mail and SMS: 240 reminders, each a message of its own
SMS_RATE = 25  # texts a second, counted in Redis: the SMS take several seconds and use Redis as they go
REDIS_DOWN_SECONDS = 2.0


@pytest.fixture
def private_redis(tmp_path):
    (tmp_path / "redis").mkdir()
    server = PrivateRedis(tmp_path / "redis").start()
    yield server
    server.stop()


class Supervised:
    """A worker kept running the way its systemd unit keeps it (``Restart=always`` in
    ``deploy/systemd/butler-worker@.service``): started again whenever it exits.

    A worker usually rides out a Redis restart on its own; but kombu's Redis transport can give up with an
    "Unrecoverable error" when the broker drops again while it is reconnecting, and then the process exits.
    The supervisor starting it again is the deployment's answer, so the drill does the same and holds the
    product to what matters either way: nothing lost, nothing doubled, delivery resumed.
    """

    def __init__(self, env: dict, log_dir, *options: str):
        self.env, self.log_dir, self.options = env, log_dir, options
        self.restarts = 0
        self.logs = []
        self.worker = self._start()

    def _start(self) -> Worker:
        log = self.log_dir / f"worker{len(self.logs) + 1}.log"
        self.logs.append(log)
        return Worker(self.env, log, *self.options)

    def keep_running(self) -> None:
        if self.worker.process.poll() is not None:
            self.restarts += 1
            self.worker = self._start()

    def output(self) -> str:
        return "\n".join(log.read_text(errors="replace") for log in self.logs if log.exists())

    def stop(self) -> None:
        self.worker.stop()


def supervised_wait(supervisor: Supervised, condition, *, timeout: float, every: float = 0.1) -> bool:
    """``wait_for`` with the supervisor looking after the worker between polls."""

    def check() -> bool:
        supervisor.keep_running()
        return condition()

    return wait_for(check, timeout=timeout, every=every)


@pytest.mark.usefixtures("frozen_clock")  # the world's clock, shared with the workers
def test_redis_restarted_mid_delivery_every_reminder_arrives_exactly_once_and_delivery_resumes(
    service_env, smtp_sink, sms_gateway, private_redis, tmp_path
):
    """Reminders are claimed and queued on a Redis with its append-only file on (as production runs it);
    while the worker sends them — e-mail to the SMTP sink, texts to the gateway at a rate counted in that
    Redis — Redis is shut down and started again on the same port and files, twice: while the e-mails go
    out, and while the texts do.

    What the product promises: the queued tasks survive the restart (the append-only file), the worker
    reconnects (or, if it gave up, its supervisor starts it again) and delivery carries on; a send that
    needed Redis while it was down (the SMS rate counter) is recorded as an error and retried, a task Redis
    lost is handed over again once its lease runs out — and each reminder reaches its person exactly once:
    a message is recorded sent right after it goes out, in the database, which no Redis restart touches,
    and a message sent again would go as itself, under its key.
    """
    env = {**service_env, "REDIS_URL": private_redis.url, "BUTLER_SMS_RATE": str(SMS_RATE)}
    butler = make_butler("butler_drill", "王丽娜")
    company = register(butler.user, 830)
    first_visit_accept(actor=butler.user, company_id=company.pk)
    licence = _issue(company.licences.get(), butler.user)
    users = _contacts(company, CONTACTS)
    ids = _plan_renewal(licence, channels=[Channel.EMAIL, Channel.SMS], recipients=users)
    assert len(ids) == 2 * CONTACTS

    def delivered() -> int:
        return len(smtp_sink) + len(sms_gateway)

    worker = Supervised(env, tmp_path, "--pool=prefork", "--concurrency=2")
    try:
        assert shell(env, SWEEP).split() == [str(len(ids))]
        # Twice: while the e-mails go out (the first tasks), then while the texts do (the rate counter).
        assert supervised_wait(worker, lambda: len(smtp_sink) >= CONTACTS // 3, timeout=60, every=0.02), (
            f"too little delivered before the restart:\n{worker.output()}"
        )
        private_redis.restart(down_for=REDIS_DOWN_SECONDS)
        at_restart = delivered()
        assert len(smtp_sink) < CONTACTS, "every e-mail went out before Redis was restarted"
        assert supervised_wait(worker, lambda: len(sms_gateway) >= CONTACTS // 4, timeout=60, every=0.02), (
            f"no texts after the first restart:\n{worker.output()}"
        )
        private_redis.restart(down_for=REDIS_DOWN_SECONDS)
        assert len(sms_gateway) < CONTACTS, "every text went out before Redis was restarted"

        # No sweep meanwhile: what arrives now comes from tasks queued before the restart, taken by the
        # worker over a new connection. Wait until no message is being sent any more.
        messages = OutboxMessage.objects.filter(reminders__in=ids).distinct()

        def settled() -> bool:
            return not messages.filter(state=OutboxMessage.State.SENDING).exists()

        supervised_wait(worker, settled, timeout=60, every=0.2)
        resumed = delivered() - at_restart
        assert resumed > 0, f"nothing was delivered after the restart:\n{worker.output()}"
        assert Reminder.objects.filter(pk__in=ids, status=S.SENT).count() >= len(ids) // 2, (
            "the tasks queued before the restart were not worked off after it"
        )
        assert not Reminder.objects.filter(pk__in=ids, status=S.FAILED).exists()

        # The next sweep once their time has come (a retry is due minutes later; a lost task's lease runs
        # out after BUTLER_REMINDER_LEASE_MINUTES) hands over what is left; the worker sends it. The world
        # moves on past the lease for every process: the worker stops (a warm shutdown finishes what it
        # holds and puts back the tasks it had not started), the sweep runs later, and the worker starts
        # again on that clock — so a task that started just now is not taken for one whose lease ran out.
        if messages.exclude(state=OutboxMessage.State.SENT).exists():
            worker.worker.shut_down()
            later = timezone.now() + timedelta(minutes=settings.BUTLER_REMINDER_LEASE_MINUTES + 1)
            env = clock_environment_at(later, env)
            shell(env, SWEEP)
            (tmp_path / "later").mkdir()
            worker = Supervised(env, tmp_path / "later", "--pool=prefork", "--concurrency=2")
        assert supervised_wait(
            worker,
            lambda: Reminder.objects.filter(pk__in=ids, status=S.SENT).count() == len(ids),
            timeout=60,
            every=0.2,
        ), f"{Reminder.objects.filter(pk__in=ids).exclude(status=S.SENT).count()} reminders not sent"
        worker.keep_running()
        worker.worker.assert_alive()
    finally:
        worker.stop()

    reminders = list(Reminder.objects.filter(pk__in=ids).select_related("message"))
    key = {reminder.pk: reminder.message.key for reminder in reminders}
    expected = {channel: sorted(key[r.pk] for r in reminders if r.channel == channel) for channel in Channel}
    assert len(set(expected[Channel.EMAIL])) == len(set(expected[Channel.SMS])) == CONTACTS
    # Exactly once: every key arrived, none twice — at the SMTP sink (which keeps every copy) and at the
    # gateway (which was never even asked twice).
    assert sorted(smtp_sink.keys()) == expected[Channel.EMAIL]
    assert sorted(sms_gateway.keys()) == expected[Channel.SMS]
    assert sms_gateway.repeats == [] and sms_gateway.refused == 0
    assert [k for k, n in Counter(smtp_sink.keys()).items() if n > 1] == []
    assert all(reminder.sent_at and reminder.provider_message_id for reminder in reminders)
    # Each went out to the address of its own person.
    addresses = {user.pk: user.email for user in users}
    for mail in smtp_sink.messages:
        (reminder,) = [r for r in reminders if key[r.pk] == mail.key and r.channel == Channel.EMAIL]
        assert mail.recipients == (addresses[reminder.recipient_id],)


# --- Backup and restore: the operations guide's commands -------------------------------------------------


def _pg(*command: str, env: dict | None = None) -> None:
    """One of PostgreSQL's client tools (pg_dump, pg_restore, createdb, dropdb); its error if it fails."""
    done = subprocess.run(  # noqa: S603 - PostgreSQL's own tools, our arguments
        list(command), env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, f"{command[0]} failed:\n{done.stderr}"


def backup(database_url: str, directory: Path) -> Path:
    """``pg_dump --format=custom --no-owner --file=<dir>/butler.dump "$DATABASE_URL"``."""
    dump = directory / "butler.dump"
    _pg("pg_dump", "--format=custom", "--no-owner", f"--file={dump}", database_url)
    return dump


def restore(dump: Path, name: str, *, server: dict) -> None:
    """``createdb <name> && pg_restore --no-owner --exit-on-error --dbname=<name> <dump>``, on the server
    that ``PGHOST``, ``PGPORT`` and ``PGUSER`` in ``server`` name."""
    env = {**os.environ, **server}
    _pg("createdb", name, env=env)
    _pg("pg_restore", "--no-owner", "--exit-on-error", f"--dbname={name}", str(dump), env=env)


# --- PostgreSQL stopped under load ---------------------------------------------------------------------

OUTAGE_SECONDS = 4.0
CLIENTS = 4  # threads requesting pages without pause: two in Chinese (the default), two in English
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Visitor:
    """A person with a browser of sorts: signs in through the login form, then opens pages over one
    keep-alive connection, in one language."""

    def __init__(self, port: int, language: str | None = None, *, cookies: dict | None = None):
        self.port, self.language, self.cookies = port, language, dict(cookies or {})
        self.connection = http.client.HTTPConnection(HOST, port, timeout=30)

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, str]:
        headers = {"Host": "localhost"}
        if self.language:
            headers["Accept-Language"] = self.language
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            data = urlencode(body)
        try:
            response, content = self._send(method, path, data, headers)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The server closed the kept-alive connection while it was idle (gunicorn keeps one alive for
            # two seconds): a browser sends the request again on a new connection, and so do we, once.
            self.connection.close()
            self.connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
            response, content = self._send(method, path, data, headers)
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, content

    def _send(self, method, path, data, headers):
        try:
            self.connection.request(method, path, body=data, headers=headers)
            response = self.connection.getresponse()
            return response, response.read().decode(errors="replace")
        except (OSError, http.client.HTTPException):
            self.connection.close()
            raise

    def sign_in(self, username: str) -> "Visitor":
        status, page = self.request("GET", "/accounts/login/")
        token = _CSRF.search(page)
        assert status == 200 and token, f"the login page answered {status}"
        status, _page = self.request(
            "POST",
            "/accounts/login/",
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)},
        )
        assert status == 302 and "sessionid" in self.cookies, f"{username} could not sign in ({status})"
        return self


@dataclass(frozen=True)
class Answer:
    started: float
    finished: float
    path: str
    language: str
    status: int | None  # None: no answer at all (connection refused or broken)
    page: str


def _gunicorn_answers(port: int) -> bool:
    try:
        status, _ = Visitor(port).request("GET", "/accounts/login/")
    except OSError:
        return False  # not listening yet
    assert status < 500, f"gunicorn answers {status}"
    return status == 200


def _translated(language: str, text: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


WORLD = """
import json
from tests.conftest import build_world
company = build_world().company_a
print(json.dumps({"id": company.pk, "name": company.name, "credit_code": company.credit_code}))
"""


@dataclass(frozen=True)
class ProductCluster:
    cluster: PrivateCluster
    database_url: str
    company: dict  # the id, name and credit code of a company served by butler_a

    def env(self, **changes: str) -> dict:
        """A product process on this database (test settings unless ``changes`` say otherwise)."""
        return {
            **shared_clock_environment(),
            "DJANGO_SETTINGS_MODULE": "butler.settings.test",
            "DATABASE_URL": self.database_url,
            **changes,
        }

    @property
    def server(self) -> dict:
        return {"PGHOST": HOST, "PGPORT": str(self.cluster.port), "PGUSER": "postgres"}


@pytest.fixture(scope="session")
def product_cluster():
    """A PostgreSQL cluster of the drills' own with the product's database: created, migrated (``manage.py
    migrate``) and given the shared test world through the services — a manager, two butlers, two companies
    with portal users — with production's password hashing. Whatever a drill does to the cluster, it leaves
    it running."""
    cluster = PrivateCluster().init()
    cluster.start()
    try:
        served = ProductCluster(cluster, cluster.url("butler"), {})
        _pg("createdb", "butler", env={**os.environ, **served.server})
        migrated = subprocess.run(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=settings.BASE_DIR,
            env=served.env(),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert migrated.returncode == 0, migrated.stderr
        world = served.env(
            DJANGO_SETTINGS_MODULE="butler.settings.base",
            DEBUG="1",
            CELERY_TASK_ALWAYS_EAGER="1",
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        )
        company = json.loads(shell(world, WORLD).strip().splitlines()[-1])
        yield ProductCluster(cluster, served.database_url, company)
    finally:
        cluster.destroy()


@pytest.fixture(scope="session")
def static_root(tmp_path_factory):
    """The static files collected with their manifest, as production serves them with DEBUG off."""
    root = tmp_path_factory.mktemp("static")
    subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "butler.settings.base",
            "DEBUG": "0",
            "SECRET_KEY": "drill-" + "s" * 50,
            "ALLOWED_HOSTS": "localhost",
            "STATIC_ROOT": str(root),
        },
        check=True,
        timeout=120,
    )
    return root


def test_postgresql_stopped_under_load_pages_answer_503_then_200_again_without_restarting_gunicorn(
    product_cluster, static_root, tmp_path
):
    """The product's database in a PostgreSQL cluster of the drill's own, served by gunicorn as in
    production. Clients open the butler's, the company's and the manager's pages without pause while the
    cluster is stopped (``pg_ctl stop -m fast``) for a few seconds and started again.

    While it is down every page answers 503 with the product's own page in the reader's language — never a
    500, a traceback or a dropped connection; once it is back every page answers 200 again at the next
    request (``CONN_HEALTH_CHECKS``), from the same gunicorn master and workers.
    """
    private_cluster = product_cluster.cluster
    if not private_cluster.running():
        private_cluster.start()
    env = production_env(database_url=product_cluster.database_url, static_root=static_root)
    server = Gunicorn(env, tmp_path / "gunicorn.log").start(_gunicorn_answers)
    workers = server.workers()
    assert len(workers) == 2

    pages = {
        "butler_a": [
            reverse("portfolio:today"),
            reverse("company:detail", args=[product_cluster.company["id"]]),
        ],
        "contact_a": [reverse("portal:home")],
        "manager": [reverse("oversight:periods"), reverse("oversight:companies")],
    }
    every_path = [path for paths in pages.values() for path in paths]
    answers: list[Answer] = []
    lock = threading.Lock()
    stop = threading.Event()

    sessions = {user: Visitor(server.port).sign_in(user).cookies for user in pages}
    signed_in = [
        [
            (Visitor(server.port, "zh-hans" if n % 2 == 0 else "en", cookies=sessions[user]), paths)
            for user, paths in pages.items()
        ]
        for n in range(CLIENTS)
    ]

    def client(number: int) -> None:
        language = "zh-hans" if number % 2 == 0 else "en"
        visitors = signed_in[number]
        turn = number
        while not stop.is_set():
            visitor, paths = visitors[turn % len(visitors)]
            path = paths[turn % len(paths)]
            turn += 1
            started = time.monotonic()
            try:
                status, page = visitor.request("GET", path)
            except (OSError, http.client.HTTPException) as error:
                status, page = None, repr(error)
            with lock:
                answers.append(Answer(started, time.monotonic(), path, language, status, page))

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(CLIENTS)]
    try:
        for thread in threads:
            thread.start()

        def answered_200(since: float, paths=tuple(every_path)) -> bool:
            with lock:
                seen = {a.path for a in answers if a.started >= since and a.status == 200}
            return seen >= set(paths)

        began = time.monotonic()
        assert wait_for(lambda: answered_200(began), timeout=60), (
            f"no 200 before the outage:\n{server.output()}"
        )
        stopping = time.monotonic()
        private_cluster.stop("fast")
        stopped = time.monotonic()

        def refused_everywhere() -> bool:
            """Every page, in both languages, has answered 503 since the stop (however slow the machine)."""
            with lock:
                refused = {(a.path, a.language) for a in answers if a.started >= stopped and a.status == 503}
            return {path for path, _ in refused} >= set(every_path) and {lang for _, lang in refused} >= {
                "zh-hans",
                "en",
            }

        assert wait_for(refused_everywhere, timeout=30), (
            "not every page answered 503 while the database was down"
        )
        time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - stopped)))  # the outage lasts its seconds
        private_cluster.start()
        back = time.monotonic()
        assert wait_for(lambda: answered_200(back), timeout=30), "pages did not answer 200 again"
        settled = time.monotonic()
        assert wait_for(lambda: answered_200(settled), timeout=30)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        server_alive = server.process.poll() is None
        workers_after = server.workers() if server_alive else set()
        server.stop()

    def timeline() -> str:
        """How many answers of each status came in each second after the stop (-1: before it)."""
        seconds = Counter(
            (int(a.started - stopped) if a.started >= stopped else -1, a.status) for a in answers
        )
        return f"back at {back - stopped:+.1f} s; (second, status): count = {sorted(seconds.items())}"

    assert server_alive, f"gunicorn stopped:\n{server.output()}"
    assert workers_after == workers, f"gunicorn's workers were restarted: {workers} → {workers_after}"
    assert not [a for a in answers if a.status is None], [
        (f"{a.started - stopped:+.2f} s after the stop", a.page) for a in answers if a.status is None
    ]
    assert {a.status for a in answers} <= {200, 503}, (
        f"{Counter(a.status for a in answers)}; {timeline()}\n"
        + "\n".join(line for line in server.output().splitlines() if "rror" in line)[-6000:]
    )
    assert not [a for a in answers if a.status == 503 and a.finished < stopping], f"503 before: {timeline()}"
    unavailable = [a for a in answers if a.status == 503]
    assert {a.language for a in unavailable} == {"zh-hans", "en"}
    assert {a.path for a in unavailable} == set(every_path), f"a page never answered 503: {timeline()}"
    for answer in unavailable:
        assert _translated(answer.language, "Service temporarily unavailable") in answer.page
        assert f'<html lang="{answer.language}">' in answer.page
        assert "Traceback" not in answer.page and "OperationalError" not in answer.page
    # Back at once: every request that started after the cluster answered again was served.
    late = [a for a in answers if a.started >= back and a.status != 200]
    assert late == [], (
        f"{len(late)} failed once the database was back, e.g. {late[0].path} {late[0].status} "
        f"{late[0].page[:300]!r}; {timeline()}"
    )
    assert "database unavailable" in server.output()


# --- A backup restored: the same data, served ---------------------------------------------------------------

SERVE = """
import json
from django.contrib.auth import get_user_model
from django.test import Client
from companies.models import Company, CompanyLicence
from reminders.models import Reminder
client = Client()
login = client.get("/accounts/login/")
client.force_login(
    get_user_model().objects.get(username="butler_a"), backend="django.contrib.auth.backends.ModelBackend"
)
page = client.get("/companies/%d/")
counts = [Company.objects.count(), CompanyLicence.objects.count(), Reminder.objects.count()]
print(json.dumps({"counts": counts, "login": login.status_code, "page": page.status_code,
                  "content": page.content.decode()}))
"""


def test_a_backup_restored_with_the_operations_guides_commands_serves_the_same_data(
    product_cluster, tmp_path
):
    """The operations guide's backup (``pg_dump --format=custom --no-owner``) of the product's database,
    restored into a new database (``createdb``, ``pg_restore --no-owner --exit-on-error``): its migrations are
    all applied (``migrate --check``), it holds the same companies, licences and reminders, and the product
    serves the login page and a signed-in company page from it."""
    source = product_cluster.database_url
    restored = "butler_restored"
    server = {**os.environ, **product_cluster.server}
    script = SERVE % product_cluster.company["id"]
    before = json.loads(shell(product_cluster.env(), script))
    assert all(before["counts"]), f"nothing to back up: {before['counts']}"
    try:
        restore(backup(source, tmp_path), restored, server=product_cluster.server)
        product = product_cluster.env(DATABASE_URL=product_cluster.cluster.url(restored))
        check = subprocess.run(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", "migrate", "--check"],
            cwd=settings.BASE_DIR,
            env=product,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert check.returncode == 0, f"migrate --check:\n{check.stdout}\n{check.stderr}"
        after = json.loads(shell(product, script))
    finally:
        _pg("dropdb", "--if-exists", "--force", restored, env=server)
    assert after["counts"] == before["counts"]  # companies, licences, reminders
    assert after["login"] == 200 and after["page"] == 200
    company = product_cluster.company
    assert company["name"] in after["content"] and company["credit_code"] in after["content"]
