"""Settings come from the environment and refuse to start on dangerous values."""

import os
import secrets
import subprocess
import sys

from django.conf import settings


def _check(**env) -> subprocess.CompletedProcess:
    environment = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update(env)
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='butler.settings.base'; "
            "import butler.settings.base as s; print(s.DEBUG, s.TIME_ZONE, s.LANGUAGE_CODE)",
        ],
        cwd=settings.BASE_DIR / "tests",
        env={**environment, "PYTHONPATH": str(settings.BASE_DIR)},
        capture_output=True,
        text=True,
        check=False,
    )


def test_secret_key_is_required_when_debug_is_off(tmp_path):
    result = _check(DEBUG="0", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_settings_start_with_a_secret():
    result = _check(DEBUG="0", SECRET_KEY="x" * 50, ALLOWED_HOSTS="butler.example")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "Asia/Shanghai", "zh-hans"]


def test_time_and_language_defaults():
    assert settings.TIME_ZONE == "Asia/Shanghai" and settings.USE_TZ
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _name in settings.LANGUAGES] == ["zh-hans", "en"]


def test_celery_is_configured_for_at_least_once_delivery():
    from butler.celery import app

    assert app.conf.task_acks_late is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_reject_on_worker_lost is True


def test_allowed_hosts_are_required_when_debug_is_off():
    result = _check(DEBUG="0", SECRET_KEY="x" * 50, ALLOWED_HOSTS="")
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_reminder_settings_refuse_values_that_would_break_delivery():
    night = _check(DEBUG="1", BUTLER_SMS_HOURS="20:00-08:00")
    assert night.returncode != 0 and "BUTLER_SMS_HOURS" in night.stderr
    garbled = _check(DEBUG="1", BUTLER_SMS_HOURS="eight to eight")
    assert garbled.returncode != 0 and "BUTLER_SMS_HOURS" in garbled.stderr
    no_lease = _check(DEBUG="1", BUTLER_REMINDER_LEASE_MINUTES="0")
    assert no_lease.returncode != 0 and "BUTLER_REMINDER_LEASE_MINUTES" in no_lease.stderr


def test_every_task_has_a_time_limit_and_the_broker_outlives_the_longest():
    from butler.celery import app

    app.loader.import_default_modules()
    ours = {
        name: task
        for name, task in app.tasks.items()
        if name.split(".")[0] in {"butler", "companies", "reminders"}
    }
    assert len(ours) >= 6
    for name, task in ours.items():
        limit = task.time_limit or app.conf.task_time_limit
        soft = task.soft_time_limit or app.conf.task_soft_time_limit
        assert limit and soft and soft < limit, name
    longest = max(task.time_limit or app.conf.task_time_limit for task in ours.values())
    if settings.CELERY_BROKER_URL.startswith("redis"):
        assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > longest


def _deploy_check(**env) -> subprocess.CompletedProcess:
    """``manage.py check --deploy`` on the base settings with a production environment and no servers."""
    production = {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "butler.example",
        "BUTLER_PUBLIC_URL": "https://butler.example",
        "BEHIND_TLS_PROXY": "1",
        "DJANGO_SETTINGS_MODULE": "butler.settings.base",
    }
    # Not the run's own settings, nor the browser tests' leave to call the ORM from Playwright's loop.
    inherited = {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", *production}
    environment = {k: v for k, v in os.environ.items() if k not in inherited}
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [
            sys.executable,
            str(settings.BASE_DIR / "manage.py"),
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
        ],
        cwd=settings.BASE_DIR,
        env={**environment, **production, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_settings_pass_the_deploy_checks():
    result = _deploy_check()
    assert result.returncode == 0, result.stderr + result.stdout


def test_the_deploy_checks_pass_when_the_proxy_redirects_to_https_itself():
    result = _deploy_check(SECURE_SSL_REDIRECT="0")
    assert result.returncode == 0, result.stderr + result.stdout


def test_the_deploy_checks_say_when_emails_and_texts_would_go_out_without_a_link():
    result = _deploy_check(BUTLER_PUBLIC_URL="")
    assert result.returncode != 0
    assert "reminders.W001" in result.stderr
    assert "BUTLER_PUBLIC_URL is not set: e-mails and text messages go out without a link." in result.stderr


def test_the_deploy_checks_fail_with_debug_on():
    result = _deploy_check(DEBUG="1")
    assert result.returncode != 0
    assert "security.W018" in result.stderr


def test_the_deploy_checks_fail_without_hsts():
    result = _deploy_check(SECURE_HSTS_SECONDS="0")
    assert result.returncode != 0
    assert "security.W004" in result.stderr


def test_logs_are_json_in_production_and_text_when_debugging():
    assert _setting("LOG_FORMAT", DEBUG="0", SECRET_KEY="x" * 50, ALLOWED_HOSTS="butler.example") == "json"
    assert _setting("LOG_FORMAT", DEBUG="1") == "text"
    assert _setting("LOG_FORMAT", DEBUG="1", LOG_FORMAT="json") == "json"


def test_secure_defaults_in_production_and_plain_http_when_debugging():
    production = {"DEBUG": "0", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "butler.example"}
    assert _setting("SECURE_SSL_REDIRECT", **production) == "True"
    assert _setting("SECURE_HSTS_SECONDS", **production) == str(365 * 24 * 3600)
    assert _setting("SECURE_HSTS_PRELOAD", **production) == "False"
    assert _setting("CSRF_COOKIE_HTTPONLY", **production) == "True"
    # Behind the proxy its X-Forwarded-For names the client; without it only the connection does.
    assert "HTTP_X_FORWARDED_FOR" in _setting(
        "AXES_IPWARE_META_PRECEDENCE_ORDER", BEHIND_TLS_PROXY="1", **production
    )
    assert "HTTP_X_FORWARDED_FOR" not in _setting("AXES_IPWARE_META_PRECEDENCE_ORDER", **production)
    # `make run`: DEBUG on, plain http on localhost.
    assert _setting("SECURE_SSL_REDIRECT", DEBUG="1") == "False"
    assert _setting("SECURE_HSTS_SECONDS", DEBUG="1") == "0"


def _setting(name: str, **env) -> str:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "LOG_FORMAT", "BEHIND_TLS_PROXY"}
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", f"import butler.settings.base as s; print(s.{name})"],
        cwd=settings.BASE_DIR / "tests",
        env={**environment, **env, "PYTHONPATH": str(settings.BASE_DIR)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_staff_chat_settings_refuse_a_robot_without_its_address():
    unknown = _check(DEBUG="1", BUTLER_CHAT_BACKEND="dingtalk")
    assert unknown.returncode != 0 and "BUTLER_CHAT_BACKEND" in unknown.stderr
    nowhere = _check(DEBUG="1", BUTLER_CHAT_BACKEND="http", BUTLER_CHAT_WEBHOOK_URL="")
    assert nowhere.returncode != 0 and "BUTLER_CHAT_WEBHOOK_URL" in nowhere.stderr
    no_time = _check(
        DEBUG="1",
        BUTLER_CHAT_BACKEND="http",
        BUTLER_CHAT_WEBHOOK_URL="https://robot.example/send",
        BUTLER_CHAT_TIMEOUT="0",
    )
    assert no_time.returncode != 0 and "BUTLER_CHAT_TIMEOUT" in no_time.stderr
    robot = _check(
        DEBUG="1",
        BUTLER_CHAT_BACKEND="http",
        BUTLER_CHAT_WEBHOOK_URL="https://oapi.dingtalk.com/robot/send?access_token=abc",
        BUTLER_CHAT_SECRET="SECabc",
    )
    assert robot.returncode == 0, robot.stderr


def test_rating_centre_settings_refuse_an_address_without_its_key_or_time():
    off = _check(DEBUG="1", BUTLER_RATING_CENTRE_URL="")
    assert off.returncode == 0, off.stderr
    no_key = _check(DEBUG="1", BUTLER_RATING_CENTRE_URL="https://hcp.example/ratings")
    assert no_key.returncode != 0 and "BUTLER_RATING_CENTRE_KEY" in no_key.stderr
    not_http = _check(DEBUG="1", BUTLER_RATING_CENTRE_URL="hcp.example/ratings", BUTLER_RATING_CENTRE_KEY="k")
    assert not_http.returncode != 0 and "BUTLER_RATING_CENTRE_URL" in not_http.stderr
    no_time = _check(
        DEBUG="1",
        BUTLER_RATING_CENTRE_URL="https://hcp.example/ratings",
        BUTLER_RATING_CENTRE_KEY="k",
        BUTLER_RATING_CENTRE_TIMEOUT="0",
    )
    assert no_time.returncode != 0 and "BUTLER_RATING_CENTRE_TIMEOUT" in no_time.stderr
    on = _check(
        DEBUG="1", BUTLER_RATING_CENTRE_URL="https://hcp.example/ratings", BUTLER_RATING_CENTRE_KEY="k"
    )
    assert on.returncode == 0, on.stderr
