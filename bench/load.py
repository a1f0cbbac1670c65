"""Load: the pages of ``bench.pages`` requested at once by several clients against gunicorn on loopback.

gunicorn serves ``butler.wsgi`` as in production (``-w 2 --threads 4``, DEBUG off, the Redis cache, the
static files' manifest) on a free port of 127.0.0.1, on the seeded database. Each role's user signs in
once through ``/accounts/login/`` with the seeded password; then ``clients`` threads, each with a
keep-alive connection of its own, request a weighted mix of the pages as the user each is for, one
after the other with no pause, for ``seconds`` (after a short warm-up that is not counted). Every
response other than 200 counts as an error. Threads in one Python process are enough to keep two
gunicorn workers busy: a client spends far less time on a request than the server.
"""

import http.client
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from bench.environment import ROOT

SECONDS = 60
CLIENTS = 8
WARM_UP_SECONDS = 3
WORKERS = 2
THREADS = 4
PASSWORD = "butler-demo"  # noqa: S105 - the seeded (and published demo) password
HOST = "127.0.0.1"
# How often each page comes up in the mix (the butler's pages and the portal most, the manager's less).
WEIGHTS = {
    "today": 3,
    "portfolio": 2,
    "company": 2,
    "timeline": 1,
    "portal": 3,
    "dashboard": 1,
    "search_name": 1,
    "search_code": 1,
    "licences": 1,
    "company_list": 1,
}
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn on loopback, started and stopped by the benchmark (its process id only)."""

    def __init__(self, environment, database: str, *, log_path):
        from bench.pages import static_env

        self.port = free_port()
        self.log_path = log_path
        self.env = {
            **os.environ,
            **environment.django_env(database),
            **static_env(),
            "ALLOWED_HOSTS": f"localhost,{HOST}",
            # Plain HTTP on loopback: the cookies would otherwise be for HTTPS only.
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
        }
        self.process = None

    @property
    def command(self) -> list[str]:
        return [
            "gunicorn",
            "butler.wsgi",
            "-w",
            str(WORKERS),
            "--threads",
            str(THREADS),
            "-b",
            f"{HOST}:{self.port}",
        ]

    def start(self, timeout: float = 60) -> None:
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                [sys.executable, "-m", *self.command, "--error-logfile", "-", "--log-level", "warning"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log_path}")
            try:
                status, _headers, _body = request(
                    http.client.HTTPConnection(HOST, self.port, timeout=5), "GET", "/accounts/login/"
                )
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s; see {self.log_path}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def request(connection, method: str, path: str, *, body: str | None = None, cookies: dict | None = None):
    headers = {"Host": "localhost", "Accept-Language": "zh-hans"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    content = response.read()
    return response.status, response.headers, content


def _cookies(headers) -> dict:
    found = {}
    for header in headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        found[name.strip()] = rest.split(";", 1)[0]
    return found


def sign_in(port: int, username: str) -> dict:
    """Sign in through the login form as a person would; the cookies of the session."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        status, headers, content = request(connection, "GET", "/accounts/login/")
        cookies = _cookies(headers)
        token = _CSRF.search(content.decode())
        if status != 200 or not token or "csrftoken" not in cookies:
            raise RuntimeError(f"the login page answered {status} without a CSRF token")
        body = urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)})
        status, headers, _content = request(
            connection, "POST", "/accounts/login/", body=body, cookies=cookies
        )
        cookies.update(_cookies(headers))
        if status != 302 or "sessionid" not in cookies:
            raise RuntimeError(f"{username} could not sign in with the seeded password (answer {status})")
        return cookies
    finally:
        connection.close()


@dataclass
class Tally:
    ms: dict = field(default_factory=dict)  # page key → [ms]
    errors: dict = field(default_factory=dict)  # page key → count
    error_samples: list = field(default_factory=list)


def client(port, mix, sessions, *, seed, warm_until, stop_at, tally: Tally, lock) -> None:
    """One client: requests pages of the mix one after the other until ``stop_at``."""
    chooser = random.Random(seed)  # noqa: S311 - a benchmark's mix, not security
    keys, weights = zip(*((t.key, WEIGHTS.get(t.key, 1)) for t in mix), strict=True)
    by_key = {t.key: t for t in mix}
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    ms, errors, samples = {}, {}, []
    while True:
        started = time.monotonic()
        if started >= stop_at:
            break
        target = by_key[chooser.choices(keys, weights)[0]]
        try:
            status, _headers, _content = request(
                connection, "GET", target.url, cookies=sessions[target.user.pk]
            )
            error = None if status == 200 else f"HTTP {status}"
        except (OSError, http.client.HTTPException) as problem:
            error = repr(problem)
            connection.close()
            connection = http.client.HTTPConnection(HOST, port, timeout=60)
        elapsed = (time.monotonic() - started) * 1000
        if started < warm_until:
            continue
        ms.setdefault(target.key, []).append(elapsed)
        if error:
            errors[target.key] = errors.get(target.key, 0) + 1
            if len(samples) < 3:
                samples.append(f"{target.url}: {error}")
    connection.close()
    with lock:
        for key, values in ms.items():
            tally.ms.setdefault(key, []).extend(values)
        for key, count in errors.items():
            tally.errors[key] = tally.errors.get(key, 0) + count
        tally.error_samples += samples


def drive(port: int, mix, *, seconds: float, clients: int) -> Tally:
    sessions = {}
    for target in mix:
        if target.user.pk not in sessions:
            sessions[target.user.pk] = sign_in(port, target.user.get_username())
    tally, lock = Tally(), threading.Lock()
    warm_until = time.monotonic() + WARM_UP_SECONDS
    stop_at = warm_until + seconds
    threads = [
        threading.Thread(
            target=client,
            args=(port, mix, sessions),
            kwargs={
                "seed": number,
                "warm_until": warm_until,
                "stop_at": stop_at,
                "tally": tally,
                "lock": lock,
            },
        )
        for number in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally


def row(label: str, key: str, values: list[float], errors: int, seconds: float) -> dict:
    from bench.pages import percentile

    return {
        "key": key,
        "label": label,
        "requests": len(values),
        "per_second": round(len(values) / seconds, 1),
        "p50": round(percentile(values, 50), 1) if values else None,
        "p95": round(percentile(values, 95), 1) if values else None,
        "errors": errors,
    }


def run(*, scale: str, seconds: float, clients: int, environment, database: str, log) -> dict:
    """Start gunicorn on the database, drive the mix for ``seconds``, stop it; the section for the report."""
    import redis
    from django.db import connection
    from django.utils import timezone

    from bench import pages
    from bench.machine import describe

    started = time.perf_counter()
    date = timezone.now()
    data = pages.data_counts()
    found = pages.subjects()
    mix, skipped = pages.targets(found)
    listing = pages.company_list_target(found)
    if listing is not None:
        mix.append(listing)
    mix, failed = pages.usable(mix)  # a page that fails in-process is left out of the mix, with a note
    skipped += failed
    machine = describe(connection=connection, redis_client=redis.Redis.from_url(environment.redis_url))
    connection.close()
    log_path = ROOT / "var" / "bench-gunicorn.log"
    server = Server(environment, database, log_path=log_path)
    load_average = [os.getloadavg()[0]]
    server.start()
    log(
        f"{scale}: gunicorn on {HOST}:{server.port} (pid {server.process.pid}); "
        f"{clients} clients for {seconds:.0f} s after {WARM_UP_SECONDS} s of warm-up"
    )
    try:
        tally = drive(server.port, mix, seconds=seconds, clients=clients)
        load_average.append(os.getloadavg()[0])
    finally:
        server.stop()
    rows = [
        row(target.label, target.key, tally.ms.get(target.key, []), tally.errors.get(target.key, 0), seconds)
        for target in mix
    ]
    every = [value for values in tally.ms.values() for value in values]
    overall = row("All pages", "all", every, sum(tally.errors.values()), seconds)
    log(
        f"{scale}: {overall['requests']:,} requests, {overall['per_second']:,} per second, "
        f"p50 {overall['p50']} ms, p95 {overall['p95']} ms, {overall['errors']} errors"
    )
    machine["load_average"] = {
        "start": load_average[0],
        "median": round(statistics.median(load_average), 2),
        "max": max(load_average),
    }
    notes = list(skipped)
    if tally.error_samples:
        notes.append("Errors, e.g.: " + "; ".join(tally.error_samples) + f" (gunicorn's log: {log_path})")
    notes.append(
        "Times are seen by the client: queueing for a free gunicorn thread included, so they are longer "
        "than the server times of the pages section; the clients run on the same two cores as the server "
        "and PostgreSQL."
    )
    return {
        "title": "Load: a mix of the pages against gunicorn",
        "summary": (
            f"`{' '.join(server.command[:-1])} {HOST}:<free port>` on the {scale}-sized database; "
            f"{clients} clients request a weighted mix of the pages as the butler, the portal user and the "
            f"manager, without pause, for {seconds:.0f} s."
        ),
        "scale": scale,
        "date": date.isoformat(timespec="seconds"),
        "command": "",
        "runtime_seconds": round(time.perf_counter() - started, 1),
        "machine": machine,
        "data": {scale: data},
        "seconds": seconds,
        "clients": clients,
        "server": {"workers": WORKERS, "threads": THREADS},
        "weights": {target.key: WEIGHTS.get(target.key, 1) for target in mix},
        "rows": rows,
        "overall": overall,
        "method": [
            "Each user signs in once through `/accounts/login/` with the seeded password; the clients "
            "share those sessions. Each client has its own keep-alive connection and a fixed random seed.",
            f"{WARM_UP_SECONDS} s of warm-up are not counted; requests per second are over the "
            f"{seconds:.0f} s that follow. Any answer other than 200, or a broken connection, is an error.",
            "`butler.settings.base` with DEBUG off, the Redis cache, database sessions, the static "
            "files' manifest; plain HTTP on loopback (secure cookies off).",
        ],
        "notes": notes,
    }
