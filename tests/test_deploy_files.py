"""The deployment files that docs/operations.md hands an administrator: they exist, the gunicorn settings load
the product, the systemd units start the right commands, Redis accepts its snippet, nginx passes what the
product relies on, the example settings are a working production configuration, and every setting the
product reads is described."""

import configparser
import os
import re
import runpy
import shlex
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

import butler.settings.base as base_settings
from butler.celery import app as celery_app

ROOT = Path(settings.BASE_DIR)
DEPLOY = ROOT / "deploy"
GUIDE = (ROOT / "docs" / "operations.md").read_text()
VENV_BIN = "/srv/butler/venv/bin"

# The backup and restore commands, exactly as the guide gives them (the failure drills run them).
BACKUP = (
    'pg_dump --format=custom --no-owner --file=/var/backups/butler/butler-$(date +%F).dump "$DATABASE_URL"'
)
RESTORE = (
    "createdb butler_restore && pg_restore --no-owner --exit-on-error --dbname=butler_restore "
    "/var/backups/butler/butler-YYYY-MM-DD.dump"
)


def _unit(name: str) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(strict=False, interpolation=None, comment_prefixes=("#", ";"))
    unit.optionxform = str  # systemd's keys are case-sensitive
    unit.read_string((DEPLOY / "systemd" / name).read_text())
    return unit


def _exec(unit: configparser.ConfigParser) -> list[str]:
    return shlex.split(unit["Service"]["ExecStart"])


def _env_example() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / "butler.env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value.strip('"')
    return values


def _procfile() -> dict[str, list[str]]:
    lines = (ROOT / "Procfile.dev").read_text().splitlines()
    return {name: shlex.split(command) for name, _, command in (line.partition(": ") for line in lines)}


def test_every_deploy_file_the_guide_names_exists():
    # Paths as written (globs such as deploy/systemd/butler-*.service aside), less a sentence's full stop.
    named = {path.rstrip(".") for path in re.findall(r"deploy/[\w@./*-]+", GUIDE) if "*" not in path}
    assert len(named) >= 10
    missing = sorted(path for path in named if not (ROOT / path).exists())
    assert missing == [], f"the guide names files that are not there: {missing}"
    assert (DEPLOY / "systemd" / "butler-backup.timer").exists()


def test_the_gunicorn_settings_load_with_the_documented_values(monkeypatch):
    for name in [name for name in os.environ if name.startswith("GUNICORN_")]:
        monkeypatch.delenv(name)
    config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))

    assert config["workers"] == os.cpu_count() * 2 + 1
    assert config["worker_class"] == "sync" and config["threads"] == 1
    assert config["bind"] == "127.0.0.1:8000"
    assert config["timeout"] >= 60 and config["graceful_timeout"] > 0
    assert config["max_requests"] > 0 and 0 < config["max_requests_jitter"] < config["max_requests"]
    assert config["forwarded_allow_ips"] == "127.0.0.1,::1"
    assert "x-request-id" in config["access_log_format"]


def test_threads_switch_gunicorn_to_threaded_workers(monkeypatch):
    monkeypatch.setenv("GUNICORN_THREADS", "4")
    monkeypatch.setenv("GUNICORN_WORKERS", "3")
    config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert (config["workers"], config["threads"], config["worker_class"]) == (3, 4, "gthread")


def test_gunicorn_accepts_the_settings_and_loads_the_product(tmp_path):
    """What the web unit runs, less the server: gunicorn reads the file and imports ``butler.wsgi``."""
    web = _exec(_unit("butler-web.service"))
    assert web[0] == f"{VENV_BIN}/gunicorn"
    config, app = web[web.index("--config") + 1], web[-1]
    assert config == "/srv/butler/app/deploy/gunicorn.conf.py" and app == "butler.wsgi"
    done = subprocess.run(  # noqa: S603 - our own gunicorn, config and application
        [
            Path(sys.executable).with_name("gunicorn"),
            "--check-config",
            "--config",
            DEPLOY / "gunicorn.conf.py",
            app,
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "butler.settings.base", "DEBUG": "1"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("name", "command"),
    [("butler-web.service", "web"), ("butler-worker@.service", "worker"), ("butler-beat.service", "beat")],
)
def test_each_unit_runs_as_butler_from_the_checkout_with_the_settings_and_restarts(name, command):
    service = _unit(name)["Service"]
    assert service["User"] == service["Group"] == "butler"
    assert service["WorkingDirectory"] == "/srv/butler/app"
    assert service["EnvironmentFile"] == "/etc/butler/butler.env"
    assert service["Restart"] in {"always", "on-failure"}
    assert _unit(name)["Install"]["WantedBy"] == "multi-user.target"


def test_worker_and_beat_units_start_the_product_celery_app_like_the_local_procfile():
    procfile = _procfile()
    assert celery_app.main == "butler"
    for name, role in (("butler-worker@.service", "worker"), ("butler-beat.service", "beat")):
        command = _exec(_unit(name))
        assert command[0] == f"{VENV_BIN}/celery"
        assert command[1:4] == ["-A", "butler", role]
        assert procfile[role][:4] == [".venv/bin/celery", "-A", "butler", role]


def test_beat_runs_on_the_marked_host_only_and_workers_are_many():
    beat = _unit("butler-beat.service")
    assert beat["Unit"]["ConditionPathExists"] == "/etc/butler/beat-host"
    schedule = next(arg for arg in _exec(beat) if arg.startswith("--schedule="))
    assert (
        schedule.startswith("--schedule=/var/lib/butler/") and beat["Service"]["StateDirectory"] == "butler"
    )
    worker = _exec(_unit("butler-worker@.service"))
    assert any(arg.startswith("--hostname=") and "%i" in arg for arg in worker), "one name per worker unit"
    assert "/etc/butler/beat-host" in GUIDE and "exactly one" in GUIDE.lower()


def test_the_backup_runs_the_documented_commands():
    script = (DEPLOY / "backup" / "butler-backup.sh").read_text()
    assert BACKUP in script and BACKUP in GUIDE
    assert RESTORE in GUIDE
    assert "python manage.py migrate --check" in GUIDE
    assert "BUTLER_PRIVATE_FILES" in script
    assert _exec(_unit("butler-backup.service")) == ["/srv/butler/app/deploy/backup/butler-backup.sh"]
    assert os.access(DEPLOY / "backup" / "butler-backup.sh", os.X_OK)


def _redis_directives() -> dict[str, str]:
    lines = (DEPLOY / "redis" / "butler.conf").read_text().splitlines()
    return dict(line.split(None, 1) for line in lines if line.strip() and not line.startswith("#"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_redis_is_persistent_and_never_evicts(tmp_path):
    assert _redis_directives() == {
        "appendonly": "yes",
        "appendfsync": "everysec",
        "maxmemory-policy": "noeviction",
    }
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed (make system-deps installs it): only the file was read")
    import redis

    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - the system's redis-server on a port of our own
        [
            server,
            DEPLOY / "redis" / "butler.conf",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            tmp_path,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port, socket_timeout=2)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                assert process.poll() is None, "redis-server refused the snippet"
                assert time.monotonic() < deadline
                time.sleep(0.05)
        assert client.config_get("appendonly") == {"appendonly": "yes"}
        assert client.config_get("appendfsync") == {"appendfsync": "everysec"}
        assert client.config_get("maxmemory-policy") == {"maxmemory-policy": "noeviction"}
    finally:
        client.close()
        process.terminate()
        process.wait(timeout=20)


def test_nginx_passes_what_the_product_relies_on_and_never_serves_private_files():
    site = (DEPLOY / "nginx" / "butler.conf").read_text()
    for header in (
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "proxy_set_header X-Request-ID $request_id;",
        "proxy_set_header Host $host;",
    ):
        assert header in site
    body = re.search(r"client_max_body_size\s+(\d+)m;", site)
    assert body and int(body.group(1)) * 1024 * 1024 > base_settings.BUTLER_ATTACHMENT_MAX_BYTES
    env = _env_example()
    assert re.search(rf"alias\s+{re.escape(env['STATIC_ROOT'])}/;", site)
    served = re.findall(r"^\s*(?:alias|root)\s+(\S+);", site, re.MULTILINE)
    assert not any(path.startswith(env["BUTLER_PRIVATE_FILES"]) for path in served)
    assert "ssl_certificate " in site and "return 301 https://" in site
    assert "combined_request_id" in (DEPLOY / "nginx" / "request-id-log.conf").read_text()


def _settings_read() -> set[str]:
    """Every environment variable the settings read: ``env.<cast>("NAME"`` and the abuse limits' table."""
    source = Path(base_settings.__file__).read_text()
    names = set(re.findall(r"env\.\w+\(\s*\"([A-Z][A-Z0-9_]+)\"", source))
    names |= {variable for variable, _default in getattr(base_settings, "_LIMIT_DEFAULTS", {}).values()}
    return names


def test_every_setting_the_product_reads_is_described_in_the_guide_and_the_example():
    names = _settings_read()
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "BUTLER_HEALTH_TASK_MINUTES"} <= names
    undocumented = sorted(name for name in names if f"`{name}`" not in GUIDE)
    assert undocumented == [], f"describe these settings in docs/operations.md: {undocumented}"
    example = (DEPLOY / "butler.env.example").read_text()
    missing = sorted(name for name in names if not re.search(rf"^#? ?{name}=", example, re.MULTILINE))
    assert missing == [], f"add these settings to deploy/butler.env.example: {missing}"


def test_the_example_settings_pass_django_deploy_checks(tmp_path):
    env = {
        **{
            name: value
            for name, value in os.environ.items()
            # The browser tests let Playwright's loop call the ORM; a deployment never does.
            if name not in _settings_read() and name != "DJANGO_ALLOW_ASYNC_UNSAFE"
        },
        **_env_example(),
        "SECRET_KEY": "x" * 20 + "-an-example-secret-that-is-long-and-random-enough",
        "PYTHONPATH": str(ROOT),
        "STATIC_ROOT": str(tmp_path / "static"),
        "BUTLER_PRIVATE_FILES": str(tmp_path / "private"),
    }
    done = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
