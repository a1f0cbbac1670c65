"""Where a benchmark runs: its own PostgreSQL database and Redis database, and Django set up on them.

The defaults suit a machine with PostgreSQL and Redis on their standard ports; each can be changed from
the environment:

- ``BENCH_POSTGRES``: the server, as a URL without a database (``postgres://postgres@127.0.0.1:5432``);
- ``BENCH_DATABASE``: the databases the run creates and drops are named after it, one per scale
  (``butler_bench`` → ``butler_bench_100k``, ``butler_bench_1m``; it must start with ``butler_bench``);
- ``BENCH_REDIS_URL``: the broker, with a database number of its own (``redis://127.0.0.1:6379/11``);
- ``BENCH_QUEUE``: the queue tasks are sent to, which no worker reads (``bench``).
"""

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Unreachable(Exception):
    """PostgreSQL or Redis cannot be used; the message says what to do."""


@dataclass(frozen=True)
class Environment:
    postgres: str
    database: str
    redis_url: str
    queue: str

    @classmethod
    def from_env(cls) -> "Environment":
        environment = cls(
            postgres=os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432").rstrip("/"),
            database=os.environ.get("BENCH_DATABASE", "butler_bench"),
            redis_url=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"),
            queue=os.environ.get("BENCH_QUEUE", "bench"),
        )
        if not environment.database.startswith("butler_bench"):
            # The run drops this database: never let it be one that holds anything else.
            raise Unreachable(f"BENCH_DATABASE must start with 'butler_bench', not {environment.database!r}.")
        return environment

    def database_for(self, scale: str) -> str:
        return f"{self.database}_{scale}"

    def django_env(self, database: str) -> dict[str, str]:
        """The settings the product reads, pointed at the benchmark's own database, broker and queue."""
        return {
            "DJANGO_SETTINGS_MODULE": "butler.settings.base",
            "DATABASE_URL": f"{self.postgres}/{database}",
            "REDIS_URL": self.redis_url,
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "DEBUG": "0",
            "SECRET_KEY": "bench-" + "x" * 50,
            "ALLOWED_HOSTS": "localhost",
            "LOG_LEVEL": "WARNING",
            # Plain HTTP on loopback, no TLS proxy in front: production would redirect every page to HTTPS.
            "SECURE_SSL_REDIRECT": "0",
        }


def check(environment: Environment) -> dict[str, str]:
    """Connect to PostgreSQL and Redis once; return their versions, or say clearly what is missing."""
    import psycopg
    import redis

    try:
        with psycopg.connect(f"{environment.postgres}/postgres", connect_timeout=5) as connection:
            postgres = connection.execute("SHOW server_version").fetchone()[0]
            superuser = connection.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if not superuser.fetchone()[0]:
                raise Unreachable(f"PostgreSQL at {environment.postgres}: the user must be a superuser.")
    except psycopg.Error as error:
        raise Unreachable(
            f"PostgreSQL is not reachable at {environment.postgres} ({error}).\n"
            "Start it (e.g. `sudo service postgresql start`) or point BENCH_POSTGRES at a server."
        ) from error
    try:
        client = redis.Redis.from_url(environment.redis_url, socket_connect_timeout=5)
        redis_version = client.info("server")["redis_version"]
    except redis.RedisError as error:
        raise Unreachable(
            f"Redis is not reachable at {environment.redis_url} ({error}).\n"
            "Start it (e.g. `sudo service redis-server start`) or point BENCH_REDIS_URL at a server."
        ) from error
    return {"postgresql": postgres, "redis": redis_version}


def database_create(environment: Environment, database: str) -> None:
    """Drop the database if a previous run left it, create it and migrate it."""
    database_drop(environment, database)
    import psycopg

    with psycopg.connect(f"{environment.postgres}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{database}"')
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env={**os.environ, **environment.django_env(database)},
        check=True,
    )


def database_drop(environment: Environment, database: str) -> None:
    if not database.startswith(environment.database):
        raise ValueError(f"{database} is not one of the benchmark's databases")
    import psycopg

    with psycopg.connect(f"{environment.postgres}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def database_use(database: str) -> None:
    """Point Django's default connection at another of the benchmark's databases (it reconnects)."""
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = database


def django_setup(environment: Environment, database: str) -> None:
    """Set Django (and the Celery app) up in this process on a benchmark database and the broker."""
    os.environ.update(environment.django_env(database))
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import butler  # noqa: F401 - binds the tasks to the project's Celery app and its broker
