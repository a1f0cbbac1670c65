"""Servers of a drill's own, to stop and start on purpose: a Redis, a PostgreSQL cluster and gunicorn, each
on a free port of loopback, each started and stopped by its process id only. The machine's PostgreSQL and
Redis on the standard ports are never touched."""

import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis
from django.conf import settings

from tests.clock import shared_clock_environment
from tests.integration.sinks import _free_port


def _newest_postgresql() -> Path:
    """Debian's PostgreSQL server binaries, of the newest version installed (15 here and in CI)."""
    found = [path.parent for path in Path("/usr/lib/postgresql").glob("*/bin/initdb")]
    return max(found, key=lambda path: int(path.parent.name), default=Path("/usr/lib/postgresql/15/bin"))


PG_BIN = _newest_postgresql()
HOST = "127.0.0.1"


def _wait(condition, *, timeout: float, what: str, every: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} within {timeout:.0f} s")
        time.sleep(every)


class PrivateRedis:
    """``redis-server`` as production runs it (AOF on, fsync every second), in a directory of its own."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def start(self) -> "PrivateRedis":
        self.process = subprocess.Popen(  # noqa: S603 - the system's redis-server, our arguments
            [
                shutil.which("redis-server") or "redis-server",
                "--bind",
                HOST,
                "--port",
                str(self.port),
                "--dir",
                str(self.directory),
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--maxmemory-policy",
                "noeviction",
                "--save",
                "",
                "--logfile",
                str(self.directory / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait(self.answers, timeout=20, what=f"Redis did not answer on port {self.port}")
        except BaseException:
            self.stop()
            raise
        return self

    def answers(self) -> bool:
        try:
            client = redis.Redis(host=HOST, port=self.port, socket_connect_timeout=0.5)
            try:
                return bool(client.ping())
            finally:
                client.close()
        except redis.RedisError:
            return False

    def shutdown(self) -> None:
        """``SHUTDOWN`` as an operator's restart does: the append-only file is flushed, then it exits."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)  # redis-server's SIGTERM handler is SHUTDOWN
        self.process.wait(timeout=20)

    def restart(self, *, down_for: float) -> None:
        """Shut down, stay down ``down_for`` seconds, start again on the same port with the same files."""
        self.shutdown()
        time.sleep(down_for)  # the outage itself: nothing to poll for
        self.start()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def _as_postgres(*command: str, timeout: float = 60) -> subprocess.CompletedProcess:
    done = subprocess.run(  # noqa: S603 - PostgreSQL's own tools as the postgres OS user
        [shutil.which("runuser") or "/usr/sbin/runuser", "-u", "postgres", "--", *command],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return done


class PrivateCluster:
    """A PostgreSQL cluster of its own (``initdb``, ``pg_ctl``) in a temporary directory owned by the
    postgres OS user, listening on a free port of loopback only, with trust authentication."""

    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="butler-drill-pg-"))
        shutil.chown(self.root, "postgres", "postgres")
        self.data = self.root / "data"
        self.port = _free_port()

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@{HOST}:{self.port}/{database}"

    def init(self) -> "PrivateCluster":
        _as_postgres(
            str(PG_BIN / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "--no-sync",
            "-E",
            "UTF8",
        )
        return self

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses={HOST} -k {self.root} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        _as_postgres(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "log"),
            "-w",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def destroy(self) -> None:
        if self.running():
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


class Gunicorn:
    """``gunicorn butler.wsgi`` as in production (DEBUG off, a secret, the allowed host, the static files'
    manifest), on a free port of loopback; stopped by its own process id."""

    def __init__(self, env: dict, log: Path, *, workers: int = 2, threads: int = 4):
        self.port = _free_port()
        self.log = log
        self.env = env
        self.command = [
            sys.executable,
            "-m",
            "gunicorn",
            "butler.wsgi",
            "-w",
            str(workers),
            "--threads",
            str(threads),
            "-b",
            f"{HOST}:{self.port}",
            "--error-logfile",
            "-",
            "--log-level",
            "warning",
        ]
        self.process: subprocess.Popen | None = None

    def start(self, ready) -> "Gunicorn":
        """Start it; ``ready(port)`` says when it answers."""
        with self.log.open("wb") as output:
            self.process = subprocess.Popen(  # noqa: S603 - our interpreter and arguments
                self.command, cwd=settings.BASE_DIR, env=self.env, stdout=output, stderr=subprocess.STDOUT
            )

        def answers() -> bool:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.output()}")
            return ready(self.port)

        try:
            _wait(answers, timeout=60, what="gunicorn did not answer", every=0.3)
        except BaseException:
            self.stop()  # never left running behind a failed start
            raise
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def workers(self) -> set[int]:
        """The process ids of the master's workers (from /proc: their parent is the master)."""
        found = set()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            if parent == self.process.pid:
                found.add(int(entry.name))
        return found

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def production_env(*, database_url: str, static_root: Path, redis_url: str = "") -> dict:
    """The environment of a production web process, on plain HTTP on loopback: DEBUG off, a secret, the
    allowed hosts; no TLS proxy in front, so no redirect to HTTPS and cookies over plain HTTP."""
    env = {
        **shared_clock_environment(),
        "DJANGO_SETTINGS_MODULE": "butler.settings.base",
        "DEBUG": "0",
        "SECRET_KEY": "drill-" + "s" * 50,
        "ALLOWED_HOSTS": f"localhost,{HOST}",
        "DATABASE_URL": database_url,
        "STATIC_ROOT": str(static_root),
        "BEHIND_TLS_PROXY": "0",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env
